/*
 * drivers.c — the drivers suite (cmocka), the first process of
 * kernel-drivers on every architecture: the kernel side of drivers in user
 * space (docs/abi.md, "Drivers").  As the first process it holds what init
 * holds: the interrupt-control capability, the device-memory pool, the
 * memory pool and, on x86_64, every I/O port.
 *
 * The interrupt it raises at will is the console UART's transmitter-empty
 * interrupt: the ns16550's THRI (riscv64 at 0x10000000, PLIC line 10;
 * x86_64 COM1, GSI 4) and the PL011's TXIM (aarch64, GIC INTID 33).  Turning
 * it on in the UART's interrupt-enable register raises the line at once
 * (the transmitter is idle), turning it off lowers it: deterministic, from
 * the guest, no other device needed.  While the suite holds that line the
 * kernel stops reading the UART (its console input); the suite lowers the
 * line before it lets go, since the kernel console takes it back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <vos/syscalls.h>
#include <vos/vos.h>

#include "../../userland/blk/pci.h" /* PCI through ECAM and q35's facts (x86_64) */

#define P VOS_PAGE_SIZE
#define ERR(e) (-(int64_t)(e))
#define GUARD_NS (30 * 1000000000ull) /* only keeps a broken kernel from hanging the suite */
#define BADGE 0x5eed0000cafeull
#define RW (VOS_RIGHT_READ | VOS_RIGHT_WRITE)
#define DEV_RIGHTS (VOS_RIGHT_ALL & ~VOS_RIGHT_EXECUTE) /* all a device range may have */

#if defined(__riscv)
#define UART_PA 0x10000000ull
#define UART_LINE 10
#define UART_DRIVER "ns16550"
#define UART_COMPATIBLE "ns16550a"
#define RAM_PA 0x80000000ull
#define KERNEL_DEVICE_PA 0x0c000000ull /* the PLIC */
#define VIRTIO_PA 0x10001000ull        /* virtio-mmio transport 0 */
#define MISSING_LINE 200
#define VIRTIO_STRIDE 0x1000ull        /* transports 0..7, PLIC lines 1..8 */
#define VIRTIO_COUNT 8
#define VIRTIO_LINE(n) (1 + (n))
#elif defined(__aarch64__)
#define UART_PA 0x09000000ull
#define UART_LINE 33
#define UART_DRIVER "pl011"
#define UART_COMPATIBLE "arm,pl011"
#define RAM_PA 0x40000000ull
#define KERNEL_DEVICE_PA 0x08000000ull /* the GIC distributor */
#define VIRTIO_PA 0x0a000000ull
#define MISSING_LINE 1020
#define VIRTIO_STRIDE 0x200ull         /* transports 0..31, SPIs 16..47 */
#define VIRTIO_COUNT 32
#define VIRTIO_LINE(n) (48 + (n))
#elif defined(__x86_64__)
#define COM1 0x3f8
#define UART_LINE 4
#define RAM_PA 0x100000ull
#define KERNEL_DEVICE_PA 0xfec00000ull /* the IOAPIC */
#define ECAM_PA 0xb0000000ull          /* q35's MMCONFIG: bus 0, device 0 is the host bridge */
#define MISSING_LINE 24
#endif

static vos_any_t control, self;
static vos_devmem_t devpool;
static vos_mem_t pool;
#if defined(__x86_64__)
static vos_ioport_t all_ports, com1;
#else
static volatile void *uart;
#endif

/* ---- the UART's transmitter-empty interrupt ---- */

static void uart_tx_irq(int on)
{
#if defined(__riscv)
    ((volatile uint8_t *)uart)[1] = on ? 0x03 : 0x01; /* IER: receive (the kernel's) + THRI */
#elif defined(__aarch64__)
    ((volatile uint32_t *)uart)[0x38 / 4] = on ? 0x30 : 0x10; /* IMSC: RX (the kernel's) + TX */
#else
    assert_int_equal(vos_ioport_out(com1, 1, 1, on ? 0x03 : 0x01), VOS_OK);
#endif
}

/* A capability to the UART line, bound to a new endpoint *ep with BADGE. */
static vos_irq_t uart_line(vos_ep_t *ep)
{
    vos_irq_t irq;
    assert_int_equal(vos_irq_create(control, UART_LINE, VOS_RIGHT_ALL, &irq), VOS_OK);
    assert_int_equal(vos_endpoint_create(ep), VOS_OK);
    assert_int_equal(vos_irq_bind(irq, *ep, BADGE), VOS_OK);
    return irq;
}

/* Lower the line, then let it go (the kernel console takes it back). */
static void release(vos_irq_t irq)
{
    uart_tx_irq(0);
    assert_int_equal(vos_cap_revoke((vos_any_t){ irq.cap }), VOS_OK);
}

/* One notification must be there now: from IRQ_SENDER, 8 bytes, the badge. */
static void expect_interrupt(vos_ep_t ep, uint64_t timeout)
{
    uint64_t badge = 0;
    struct vos_message m;
    assert_int_equal(vos_receive(ep, &badge, sizeof(badge), timeout, &m), VOS_OK);
    assert_int_equal(m.sender, VOS_IRQ_SENDER);
    assert_int_equal(m.len, 8);
    assert_int_equal(badge, BADGE);
    assert_int_equal(m.cap.cap, 0);
    assert_int_equal(m.reply.cap, 0);
}

static void expect_nothing(vos_ep_t ep)
{
    uint64_t badge;
    struct vos_message m;
    assert_int_equal(vos_receive(ep, &badge, sizeof(badge), 0, &m), ERR(VOS_ERR_TIMEOUT));
}

/* ---- interrupts ---- */

static void irq_create_rules(void **state)
{
    (void)state;
    vos_irq_t irq, again, ro, wo;
    assert_int_equal(vos_irq_create(control, 0, VOS_RIGHT_ALL, &irq), ERR(VOS_ERR_NOT_FOUND));
    assert_int_equal(vos_irq_create(control, MISSING_LINE, VOS_RIGHT_ALL, &irq), ERR(VOS_ERR_NOT_FOUND));
    assert_int_equal(vos_irq_create(control, 5000, VOS_RIGHT_ALL, &irq), ERR(VOS_ERR_NOT_FOUND));
    assert_int_equal(vos_irq_create(control, UART_LINE, VOS_RIGHT_ALL, &irq), VOS_OK);
    assert_int_equal(vos_irq_create(control, UART_LINE, VOS_RIGHT_ALL, &again), ERR(VOS_ERR_ALREADY_EXISTS));
    /* Fewer rights: READ binds but cannot acknowledge, WRITE acknowledges but cannot bind. */
    vos_ep_t ep;
    assert_int_equal(vos_endpoint_create(&ep), VOS_OK);
    assert_int_equal(vos_cap_derive((vos_any_t){ irq.cap }, VOS_RIGHT_READ, (vos_any_t *)&ro), VOS_OK);
    assert_int_equal(vos_cap_derive((vos_any_t){ irq.cap }, VOS_RIGHT_WRITE, (vos_any_t *)&wo), VOS_OK);
    assert_int_equal(vos_irq_ack(ro), ERR(VOS_ERR_PERMISSION_DENIED));
    assert_int_equal(vos_irq_bind(wo, ep, 1), ERR(VOS_ERR_PERMISSION_DENIED));
    assert_int_equal(vos_irq_bind(ro, ep, 1), VOS_OK);
    assert_int_equal(vos_irq_bind(irq, ep, 2), ERR(VOS_ERR_ALREADY_EXISTS)); /* bound already */
    assert_int_equal(vos_irq_ack(wo), VOS_OK);
    char byte = 0;
    assert_int_equal(vos_sys_write(wo.cap, &byte, 1, 0), ERR(VOS_ERR_INVALID_CAPABILITY)); /* nothing to write to */
    /* An interrupt capability is no interrupt control; a derived control without DERIVE makes nothing. */
    assert_int_equal(vos_irq_create((vos_any_t){ irq.cap }, UART_LINE + 1, VOS_RIGHT_ALL, &again) < 0, 1);
    vos_any_t weak;
    assert_int_equal(vos_cap_derive(control, VOS_RIGHT_READ | VOS_RIGHT_REVOKE, &weak), VOS_OK);
    assert_int_equal(vos_irq_create(weak, UART_LINE + 1, VOS_RIGHT_ALL, &again), ERR(VOS_ERR_PERMISSION_DENIED));
    assert_int_equal(vos_cap_revoke(weak), VOS_OK);
    /* Revoked: a line it no longer holds cannot be acknowledged; the line is free again. */
    assert_int_equal(vos_cap_revoke((vos_any_t){ irq.cap }), VOS_OK);
    assert_int_equal(vos_irq_ack(wo), ERR(VOS_ERR_INVALID_CAPABILITY));
    assert_int_equal(vos_irq_ack(irq), ERR(VOS_ERR_INVALID_CAPABILITY));
    assert_int_equal(vos_irq_create(control, UART_LINE, VOS_RIGHT_ALL, &irq), VOS_OK);
    assert_int_equal(vos_cap_revoke((vos_any_t){ irq.cap }), VOS_OK);
    assert_int_equal(vos_cap_revoke((vos_any_t){ ep.cap }), VOS_OK);
}

/* Fired while nobody waits: kept, delivered once; acknowledged and raised again: delivered again. */
static void irq_pending_ack_refire(void **state)
{
    (void)state;
    vos_ep_t ep;
    vos_irq_t irq = uart_line(&ep);
    expect_nothing(ep);
    uart_tx_irq(1);
    expect_interrupt(ep, 0);
    expect_nothing(ep); /* masked until acknowledged: at most once */
    uart_tx_irq(0);
    uart_tx_irq(1);     /* raised again, still not acknowledged */
    expect_nothing(ep);
    assert_int_equal(vos_irq_ack(irq), VOS_OK);
    uart_tx_irq(0);
    uart_tx_irq(1);
    expect_interrupt(ep, 0);
    expect_nothing(ep);
    assert_int_equal(vos_irq_ack(irq), VOS_OK);
    uart_tx_irq(0);
    uart_tx_irq(1);
    expect_interrupt(ep, 0);
    release(irq);
    assert_int_equal(vos_cap_revoke((vos_any_t){ ep.cap }), VOS_OK);
}

static vos_ep_t waiter_ep;

static int waiter(void *arg)
{
    (void)arg;
    uint64_t badge = 0;
    struct vos_message m;
    vos_status_t st = vos_receive(waiter_ep, &badge, sizeof(badge), GUARD_NS, &m);
    if (st)
        return 1;
    return m.sender == VOS_IRQ_SENDER && m.len == 8 && badge == BADGE ? 0 : 2;
}

/* A receiver already waiting gets the notification when the line fires. */
static void irq_waiting_receiver(void **state)
{
    (void)state;
    vos_irq_t irq = uart_line(&waiter_ep);
    vos_thread_t t;
    assert_int_equal(vos_thread_spawn(waiter, NULL, 16 * P, &t), VOS_OK);
    /* Let it block: it runs before us again only once we yield. */
    for (int i = 0; i < 4; i++)
        vos_sys_yield();
    uart_tx_irq(1);
    int32_t code = -1;
    assert_int_equal(vos_thread_join(&t, GUARD_NS, &code), VOS_OK);
    assert_int_equal(code, 0);
    release(irq);
    assert_int_equal(vos_cap_revoke((vos_any_t){ waiter_ep.cap }), VOS_OK);
}

/* One endpoint, one receive for both: the interrupt (IRQ_SENDER) first, then the message (our pid). */
static void irq_and_message(void **state)
{
    (void)state;
    vos_ep_t ep, mine;
    vos_irq_t irq = uart_line(&ep);
    vos_chan_t ch;
    assert_int_equal(vos_endpoint_create(&mine), VOS_OK);
    assert_int_equal(vos_channel_create(mine, ep, self, VOS_RIGHT_WRITE, &ch), VOS_OK);
    assert_int_equal(vos_send(ch, "hello", 5, (vos_any_t){ 0 }), VOS_OK);
    uart_tx_irq(1);
    expect_interrupt(ep, 0);
    char buf[16];
    struct vos_message m;
    assert_int_equal(vos_receive(ep, buf, sizeof(buf), 0, &m), VOS_OK);
    assert_int_equal(m.len, 5);
    assert_int_not_equal(m.sender, VOS_IRQ_SENDER);
    assert_memory_equal(buf, "hello", 5);
    /* A buffer too small for the badge: BufferTooSmall, and the notification stays. */
    assert_int_equal(vos_irq_ack(irq), VOS_OK);
    uart_tx_irq(0);
    uart_tx_irq(1);
    assert_int_equal(vos_receive(ep, buf, 4, 0, &m), ERR(VOS_ERR_BUFFER_TOO_SMALL));
    expect_interrupt(ep, 0);
    release(irq);
    assert_int_equal(vos_cap_revoke((vos_any_t){ ep.cap }), VOS_OK);
    assert_int_equal(vos_cap_revoke((vos_any_t){ mine.cap }), VOS_OK);
}

/* Revoking the line unbinds it (a pending notification goes) and masks it; unbinding likewise. */
static void irq_revoke_unbinds(void **state)
{
    (void)state;
    vos_ep_t ep;
    vos_irq_t irq = uart_line(&ep);
    uart_tx_irq(1); /* pending now */
    release(irq);
    expect_nothing(ep);
    assert_int_equal(vos_irq_create(control, UART_LINE, VOS_RIGHT_ALL, &irq), VOS_OK);
    uart_tx_irq(1); /* the new capability is not bound: nothing reaches ep */
    expect_nothing(ep);
    uart_tx_irq(0);
    /* Bound, then unbound: masked, nothing arrives. */
    assert_int_equal(vos_irq_bind(irq, ep, BADGE), VOS_OK);
    assert_int_equal(vos_irq_unbind(irq), VOS_OK);
    uart_tx_irq(1);
    expect_nothing(ep);
    release(irq);
    /* The endpoint going unbinds the line too. */
    irq = uart_line(&ep);
    assert_int_equal(vos_cap_revoke((vos_any_t){ ep.cap }), VOS_OK);
    vos_ep_t other;
    assert_int_equal(vos_endpoint_create(&other), VOS_OK);
    assert_int_equal(vos_irq_bind(irq, other, BADGE), VOS_OK); /* not AlreadyExists: unbound */
    uart_tx_irq(1);
    expect_interrupt(other, 0);
    release(irq);
    assert_int_equal(vos_cap_revoke((vos_any_t){ other.cap }), VOS_OK);
}

/* ---- device memory ---- */

static void devmem_map_and_read(void **state)
{
    (void)state;
    vos_devmem_t dev;
    volatile void *regs;
    uint64_t pa;
#if defined(__x86_64__)
    assert_int_equal(vos_devmem_create(devpool, ECAM_PA, P, DEV_RIGHTS, &dev), VOS_OK);
    assert_int_equal(vos_devmem_map(dev, P, &regs), VOS_OK);
    assert_int_equal(((volatile uint32_t *)regs)[0], 0x29c08086); /* vendor Intel, device Q35 host bridge */
    assert_int_equal(vos_mem_physical((vos_any_t){ dev.cap }, 8, &pa), VOS_OK);
    assert_int_equal(pa, ECAM_PA + 8);
#else
    assert_int_equal(vos_devmem_create(devpool, VIRTIO_PA, P, DEV_RIGHTS, &dev), VOS_OK);
    assert_int_equal(vos_devmem_map(dev, P, &regs), VOS_OK);
    assert_int_equal(((volatile uint32_t *)regs)[0], 0x74726976); /* "virt" */
    assert_int_equal(vos_mem_physical((vos_any_t){ dev.cap }, 8, &pa), VOS_OK);
    assert_int_equal(pa, VIRTIO_PA + 8);
#endif
    /* Never through the kernel: as a syscall buffer it is no user memory the kernel copies. */
    struct vos_message m;
    vos_ep_t ep;
    assert_int_equal(vos_endpoint_create(&ep), VOS_OK);
    assert_int_equal(vos_receive(ep, (void *)regs, 8, 0, &m), ERR(VOS_ERR_INVALID_ADDRESS));
    vos_mem_t region;
    assert_int_equal(vos_mem_carve(pool, P, VOS_RIGHT_ALL, &region), VOS_OK);
    assert_int_equal(vos_mem_write((vos_any_t){ region.cap }, (const void *)regs, 4, 0, NULL), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_cap_revoke((vos_any_t){ region.cap }), VOS_OK);
    /* Revoking the last capability unmaps it: the range is a hole now. */
    assert_int_equal(vos_mprotect((void *)regs, P, VOS_PROT_READ), VOS_OK);
    assert_int_equal(vos_cap_revoke((vos_any_t){ dev.cap }), VOS_OK);
    assert_int_equal(vos_mprotect((void *)regs, P, VOS_PROT_READ), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_cap_revoke((vos_any_t){ ep.cap }), VOS_OK);
}

static void devmem_refused(void **state)
{
    (void)state;
    vos_devmem_t dev;
    uint64_t rw = DEV_RIGHTS;
    /* RAM (the kernel's or anyone's) is never device memory; nor is the interrupt controller. */
    assert_int_equal(vos_devmem_create(devpool, RAM_PA, P, rw, &dev), ERR(VOS_ERR_PERMISSION_DENIED));
    assert_int_equal(vos_devmem_create(devpool, RAM_PA + (16ull << 20), 16 * P, rw, &dev), ERR(VOS_ERR_PERMISSION_DENIED));
    assert_int_equal(vos_devmem_create(devpool, KERNEL_DEVICE_PA, P, rw, &dev), ERR(VOS_ERR_PERMISSION_DENIED));
    uint64_t dma_pa;
    vos_mem_t dma;
    assert_int_equal(vos_dma_alloc(pool, P, VOS_RIGHT_ALL, &dma), VOS_OK);
    assert_int_equal(vos_mem_physical((vos_any_t){ dma.cap }, 0, &dma_pa), VOS_OK);
    assert_int_equal(vos_devmem_create(devpool, dma_pa, P, rw, &dev), ERR(VOS_ERR_PERMISSION_DENIED));
    /* Never executable: not as a right, not as a mapping. */
#if defined(__x86_64__)
    uint64_t ok_pa = ECAM_PA;
#else
    uint64_t ok_pa = VIRTIO_PA;
#endif
    assert_int_equal(vos_devmem_create(devpool, ok_pa, P, rw | VOS_RIGHT_EXECUTE, &dev), ERR(VOS_ERR_PERMISSION_DENIED));
    assert_int_equal(vos_devmem_create(devpool, ok_pa, P, rw, &dev), VOS_OK);
    assert_int_equal(vos_sys_mmap(0, P, VOS_PROT_READ | VOS_PROT_EXEC, VOS_MAP_SHARED, dev.cap, 0), ERR(VOS_ERR_PERMISSION_DENIED));
    assert_int_equal(vos_sys_mmap(0, P, VOS_PROT_READ, VOS_MAP_PRIVATE, dev.cap, 0), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_mmap(0, 2 * P, VOS_PROT_READ, VOS_MAP_SHARED, dev.cap, 0), ERR(VOS_ERR_INVALID_PARAMETER));
    /* Not memory either way round: device memory is not read or written, a RAM pool makes no device range. */
    uint32_t word;
    assert_int_equal(vos_sys_read(dev.cap, &word, 4, 0), ERR(VOS_ERR_INVALID_CAPABILITY));
    assert_int_equal(vos_sys_capability_create(VOS_OBJ_DEVICE_MEMORY, ok_pa, rw, pool.cap) < 0, 1);
    assert_int_equal(vos_sys_capability_create(VOS_OBJ_MEMORY, P, rw, devpool.cap) < 0, 1);
    assert_int_equal(vos_sys_memory_physical(devpool.cap, 0), ERR(VOS_ERR_NOT_SUPPORTED));
    assert_int_equal(vos_cap_revoke((vos_any_t){ dev.cap }), VOS_OK);
    assert_int_equal(vos_cap_revoke((vos_any_t){ dma.cap }), VOS_OK);
}

/* ---- DMA memory ---- */

static void dma_contiguous(void **state)
{
    (void)state;
    vos_mem_t dma;
    uint64_t base, pa;
    assert_int_equal(vos_dma_alloc(pool, 3 * P, VOS_RIGHT_ALL, &dma), VOS_OK);
    assert_int_equal(vos_mem_physical((vos_any_t){ dma.cap }, 0, &base), VOS_OK);
    assert_int_equal(base % P, 0);
    for (uint64_t off = 0; off < 3 * P; off += 1000) {
        assert_int_equal(vos_mem_physical((vos_any_t){ dma.cap }, off, &pa), VOS_OK);
        assert_int_equal(pa, base + off);
    }
    assert_int_equal(vos_mem_physical((vos_any_t){ dma.cap }, 3 * P, &pa), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_mem_physical((vos_any_t){ pool.cap }, 0, &pa), ERR(VOS_ERR_NOT_SUPPORTED));
    /* An ordinary region otherwise: mapped, written, read back through SYS_READ. */
    void *va;
    assert_int_equal(vos_mmap(NULL, 3 * P, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED, dma, 0, &va), VOS_OK);
    memcpy((char *)va + 2 * P + 5, "dma", 4);
    char back[4];
    uint64_t got;
    assert_int_equal(vos_mem_read((vos_any_t){ dma.cap }, back, 4, 2 * P + 5, &got), VOS_OK);
    assert_string_equal(back, "dma");
    /* Too long, or the zone used up: refused, nothing taken. */
    assert_int_equal(vos_dma_alloc(pool, VOS_DMA_MAX_REGION + 1, VOS_RIGHT_ALL, &dma), ERR(VOS_ERR_INVALID_PARAMETER));
    vos_mem_t big[4];
    int made = 0;
    while (made < 4 && vos_dma_alloc(pool, VOS_DMA_MAX_REGION, VOS_RIGHT_ALL, &big[made]) == VOS_OK)
        made++;
    assert_in_range(made, 1, 2); /* a 2 MiB zone, 3 pages of it taken */
    assert_int_equal(vos_dma_alloc(pool, VOS_DMA_MAX_REGION, VOS_RIGHT_ALL, &big[made]), ERR(VOS_ERR_OUT_OF_MEMORY));
    while (made--)
        assert_int_equal(vos_cap_revoke((vos_any_t){ big[made].cap }), VOS_OK);
    assert_int_equal(vos_munmap(va, 3 * P), VOS_OK);
}

/* ---- a device doing DMA: virtio-rng on virtio-mmio (riscv64, aarch64) or virtio-pci (x86_64) ---- */

/*
 * The boot test gives QEMU a virtio-rng device (cmake/VosBootTests.cmake).
 * Legacy virtio-mmio (QEMU's default, version 1): one virtqueue of 8
 * descriptors in DMA memory (descriptors and available ring in the first
 * page, used ring at the next 4 KiB boundary), one buffer in the third
 * page.  The device fills the buffer, writes the used ring at the physical
 * address SYS_MEMORY_PHYSICAL gave, and raises its line: the round trip a
 * driver depends on.
 */
#if !defined(__x86_64__)
struct vq_desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
#define VQ_NUM 8
#define VQ_DESC_WRITE 2
#define VIO_MAGIC 0x00
#define VIO_VERSION 0x04
#define VIO_DEVICE_ID 0x08
#define VIO_GUEST_PAGE_SIZE 0x28
#define VIO_QUEUE_SEL 0x30
#define VIO_QUEUE_NUM_MAX 0x34
#define VIO_QUEUE_NUM 0x38
#define VIO_QUEUE_ALIGN 0x3c
#define VIO_QUEUE_PFN 0x40
#define VIO_QUEUE_NOTIFY 0x50
#define VIO_INT_STATUS 0x60
#define VIO_INT_ACK 0x64
#define VIO_STATUS 0x70

static inline uint32_t vio_r(volatile uint8_t *t, unsigned off) { return *(volatile uint32_t *)(t + off); }
static inline void vio_w(volatile uint8_t *t, unsigned off, uint32_t v) { *(volatile uint32_t *)(t + off) = v; }
#endif

/*
 * What both arches' DMA round trip needs around its device: the device's
 * line bound to a new endpoint, and pages of DMA memory mapped, with the
 * bus address the device is given (SYS_MEMORY_PHYSICAL).
 */
struct dma_rig {
    vos_irq_t irq;
    vos_ep_t ep;
    vos_mem_t dma;
    uint64_t pa;
    void *va;
    unsigned pages;
};

static void dma_rig_up(struct dma_rig *r, unsigned line, unsigned pages)
{
    r->pages = pages;
    assert_int_equal(vos_irq_create(control, line, VOS_RIGHT_ALL, &r->irq), VOS_OK);
    assert_int_equal(vos_endpoint_create(&r->ep), VOS_OK);
    assert_int_equal(vos_irq_bind(r->irq, r->ep, BADGE), VOS_OK);
    assert_int_equal(vos_dma_alloc(pool, pages * P, VOS_RIGHT_ALL, &r->dma), VOS_OK);
    assert_int_equal(vos_mem_physical((vos_any_t){ r->dma.cap }, 0, &r->pa), VOS_OK);
    assert_int_equal(vos_mmap(NULL, pages * P, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED, r->dma, 0, &r->va),
                     VOS_OK);
}

/* Once the device is reset (it lets go of the queue before the memory goes). */
static void dma_rig_down(struct dma_rig *r)
{
    assert_int_equal(vos_cap_revoke((vos_any_t){ r->irq.cap }), VOS_OK);
    assert_int_equal(vos_cap_revoke((vos_any_t){ r->ep.cap }), VOS_OK);
    assert_int_equal(vos_munmap(r->va, r->pages * P), VOS_OK);
    assert_int_equal(vos_cap_revoke((vos_any_t){ r->dma.cap }), VOS_OK);
}

#if defined(__x86_64__)
/*
 * x86_64 q35: the boot test's virtio-rng is a modern virtio-pci function
 * (disable-legacy=on) on bus 0, found through ECAM, its structures in a
 * memory BAR (userland/blk/pci.c), its INTx at the IOAPIC (q35_intx_gsi).
 * Virtio 1.x: reset, ACKNOWLEDGE, DRIVER, VERSION_1 accepted, FEATURES_OK,
 * queue 0 of 8 (descriptors, driver ring, device ring each a page of DMA
 * memory), DRIVER_OK; one buffer in the fourth page.  The device fills the
 * buffer, writes the device ring at the physical address SYS_MEMORY_PHYSICAL
 * gave, and raises its line: the round trip the virtio-blk driver depends on.
 */
struct vq_desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
#define VQ_NUM 8
#define VQ_DESC_WRITE 2

static void virtio_dma_round_trip(void **state)
{
    (void)state;
    vos_devmem_t bus0, cfg_dev, bar_dev;
    volatile void *m;
    assert_int_equal(vos_devmem_create(devpool, Q35_ECAM_BASE, PCI_BUS0_BYTES, DEV_RIGHTS, &bus0), VOS_OK);
    assert_int_equal(vos_devmem_map(bus0, PCI_BUS0_BYTES, &m), VOS_OK);
    int slot = -1;
    for (int d = 0; d < 32 && slot < 0; d++) {
        volatile uint8_t *c = (volatile uint8_t *)m + PCI_FN_OFFSET(d, 0);
        if (pci_read16(c, PCI_VENDOR) == VIRTIO_PCI_VENDOR && pci_read16(c, PCI_DEVICE) == VIRTIO_PCI_MODERN(4))
            slot = d;
    }
    assert_true(slot >= 0); /* the boot test's virtio-rng-pci */
    assert_int_equal(vos_devmem_create(devpool, Q35_ECAM_BASE + PCI_FN_OFFSET(slot, 0), P, DEV_RIGHTS, &cfg_dev),
                     VOS_OK);
    assert_int_equal(vos_cap_revoke((vos_any_t){ bus0.cap }), VOS_OK);
    assert_int_equal(vos_devmem_map(cfg_dev, P, &m), VOS_OK);
    volatile uint8_t *cfg = m;
    struct virtio_pci_layout l;
    assert_null(virtio_pci_layout(cfg, &l));
    assert_int_equal(vos_devmem_create(devpool, l.bar_phys, l.span, DEV_RIGHTS, &bar_dev), VOS_OK);
    assert_int_equal(vos_devmem_map(bar_dev, l.span, &m), VOS_OK);
    volatile uint8_t *common = (volatile uint8_t *)m + l.common, *isr = (volatile uint8_t *)m + l.isr;
    pci_write16(cfg, PCI_COMMAND, (uint16_t)((pci_read16(cfg, PCI_COMMAND) | PCI_CMD_MEMORY | PCI_CMD_MASTER) &
                                             ~PCI_CMD_INTX_OFF));

    int gsi = q35_intx_gsi((unsigned)slot, pci_read8(cfg, PCI_INT_PIN));
    assert_true(gsi >= 16);
    struct dma_rig rig;
    dma_rig_up(&rig, (unsigned)gsi, 4);
    const uint64_t pa = rig.pa;
    void *va = rig.va;
    struct vq_desc *desc = va;
    volatile uint16_t *avail = (volatile uint16_t *)((char *)va + P);
    volatile uint16_t *used = (volatile uint16_t *)((char *)va + 2 * P);
    volatile uint8_t *buf = (volatile uint8_t *)va + 3 * P;

#define C8(o) (*(volatile uint8_t *)(common + (o)))
#define C16(o) (*(volatile uint16_t *)(common + (o)))
#define C32(o) (*(volatile uint32_t *)(common + (o)))
    C8(0x14) = 0; /* device_status: reset */
    while (C8(0x14))
        ;
    C8(0x14) = 1 | 2; /* ACKNOWLEDGE, DRIVER */
    C32(0x00) = 1;    /* device_feature_select: bits 32-63 */
    assert_true(C32(0x04) & 1); /* VIRTIO_F_VERSION_1 offered */
    C32(0x08) = 0;
    C32(0x0c) = 0;
    C32(0x08) = 1;
    C32(0x0c) = 1; /* VERSION_1 accepted, nothing else */
    C8(0x14) = 1 | 2 | 8;
    assert_true(C8(0x14) & 8); /* FEATURES_OK */
    C16(0x16) = 0;             /* queue_select */
    assert_true(C16(0x18) >= VQ_NUM);
    C16(0x18) = VQ_NUM;
    C32(0x20) = (uint32_t)pa, C32(0x24) = (uint32_t)(pa >> 32);                     /* queue_desc */
    C32(0x28) = (uint32_t)(pa + P), C32(0x2c) = (uint32_t)((pa + P) >> 32);         /* queue_driver */
    C32(0x30) = (uint32_t)(pa + 2 * P), C32(0x34) = (uint32_t)((pa + 2 * P) >> 32); /* queue_device */
    volatile uint16_t *notify = (volatile uint16_t *)((volatile uint8_t *)m + l.notify +
                                                      (uint64_t)C16(0x1e) * l.notify_multiplier);
    C16(0x1c) = 1;            /* queue_enable */
    C8(0x14) = 1 | 2 | 8 | 4; /* DRIVER_OK */

    desc[0] = (struct vq_desc){ pa + 3 * P, 16, VQ_DESC_WRITE, 0 };
    avail[2] = 0; /* ring[0]: descriptor 0 */
    __sync_synchronize();
    avail[1] = 1; /* idx */
    __sync_synchronize();
    *notify = 0;

    expect_interrupt(rig.ep, GUARD_NS);
    assert_int_equal(*isr & 1, 1); /* a used buffer; the read lowers the line */
    assert_int_equal(vos_irq_ack(rig.irq), VOS_OK);
    __sync_synchronize();
    assert_int_equal(used[1], 1);                           /* used idx */
    assert_int_equal(*(volatile uint32_t *)(used + 2), 0);  /* ring[0].id: our descriptor */
    assert_int_equal(*(volatile uint32_t *)(used + 4), 16); /* ring[0].len: all of it filled */
    int nonzero = 0;
    for (int i = 0; i < 16; i++)
        nonzero |= buf[i];
    assert_true(nonzero); /* 16 random bytes all zero: 2^-128 */

    C8(0x14) = 0; /* reset: the device lets go of the queue before the memory goes */
#undef C8
#undef C16
#undef C32
    dma_rig_down(&rig);
    assert_int_equal(vos_cap_revoke((vos_any_t){ bar_dev.cap }), VOS_OK);
    assert_int_equal(vos_cap_revoke((vos_any_t){ cfg_dev.cap }), VOS_OK);
}
#else
static void virtio_dma_round_trip(void **state)
{
    (void)state;
    vos_devmem_t dev;
    volatile void *regs;
    uint64_t span = VIRTIO_COUNT * VIRTIO_STRIDE;
    assert_int_equal(vos_devmem_create(devpool, VIRTIO_PA, span, DEV_RIGHTS, &dev), VOS_OK);
    assert_int_equal(vos_devmem_map(dev, span, &regs), VOS_OK);
    int n = -1;
    for (int i = 0; i < VIRTIO_COUNT && n < 0; i++) {
        volatile uint8_t *t = (volatile uint8_t *)regs + i * VIRTIO_STRIDE;
        if (vio_r(t, VIO_MAGIC) == 0x74726976 && vio_r(t, VIO_DEVICE_ID) == 4)
            n = i;
    }
    assert_true(n >= 0); /* the boot test's virtio-rng */
    volatile uint8_t *t = (volatile uint8_t *)regs + n * VIRTIO_STRIDE;
    assert_int_equal(vio_r(t, VIO_VERSION), 1);

    struct dma_rig rig;
    dma_rig_up(&rig, VIRTIO_LINE(n), 3);
    const uint64_t pa = rig.pa;
    void *va = rig.va;
    struct vq_desc *desc = va;
    volatile uint16_t *avail = (volatile uint16_t *)((char *)va + VQ_NUM * sizeof(struct vq_desc));
    volatile uint16_t *used = (volatile uint16_t *)((char *)va + P);
    volatile uint8_t *buf = (volatile uint8_t *)va + 2 * P;

    vio_w(t, VIO_STATUS, 0);
    vio_w(t, VIO_STATUS, 1 | 2); /* ACKNOWLEDGE, DRIVER */
    vio_w(t, VIO_GUEST_PAGE_SIZE, P);
    vio_w(t, VIO_QUEUE_SEL, 0);
    assert_true(vio_r(t, VIO_QUEUE_NUM_MAX) >= VQ_NUM);
    vio_w(t, VIO_QUEUE_NUM, VQ_NUM);
    vio_w(t, VIO_QUEUE_ALIGN, P);
    vio_w(t, VIO_QUEUE_PFN, (uint32_t)(pa / P));
    vio_w(t, VIO_STATUS, 1 | 2 | 4); /* DRIVER_OK */

    desc[0] = (struct vq_desc){ pa + 2 * P, 16, VQ_DESC_WRITE, 0 };
    avail[2] = 0;  /* ring[0]: descriptor 0 */
    __sync_synchronize();
    avail[1] = 1;  /* idx */
    __sync_synchronize();
    vio_w(t, VIO_QUEUE_NOTIFY, 0);

    expect_interrupt(rig.ep, GUARD_NS);
    assert_int_equal(vio_r(t, VIO_INT_STATUS) & 1, 1); /* a used buffer */
    vio_w(t, VIO_INT_ACK, vio_r(t, VIO_INT_STATUS));
    assert_int_equal(vos_irq_ack(rig.irq), VOS_OK);
    __sync_synchronize();
    assert_int_equal(used[1], 1);                                  /* used idx */
    assert_int_equal(*(volatile uint32_t *)(used + 2), 0);         /* ring[0].id: our descriptor */
    assert_int_equal(*(volatile uint32_t *)(used + 4), 16);        /* ring[0].len: all of it filled */
    int nonzero = 0;
    for (int i = 0; i < 16; i++)
        nonzero |= buf[i];
    assert_true(nonzero); /* 16 random bytes all zero: 2^-128 */

    vio_w(t, VIO_STATUS, 0); /* reset: the device lets go of the queue before the memory goes */
    dma_rig_down(&rig);
    assert_int_equal(vos_cap_revoke((vos_any_t){ dev.cap }), VOS_OK);
}
#endif

/* ---- I/O ports ---- */

static void ioports(void **state)
{
    (void)state;
#if defined(__x86_64__)
    uint32_t v = 0;
    assert_int_equal(vos_ioport_in(com1, 5, 1, &v), VOS_OK); /* LSR: the transmitter is idle */
    assert_int_equal(v & 0x60, 0x60);
    assert_int_equal(vos_ioport_out(com1, 7, 1, 0xa5), VOS_OK); /* the scratch register holds what it is given */
    assert_int_equal(vos_ioport_in(com1, 7, 1, &v), VOS_OK);
    assert_int_equal(v, 0xa5);
    assert_int_equal(vos_ioport_in(com1, 8, 1, &v), ERR(VOS_ERR_INVALID_PARAMETER)); /* outside the range */
    assert_int_equal(vos_ioport_in(com1, 6, 4, &v), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_ioport_in(com1, 0, 3, &v), ERR(VOS_ERR_INVALID_PARAMETER));
    vos_ioport_t io;
    assert_int_equal(vos_ioport_create(com1, COM1, 16, DEV_RIGHTS, &io), ERR(VOS_ERR_PERMISSION_DENIED)); /* beyond its parent */
    assert_int_equal(vos_ioport_create(all_ports, 0x20, 2, DEV_RIGHTS, &io), ERR(VOS_ERR_PERMISSION_DENIED)); /* the PIC */
    assert_int_equal(vos_ioport_create(all_ports, 0x70, 1, DEV_RIGHTS, &io), ERR(VOS_ERR_PERMISSION_DENIED)); /* CMOS */
    assert_int_equal(vos_ioport_in(all_ports, 0x21, 1, &v), ERR(VOS_ERR_PERMISSION_DENIED));
    vos_ioport_t ro;
    assert_int_equal(vos_cap_derive((vos_any_t){ com1.cap }, VOS_RIGHT_READ | VOS_RIGHT_REVOKE, (vos_any_t *)&ro), VOS_OK);
    assert_int_equal(vos_ioport_out(ro, 7, 1, 0), ERR(VOS_ERR_PERMISSION_DENIED));
    assert_int_equal(vos_cap_revoke((vos_any_t){ ro.cap }), VOS_OK);
#else
    skip(); /* no I/O ports: init gets no IO_PORT capability (main checks) */
#endif
}

/* ---- the devices the kernel names (init's arguments: docs/drivers.md) ---- */

static int n_args;
static char **args;

#if !defined(__x86_64__)
/* The dev= argument for the device at base: its line and compatible; 0 if none. */
static int find_dev(uint64_t base, unsigned *line, const char **compatible)
{
    int found = 0;
    for (int i = 1; i < n_args; i++) {
        if (strncmp(args[i], "dev=", 4))
            continue;
        char *end;
        uint64_t b = strtoull(args[i] + 4, &end, 0);
        assert_int_equal(*end, ',');
        uint64_t size = strtoull(end + 1, &end, 0);
        assert_int_equal(*end, ',');
        assert_true(size > 0);
        unsigned l = (unsigned)strtoul(end + 1, &end, 0);
        assert_int_equal(*end, ',');
        if (b == base) {
            *line = l;
            *compatible = end + 1;
            found++;
        }
    }
    return found;
}

/* How many dev= arguments name compatible (last: it may hold commas itself, "virtio,mmio"). */
static int count_devs(const char *compatible)
{
    int n = 0;
    size_t cl = strlen(compatible);
    for (int i = 1; i < n_args; i++) {
        size_t al = strlen(args[i]);
        n += !strncmp(args[i], "dev=", 4) && al > cl + 4 && args[i][al - cl - 1] == ',' &&
             !strcmp(args[i] + al - cl, compatible);
    }
    return n;
}
#endif

static void devices_named(void **state)
{
    (void)state;
    const char *uart_arg = NULL;
    for (int i = 1; i < n_args; i++)
        if (!strncmp(args[i], "uart=", 5))
            uart_arg = args[i];
    assert_non_null(uart_arg);
#if defined(__x86_64__)
    assert_string_equal(uart_arg, "uart=ns16550,port,0x3f8,4"); /* q35's COM1: fixed, no device tree */
    for (int i = 1; i < n_args; i++)
        assert_int_not_equal(strncmp(args[i], "dev=", 4), 0);
#else
    /* What the device tree said, against what QEMU's virt is known to have. */
    char want[64];
    snprintf(want, sizeof(want), "uart=%s,mmio,%#llx,%d", UART_DRIVER, (unsigned long long)UART_PA, UART_LINE);
    assert_string_equal(uart_arg, want);
    unsigned line = 0;
    const char *compatible = NULL;
    assert_int_equal(find_dev(UART_PA, &line, &compatible), 1);
    assert_int_equal(line, UART_LINE);
    assert_string_equal(compatible, UART_COMPATIBLE);
    assert_int_equal(count_devs("virtio,mmio"), VIRTIO_COUNT);
    for (int n = 0; n < VIRTIO_COUNT; n++) {
        assert_int_equal(find_dev(VIRTIO_PA + (uint64_t)n * VIRTIO_STRIDE, &line, &compatible), 1);
        assert_int_equal(line, VIRTIO_LINE(n));
        assert_string_equal(compatible, "virtio,mmio");
    }
    /* The interrupt controller is the kernel's: not named, and not device memory. */
    assert_int_equal(find_dev(KERNEL_DEVICE_PA, &line, &compatible), 0);
    vos_devmem_t d;
    assert_int_equal(vos_devmem_create(devpool, KERNEL_DEVICE_PA, P, RW, &d), ERR(VOS_ERR_PERMISSION_DENIED));
#endif
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(irq_create_rules),
    cmocka_unit_test(irq_pending_ack_refire),
    cmocka_unit_test(irq_waiting_receiver),
    cmocka_unit_test(irq_and_message),
    cmocka_unit_test(irq_revoke_unbinds),
    cmocka_unit_test(devmem_map_and_read),
    cmocka_unit_test(devmem_refused),
    cmocka_unit_test(dma_contiguous),
    cmocka_unit_test(virtio_dma_round_trip),
    cmocka_unit_test(ioports),
    cmocka_unit_test(devices_named),
};

int main(int argc, char **argv)
{
    n_args = argc;
    args = argv;
    const struct vos_start_info *si = vos_start_info();
    struct vos_cap_info c;
    if (vos_start_lookup(si, VOS_OBJ_IRQ_CONTROL, VOS_RIGHT_DERIVE, &c))
        return 10;
    control.cap = c.token;
    if (vos_start_lookup(si, VOS_OBJ_DEVICE_MEMORY, VOS_RIGHT_DERIVE, &c))
        return 11;
    devpool.cap = c.token;
    if (vos_start_lookup(si, VOS_OBJ_PROCESS, VOS_RIGHT_DERIVE, &c))
        return 12;
    self.cap = c.token;
    pool.cap = vos_start_find_pool(si);
#if defined(__x86_64__)
    if (vos_start_lookup(si, VOS_OBJ_IO_PORT, VOS_RIGHT_DERIVE, &c))
        return 13;
    all_ports.cap = c.token;
    if (vos_ioport_create(all_ports, COM1, 8, DEV_RIGHTS, &com1))
        return 14;
#else
    if (!vos_start_lookup(si, VOS_OBJ_IO_PORT, 0, &c))
        return 13; /* I/O ports exist on x86_64 only */
    vos_devmem_t u;
    if (vos_devmem_create(devpool, UART_PA, P, VOS_RIGHT_READ | VOS_RIGHT_WRITE, &u) || vos_devmem_map(u, P, &uart))
        return 14;
#endif
    int failed = _cmocka_run_group_tests("drivers", tests, sizeof(tests) / sizeof(tests[0]), NULL, NULL);
    printf("drivers: done, %d failed\n", failed);
    return failed ? 1 : 0;
}
