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
 * The disk is the first modern virtio block device: on riscv64 and aarch64
 * a version 2 virtio-mmio transport, whose driver (virtio-blk) gets that
 * transport's register page and interrupt line only (riscv64's U-Boot boot
 * disk is a legacy transport, so it is never taken); on x86_64 q35 a
 * virtio-pci function on bus 0, found through ECAM, whose driver
 * (virtio-blk-pci) gets its configuration page, the part of its BAR holding
 * its registers and its INTx line only.  Without one the driver is the RAM disk, formatted
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
#include <stdlib.h>
#include <string.h>
#include <vos/fsproto.h>
#include <vos/vos.h>

#include "storage.h"
#include "../blk/pci.h"

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
    vos_any_t caps[6];
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

/* x86_64 q35's disk is on PCI (find_pci_disk; its facts: blk/pci.h); the
 * other machines' virtio-mmio transports come from the kernel's dev= list. */
#if defined(__x86_64__)
#define PCI_ECAM_BASE Q35_ECAM_BASE
#define PCI_INTX_GSI(slot, pin) q35_intx_gsi(slot, pin)
#else
#define PCI_ECAM_BASE 0ull
#define PCI_INTX_GSI(slot, pin) (-1)
#endif

/* The disk's driver and what it is given: its registers, its interrupt and,
 * on PCI, its function's configuration page. */
struct disk {
    const char *driver;
    vos_any_t regs, irq, config;
    char arg[16];
};

/*
 * The next virtio-mmio transport the kernel named (dev=BASE,SIZE,LINE,virtio,mmio:
 * docs/drivers.md) from argument *i on: 1 with its registers' address and
 * interrupt line, 0 when there are no more.
 */
static int next_virtio_mmio(const struct vos_start_info *si, uint64_t *i, uint64_t *pa, unsigned *line)
{
    const char *const *argv = (const char *const *)(uintptr_t)si->argv;
    while (++*i < si->argc) {
        const char *a = argv[*i];
        if (strncmp(a, "dev=", 4))
            continue;
        char *end;
        *pa = strtoull(a + 4, &end, 0);
        if (*end++ != ',')
            continue;
        strtoull(end, &end, 0); /* its size: a transport fits in its page */
        if (*end++ != ',')
            continue;
        *line = (unsigned)strtoul(end, &end, 0);
        if (*end == ',' && !strcmp(end + 1, "virtio,mmio"))
            return 1;
    }
    return 0;
}

/* The first modern virtio-mmio block device: 1 with its registers' page,
 * offset and interrupt line; 0 if none. */
static int find_mmio_disk(const struct vos_start_info *si, vos_devmem_t devpool, vos_any_t irqctl, struct disk *d)
{
    vos_devmem_t page = { 0 };
    volatile uint8_t *map = NULL;
    uint64_t mapped = ~0ull, arg = 0, pa;
    unsigned line;
    while (next_virtio_mmio(si, &arg, &pa, &line)) {
        uint64_t base = pa & ~0xFFFull;
        if (base != mapped) {
            volatile void *p;
            if (vos_devmem_create(devpool, base, 4096, RW | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE, &page) ||
                vos_devmem_map(page, 4096, &p))
                return 0;
            map = p;
            mapped = base;
        }
        volatile uint32_t *r = (volatile uint32_t *)(map + (pa - base));
        if (r[0] != 0x74726976 || r[1] != 2 || r[2] != 2) /* magic "virt", version 2 (modern), block device */
            continue;
        vos_irq_t irq;
        if (vos_irq_create(irqctl, line, RW | VOS_RIGHT_GRANT, &irq) ||
            narrow(VOS_ANY(page), RW | VOS_RIGHT_GRANT, &d->regs))
            return 0;
        d->driver = "virtio-blk";
        d->irq = VOS_ANY(irq);
        vos_snprintf(d->arg, sizeof(d->arg), "%#lx", (unsigned long)(pa - base));
        return 1;
    }
    return 0;
}

/* Device dev, function fn, a modern virtio block device: its configuration
 * page, the part of its BAR its virtio capabilities point at, its INTx line
 * as an IRQ capability.  1, or 0 after saying why not. */
static int pci_take_disk(vos_devmem_t devpool, vos_any_t irqctl, volatile const uint8_t *cfg, unsigned dev,
                         unsigned fn, struct disk *d, vos_console_t report)
{
    struct virtio_pci_layout l;
    const char *why = virtio_pci_layout(cfg, &l);
    int gsi = PCI_INTX_GSI(dev, pci_read8(cfg, PCI_INT_PIN));
    vos_devmem_t config, regs;
    vos_irq_t irq;
    if (!why && gsi < 0)
        why = "no INTx line";
    if (!why && (vos_devmem_create(devpool, PCI_ECAM_BASE + PCI_FN_OFFSET(dev, fn), 4096, RW | VOS_RIGHT_GRANT, &config) ||
                 vos_devmem_create(devpool, l.bar_phys, l.span, RW | VOS_RIGHT_GRANT, &regs) ||
                 vos_irq_create(irqctl, (unsigned)gsi, RW | VOS_RIGHT_GRANT, &irq)))
        why = "its registers or line refused";
    if (why) {
        vos_cprintf(report, "init: virtio-pci block device at 00:%02x.%u: %s\n", dev, fn, why);
        return 0;
    }
    d->driver = "virtio-blk-pci";
    d->config = VOS_ANY(config);
    d->regs = VOS_ANY(regs);
    d->irq = VOS_ANY(irq);
    vos_snprintf(d->arg, sizeof(d->arg), "00:%02x.%u", dev, fn);
    return 1;
}

/* The first modern virtio-pci block device on bus 0 (ECAM): 1 with its
 * configuration page, the part of its BAR holding its registers and its
 * INTx line; 0 if none.  init's view of bus 0 is gone when this returns. */
static int find_pci_disk(vos_devmem_t devpool, vos_any_t irqctl, struct disk *d, vos_console_t report)
{
    vos_devmem_t bus0;
    volatile void *p;
    if (vos_devmem_create(devpool, PCI_ECAM_BASE, PCI_BUS0_BYTES, RW, &bus0))
        return 0;
    int found = 0;
    if (vos_devmem_map(bus0, PCI_BUS0_BYTES, &p) == 0) {
        volatile uint8_t *ecam = p;
        for (unsigned dev = 0; dev < 32 && !found; dev++)
            for (unsigned fn = 0; fn < 8 && !found; fn++) {
                volatile uint8_t *cfg = ecam + PCI_FN_OFFSET(dev, fn);
                uint16_t vendor = pci_read16(cfg, PCI_VENDOR);
                if (vendor == 0xffff) { /* no function here; without function 0, no device */
                    if (fn == 0)
                        break;
                    continue;
                }
                uint16_t device = pci_read16(cfg, PCI_DEVICE);
                if (vendor == VIRTIO_PCI_VENDOR && device == VIRTIO_PCI_MODERN(2))
                    found = pci_take_disk(devpool, irqctl, cfg, dev, fn, d, report);
                else if (vendor == VIRTIO_PCI_VENDOR && device == VIRTIO_PCI_TRANSITIONAL_BLK)
                    vos_cprintf(report, "init: virtio-pci block device at 00:%02x.%u is transitional "
                                        "(QEMU: disable-legacy=on); not used\n", dev, fn);
                if (fn == 0 && !(pci_read8(cfg, PCI_HEADER_TYPE) & 0x80))
                    break; /* a single-function device */
            }
    }
    vos_cap_revoke(VOS_ANY(bus0)); /* unmaps it */
    return found;
}

/* The disk of this machine, if any: 1 with d filled. */
static int find_disk(const struct vos_start_info *si, struct disk *d, vos_console_t report)
{
    struct vos_cap_info devpool, irqctl;
    if (vos_start_lookup(si, VOS_OBJ_DEVICE_MEMORY, RW, &devpool) ||
        vos_start_lookup(si, VOS_OBJ_IRQ_CONTROL, VOS_RIGHT_READ, &irqctl))
        return 0;
    vos_devmem_t pool = { devpool.token };
    vos_any_t ctl = { irqctl.token };
    return find_mmio_disk(si, pool, ctl, d) || (PCI_ECAM_BASE && find_pci_disk(pool, ctl, d, report));
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
    static struct disk disk; /* its argument outlives this call: a restart passes it again */
    int have_disk = find_disk(si, &disk, report);
    say_to = report;
    driver.fs = server.fs = fs;
    driver.argv[0] = have_disk ? disk.driver : "ramdisk";
    driver.argv[1] = have_disk ? disk.arg : "4096";
    driver.caps[0] = console;
    driver.caps[1] = blk_recv;
    driver.caps[2] = pool_blk;
    driver.sp.argc = 2;
    driver.sp.ncaps = 4;
    if (have_disk) {
        driver.caps[3] = disk.regs;
        driver.caps[4] = disk.irq;
        driver.caps[5] = disk.config;
        driver.sp.ncaps = disk.config.cap ? 6 : 5;
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
