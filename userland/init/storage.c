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
 *
 * Supervision: a thread per process waits for it to end, says how, and
 * starts it again (up to MAX_RESTARTS times) on the same endpoint with the
 * same capabilities, so its clients carry on: fsserver re-attaches to a new
 * driver, libsys to a new fsserver.  The RAM disk's memory is init's, so it
 * outlives its driver like a real disk.
 */
#include <vos/fsproto.h>
#include <vos/vos.h>

#include "storage.h"

#define RW (VOS_RIGHT_READ | VOS_RIGHT_WRITE)

#define MAX_RESTARTS 8
#ifndef STORAGE_SERVER
#define STORAGE_SERVER "fsserver" /* the storage-restart test's init: "fsserver-faulty" */
#endif

static vos_status_t narrow(vos_any_t cap, uint64_t rights, vos_any_t *out)
{
    return vos_cap_derive(cap, rights, out);
}

/* A supervised process: how to start it, and the one running now. */
static struct supervised {
    const struct vos_bootfs *fs;
    struct vos_spawn sp;
    const char *argv[3];
    vos_any_t caps[5];
    vos_proc_t proc;
    vos_chan_t self_to; /* the file server: where its own process capability goes */
    vos_any_t self;     /* that capability (ours: its parent) */
} driver, server;
static vos_console_t say_to;
static vos_any_t init_self;

/* The file server tells its clients' deaths with channels it makes, which
 * takes a capability to itself; only its creator can make one, so it is
 * our first message to it (VOS_FS_SELF, docs/storage.md, "Sessions"). */
static void send_self(struct supervised *s)
{
    struct vos_fs_req rq = { .op = VOS_FS_SELF };
    if (s->self.cap)
        vos_cap_revoke(s->self); /* the last one's: its process is gone */
    s->self.cap = 0;
    if (vos_cap_create(VOS_OBJ_PROCESS, s->proc.pid, VOS_RIGHT_DERIVE | VOS_RIGHT_WRITE | VOS_RIGHT_GRANT, init_self, &s->self) ||
        vos_send(s->self_to, &rq, VOS_FS_REQ_HEADER, s->self))
        vos_cprintf(say_to, "init: %s: cannot give it its process capability; dead clients' files stay open\n",
                    s->argv[0]);
}

static vos_status_t supervised_start(struct supervised *s)
{
    s->sp.argv = s->argv;
    s->sp.caps = s->caps;
    vos_status_t st = vos_process_spawn(s->fs, &s->sp, &s->proc);
    if (!st && s->self_to.cap)
        send_self(s);
    return st;
}

static int supervise(void *arg)
{
    struct supervised *s = arg;
    for (int restarts = 0; restarts < MAX_RESTARTS; restarts++) {
        struct vos_process_exit_info info;
        char how[64];
        if (vos_process_wait(s->proc, VOS_TIMEOUT_INFINITE, &info))
            return 1;
        vos_pid_t old = s->proc.pid;
        vos_status_t st = supervised_start(s);
        vos_cprintf(say_to, "init: %s (pid %lu) %s; %s%lu\n", s->argv[0], (unsigned long)old,
                   vos_exit_describe(&info, how, sizeof(how)), st ? "not restarted: " : "restarted as pid ",
                   st ? 0ul : (unsigned long)s->proc.pid);
        if (st)
            return 1;
    }
    return 0;
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
                         vos_mem_t pool, vos_any_t console, vos_console_t report)
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
        vos_cprintf(report, "init: storage: %s; running without files\n", vos_status_name(st));
        return none;
    }
    struct disk disk = { { 0 }, { 0 }, "" };
    int have_disk = find_disk(si, &disk);
    say_to = report;
    driver.fs = server.fs = fs;
    driver.argv[0] = have_disk ? "virtio-blk" : "ramdisk";
    driver.argv[1] = have_disk ? disk.offset : "4096";
    driver.caps[0] = console;
    driver.caps[1] = blk_recv;
    driver.caps[2] = pool_blk;
    driver.sp.argc = 2;
    driver.sp.ncaps = 4;
    if (have_disk) {
        static char offset[16];
        memcpy(offset, disk.offset, sizeof(offset));
        driver.argv[1] = offset;
        driver.caps[3] = disk.regs;
        driver.caps[4] = disk.irq;
        driver.sp.ncaps = 5;
    } else { /* the RAM disk's memory: init's, so a restarted driver finds the files */
        vos_mem_t mem;
        if ((st = vos_mem_carve(pool, 4096 * 1024, RW | VOS_RIGHT_GRANT, &mem))) {
            vos_cprintf(report, "init: storage: no memory for the RAM disk: %s; running without files\n",
                       vos_status_name(st));
            return none;
        }
        driver.caps[3] = VOS_ANY(mem);
    }
    if ((st = supervised_start(&driver))) {
        vos_cprintf(report, "init: storage: %s: %s; running without files\n", driver.argv[0], vos_status_name(st));
        return none;
    }
    /* Only the RAM disk is formatted: a real disk without FAT stays untouched. */
    server.argv[0] = STORAGE_SERVER;
    server.argv[1] = have_disk ? "/:rw" : "--format";
    server.argv[2] = "/:rw";
    server.sp.argc = have_disk ? 2 : 3;
    server.caps[0] = console;
    server.caps[1] = VOS_ANY(blk_ch);
    server.caps[2] = pool_fs;
    server.caps[3] = fs_recv;
    server.sp.ncaps = 4;
    server.self_to = fs_ch;
    init_self = self;
    if ((st = supervised_start(&server))) {
        vos_cprintf(report, "init: storage: fsserver: %s; running without files\n", vos_status_name(st));
        return none;
    }
    vos_thread_t t;
    if (vos_thread_spawn(supervise, &driver, 4 * VOS_PAGE_SIZE, &t) ||
        vos_thread_spawn(supervise, &server, 4 * VOS_PAGE_SIZE, &t))
        vos_cprintf(report, "init: storage: no supervisor threads; the servers run unsupervised\n");
    return fs_ch;
}
