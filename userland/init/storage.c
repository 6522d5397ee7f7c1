/*
 * storage.c — init's part of the storage stack (docs/storage.md): it starts
 * a block driver and the file-system server on it, and hands out channels to
 * the server's views.
 *
 *   block driver  its ENDPOINT (READ), a pool (for its disk and the regions it
 *                 shares with clients), the console
 *   fsserver      a channel to the driver, a pool, one ENDPOINT (READ) per view,
 *                 the console; views: "/" read-write (the shell's) and
 *                 "/public" read-only (for `run` programs limited to it)
 *
 * The disk is the first virtio block device with the modern (version 2)
 * virtio-mmio interface; its driver gets that transport's register page and
 * interrupt line only.  (riscv64's U-Boot boot disk is a legacy transport,
 * so it is never taken.)  Without one the driver is the RAM disk, formatted
 * by the server on first mount (--format), so the file commands still work
 * for the session.  Storage is optional: anything missing is reported and
 * the system runs without it.
 */
#include <vos/vos.h>

#include "storage.h"

#define RW (VOS_RIGHT_READ | VOS_RIGHT_WRITE)

static vos_status_t narrow(vos_any_t cap, uint64_t rights, vos_any_t *out)
{
    return vos_cap_derive(cap, rights, out);
}

/* Where QEMU's virt machine puts its virtio-mmio transports (its device tree
 * says the same) and their interrupt lines, as the controller numbers them. */
#if defined(__riscv)
#define VIRTIO_MMIO_BASE 0x10001000ull
#define VIRTIO_MMIO_COUNT 8
#define VIRTIO_MMIO_STRIDE 0x1000ull
#define VIRTIO_MMIO_IRQ(n) (1 + (n))
#elif defined(__aarch64__)
#define VIRTIO_MMIO_BASE 0x0a000000ull
#define VIRTIO_MMIO_COUNT 32
#define VIRTIO_MMIO_STRIDE 0x200ull
#define VIRTIO_MMIO_IRQ(n) (48 + (n))
#else
#define VIRTIO_MMIO_COUNT 0 /* x86_64 q35: virtio-pci, not driven yet (docs/storage.md) */
#define VIRTIO_MMIO_BASE 0ull
#define VIRTIO_MMIO_STRIDE 0ull
#define VIRTIO_MMIO_IRQ(n) (n)
#endif

struct disk {
    vos_any_t regs, irq;
    char offset[16];
};

/* The first modern virtio-mmio block device: 1 with its registers' page,
 * offset and interrupt line; 0 if none. */
static int find_disk(const struct vos_start_info *si, struct disk *d)
{
    struct vos_cap_info devpool, irqctl;
    if (!VIRTIO_MMIO_COUNT || vos_start_lookup(si, VOS_OBJ_DEVICE_MEMORY, RW, &devpool) ||
        vos_start_lookup(si, VOS_OBJ_IRQ_CONTROL, VOS_RIGHT_READ, &irqctl))
        return 0;
    vos_devmem_t page = { 0 };
    volatile uint8_t *map = NULL;
    uint64_t mapped = ~0ull;
    for (int n = 0; n < VIRTIO_MMIO_COUNT; n++) {
        uint64_t pa = VIRTIO_MMIO_BASE + (uint64_t)n * VIRTIO_MMIO_STRIDE, base = pa & ~0xFFFull;
        if (base != mapped) {
            volatile void *p;
            if (vos_devmem_create((vos_devmem_t){ devpool.token }, base, 4096, RW | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE,
                                  &page) ||
                vos_devmem_map(page, 4096, &p))
                return 0;
            map = p;
            mapped = base;
        }
        volatile uint32_t *r = (volatile uint32_t *)(map + (pa - base));
        if (r[0] != 0x74726976 || r[1] != 2 || r[2] != 2) /* magic "virt", version 2 (modern), block device */
            continue;
        vos_irq_t irq;
        if (vos_irq_create((vos_any_t){ irqctl.token }, VIRTIO_MMIO_IRQ(n), RW | VOS_RIGHT_GRANT, &irq) ||
            narrow(VOS_ANY(page), RW | VOS_RIGHT_GRANT, &d->regs))
            return 0;
        d->irq = VOS_ANY(irq);
        vos_snprintf(d->offset, sizeof(d->offset), "%#lx", (unsigned long)(pa - base));
        return 1;
    }
    return 0;
}

vos_chan_t storage_start(const struct vos_start_info *si, const struct vos_bootfs *fs, vos_ep_t mine, vos_any_t self,
                         vos_mem_t pool, vos_any_t console, vos_dev_t report)
{
    vos_ep_t blk_ep, fs_ep;
    vos_chan_t blk_ch, fs_ch, none = { 0, 0 };
    vos_any_t pool_blk, pool_fs, blk_recv, fs_recv;
    vos_status_t st;
    if ((st = vos_endpoint_create(&blk_ep)) || (st = vos_endpoint_create(&fs_ep)) ||
        (st = vos_channel_create(mine, blk_ep, self, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT, &blk_ch)) ||
        (st = vos_channel_create(mine, fs_ep, self, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT, &fs_ch)) ||
        (st = narrow(VOS_ANY(pool), RW | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE, &pool_blk)) ||
        (st = narrow(VOS_ANY(pool), RW | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE, &pool_fs)) ||
        /* WRITE too: a driver binds its interrupt to its endpoint. */
        (st = narrow(VOS_ANY(blk_ep), RW | VOS_RIGHT_GRANT, &blk_recv)) ||
        (st = narrow(VOS_ANY(fs_ep), VOS_RIGHT_READ | VOS_RIGHT_GRANT, &fs_recv))) {
        vos_printf(report.cap, "init: storage: %s; running without files\n", vos_status_name(st));
        return none;
    }
    vos_proc_t p;
    struct disk disk = { { 0 }, { 0 }, "" };
    int have_disk = find_disk(si, &disk);
    const char *ram_argv[] = { "ramdisk", "4096" }, *virtio_argv[] = { "virtio-blk", disk.offset };
    vos_any_t blk_caps[] = { console, blk_recv, pool_blk, disk.regs, disk.irq };
    struct vos_spawn blk_sp = { have_disk ? virtio_argv : ram_argv, 2, blk_caps, have_disk ? 5 : 3 };
    if ((st = vos_process_spawn(fs, &blk_sp, &p))) {
        vos_printf(report.cap, "init: storage: %s: %s; running without files\n", blk_sp.argv[0],
                   vos_status_name(st));
        return none;
    }
    /* Only the RAM disk is formatted: a real disk without FAT stays untouched. */
    const char *fs_argv[] = { "fsserver", "--format", "/:rw" }, *fs_argv_disk[] = { "fsserver", "/:rw" };
    vos_any_t fs_caps[] = { console, VOS_ANY(blk_ch), pool_fs, fs_recv };
    struct vos_spawn fs_sp = { have_disk ? fs_argv_disk : fs_argv, have_disk ? 2 : 3, fs_caps, 4 };
    if ((st = vos_process_spawn(fs, &fs_sp, &p))) {
        vos_printf(report.cap, "init: storage: fsserver: %s; running without files\n", vos_status_name(st));
        return none;
    }
    return fs_ch;
}
