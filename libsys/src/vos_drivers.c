/*
 * vos_drivers.c — the typed wrappers of <vos/vos.h> for drivers: interrupt
 * lines, device memory, DMA memory and I/O ports (docs/abi.md, "Drivers").
 */
#include <vos/syscalls.h>
#include <vos/vos.h>

static vos_status_t split(int64_t word, uint64_t *value)
{
    if (word < 0)
        return word;
    if (value)
        *value = (uint64_t)word;
    return VOS_OK;
}

vos_status_t vos_irq_create(vos_any_t control, uint64_t line, uint64_t rights, vos_irq_t *out)
{
    return split(vos_sys_capability_create(VOS_OBJ_IRQ, line, rights, control.cap), &out->cap);
}

vos_status_t vos_irq_bind(vos_irq_t irq, vos_ep_t ep, uint64_t badge) { return vos_sys_irq_bind(irq.cap, ep.cap, badge); }
vos_status_t vos_irq_unbind(vos_irq_t irq) { return vos_sys_irq_bind(irq.cap, VOS_CAP_NULL, 0); }
vos_status_t vos_irq_ack(vos_irq_t irq) { return vos_sys_irq_ack(irq.cap); }

vos_status_t vos_devmem_create(vos_devmem_t pool, uint64_t phys, uint64_t size, uint64_t rights, vos_devmem_t *out)
{
    uint64_t pages = (size + VOS_PAGE_SIZE - 1) / VOS_PAGE_SIZE;
    if ((phys & (VOS_PAGE_SIZE - 1)) || pages == 0 || pages > VOS_DEVICE_PAGES_MASK + 1)
        return -VOS_ERR_INVALID_PARAMETER;
    return split(vos_sys_capability_create(VOS_OBJ_DEVICE_MEMORY, phys | (pages - 1), rights, pool.cap), &out->cap);
}

vos_status_t vos_devmem_map(vos_devmem_t dev, uint64_t len, volatile void **out)
{
    uint64_t addr;
    vos_status_t st = split(vos_sys_mmap(0, len, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED, dev.cap, 0), &addr);
    if (!st)
        *out = (volatile void *)(uintptr_t)addr;
    return st;
}

vos_status_t vos_dma_alloc(vos_mem_t pool, uint64_t size, uint64_t rights, vos_mem_t *out)
{
    return split(vos_sys_capability_create(VOS_OBJ_MEMORY, size | VOS_MEMORY_CONTIGUOUS, rights, pool.cap), &out->cap);
}

vos_status_t vos_mem_physical(vos_any_t region, uint64_t offset, uint64_t *phys)
{
    return split(vos_sys_memory_physical(region.cap, offset), phys);
}

vos_status_t vos_ioport_create(vos_ioport_t from, unsigned first, unsigned count, uint64_t rights, vos_ioport_t *out)
{
    uint64_t id = first | (uint64_t)count << VOS_IO_PORT_COUNT_SHIFT;
    return split(vos_sys_capability_create(VOS_OBJ_IO_PORT, id, rights, from.cap), &out->cap);
}

vos_status_t vos_ioport_in(vos_ioport_t io, unsigned offset, unsigned width, uint32_t *value)
{
    *value = 0;
    return split(vos_sys_read(io.cap, value, width, offset), NULL);
}

vos_status_t vos_ioport_out(vos_ioport_t io, unsigned offset, unsigned width, uint32_t value)
{
    return split(vos_sys_write(io.cap, &value, width, offset), NULL);
}
