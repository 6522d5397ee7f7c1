/*
 * devmem.c — device memory: the device-memory pool and the ranges of
 * device registers carved from it (objects of type DEVICE_MEMORY, struct
 * memobj with phys set and no frames).
 *
 * Invariants:
 *  - a device range never overlaps RAM as the firmware reported it (so
 *    neither the kernel, nor any frame, nor the DMA zone), and lies inside
 *    one of the windows the arch found at boot (boot_info.windows: the
 *    device tree's devices, or x86_64's fixed q35 ones), which never hold
 *    a device the kernel drives (the interrupt controller, the timer);
 *  - it is mapped only SHARED, with ARCH_PROT_DEVICE (uncached device
 *    attributes), never executable: its capabilities never carry EXECUTE,
 *    since the pool's does not and carving refuses it;
 *  - the kernel never reads or writes it through the direct map
 *    (memobj_read/write refuse, vspace lookups see ARCH_PROT_DEVICE);
 *  - it stays mapped only while a capability names it: mappings hold the
 *    object, so when its last capability goes (revoke, death) every
 *    mapping of it in every address space is removed (rare: a walk of all
 *    processes).
 */
#include "cap.h"
#include "memobj.h"
#include "process.h"

static struct boot_range ram[BOOT_MAX_RANGES], windows[BOOT_MAX_RANGES];
static unsigned n_ram, n_windows;
static struct memobj *pool;

void devmem_init(const struct boot_info *bi)
{
    for (unsigned i = 0; i < bi->n_ram; i++)
        ram[i] = bi->ram[i];
    n_ram = bi->n_ram;
    for (unsigned i = 0; i < bi->n_windows; i++)
        windows[i] = bi->windows[i];
    n_windows = bi->n_windows;
}

/* Windows that touch are one, so a range over two neighbouring devices' pages is inside one. */
void boot_add_window(struct boot_info *bi, paddr_t base, uint64_t size)
{
    paddr_t lo = ALIGN_DOWN(base, PAGE_SIZE), hi = ALIGN_UP(base + size, PAGE_SIZE);
    if (!size || hi <= lo)
        return;
    for (unsigned i = 0; i < bi->n_windows;) {
        struct boot_range *w = &bi->windows[i];
        if (w->base > hi || w->base + w->size < lo) {
            i++;
            continue;
        }
        lo = w->base < lo ? w->base : lo; /* absorb it, and look again at what the union touches */
        hi = w->base + w->size > hi ? w->base + w->size : hi;
        *w = bi->windows[--bi->n_windows];
        i = 0;
    }
    if (bi->n_windows < BOOT_MAX_RANGES)
        bi->windows[bi->n_windows++] = (struct boot_range){ lo, hi - lo };
}

static bool inside_window(paddr_t base, uint64_t size)
{
    for (unsigned i = 0; i < n_windows; i++)
        if (base >= windows[i].base && base + size <= windows[i].base + windows[i].size)
            return true;
    return false;
}

struct memobj *devmem_pool(void)
{
    long err;
    pool = object_alloc(sizeof(*pool), VOS_OBJ_DEVICE_MEMORY, NULL, &err);
    if (pool)
        pool->pool = true;
    return pool;
}

static bool overlaps_ram(paddr_t base, uint64_t size)
{
    for (unsigned i = 0; i < n_ram; i++)
        if (base < ram[i].base + ram[i].size && ram[i].base < base + size)
            return true;
    return false;
}

static void unmap_in(struct object *o, void *m)
{
    vspace_unmap_backing(&container_of(o, struct process, obj)->vspace, m);
}

void devmem_cap_event(struct object *o, int delta)
{
    struct memobj *m = container_of(o, struct memobj, obj);
    m->caps += (uint32_t)delta;
    if (m->caps || m->pool)
        return;
    object_get(o); /* the last mapping's going must not free it under the walk */
    object_for_each(VOS_OBJ_PROCESS, unmap_in, m);
    object_put(o);
}

/* SYS_CAPABILITY_CREATE(DEVICE_MEMORY, base | pages - 1) from the pool. */
long devmem_carve(struct thread *self, struct cap *parent, uint64_t request, uint64_t rights, vos_cap_t *result)
{
    paddr_t base = request & ~(uint64_t)VOS_DEVICE_PAGES_MASK;
    uint64_t size = ((request & VOS_DEVICE_PAGES_MASK) + 1) * PAGE_SIZE;
    if (rights & VOS_RIGHT_EXECUTE)
        return VOS_ERR_PERMISSION_DENIED; /* device registers are never code */
    if (base + size < base || overlaps_ram(base, size) || !inside_window(base, size))
        return VOS_ERR_PERMISSION_DENIED;
    long err;
    struct memobj *m = object_alloc(sizeof(*m), VOS_OBJ_DEVICE_MEMORY, self->proc, &err);
    if (!m)
        return err;
    m->phys = base;
    m->size = size;
    struct cap *c;
    err = cap_insert(&self->proc->cspace, &m->obj, rights, parent, &c);
    object_put(&m->obj);
    if (err)
        return err;
    *result = cap_token(c);
    return VOS_OK;
}
