/*
 * virtio-blk: the block driver for a virtio 1.x block device, serving the
 * block protocol (<vos/block.h>, docs/storage.md).  Facts from the virtio
 * 1.x specification: the status handshake, feature negotiation, split
 * virtqueues, the virtio-blk request header and status.  This file is the
 * driver whatever the transport; the transport (virtio.h) is linked in:
 * `virtio-blk` is this with virtio_mmio.c (riscv64, aarch64 `virt`),
 * `virtio-blk-pci` with virtio_pci.c (x86_64 `q35`).
 *
 * Initial capabilities (init, userland/init/storage.c): 0 the console,
 * 1 its ENDPOINT (READ; clients call it, and the interrupt is bound to it),
 * 2 a memory pool (the queue and client regions: DMA memory), 3 the
 * device's registers (DEVICE_MEMORY), 4 its interrupt line (IRQ), and what
 * the transport adds (virtio_mmio.c, virtio_pci.c: arguments, capability 5).
 *
 * One thread: a receive returns a client's request (put on the queue at
 * once, its reply token kept) or the device's interrupt (finished requests
 * answered), so several requests are in flight.  Invariants: a request's
 * descriptors and token belong to one slot until its used entry comes back;
 * every request is answered (a full queue, a bad range: an error at once);
 * the device writes only into DMA memory and client regions, whose physical
 * pages come from the kernel (SYS_MEMORY_PHYSICAL), page by page.
 */
#include <vos/block.h>
#include <vos/file.h>
#include <vos/vos.h>

#include "blk_clients.h"
#include "virtio.h"

#define F_BLK_RO 5
#define F_BLK_FLUSH 9
#define F_VERSION_1 32

#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4

#define D_NEXT 1
#define D_WRITE 2

#define QSIZE 128 /* descriptors */
#define SLOT_DESCS 18 /* header, up to 16 data pages, status */
#define SLOTS (QSIZE / SLOT_DESCS)
#define PAGE 4096u

struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};

struct blk_hdr {
    uint32_t type, reserved;
    uint64_t sector;
};

static vos_console_t con;
static vos_mem_t pool;
static vos_irq_t irq;
static uint64_t capacity;
static int read_only, can_flush;

/* The queue: one DMA page each for descriptors, the driver (avail) ring,
 * the device (used) ring, and the slots' headers and status bytes. */
static struct desc *descs;
static volatile uint16_t *avail;      /* flags, idx, ring[QSIZE] */
static volatile uint8_t *used;        /* flags u16, idx u16, ring[QSIZE] of {u32 id, u32 len} */
static struct blk_hdr *hdrs;          /* one per slot */
static volatile uint8_t *statuses;    /* one per slot */
static uint64_t q_phys;               /* physical address of the queue memory (4 pages) */
static uint16_t avail_idx, used_seen;

static struct slot {
    int busy;
    vos_reply_t reply;
} slots[SLOTS];

/* ---- device setup (virtio 1.x, 3.1.1) ---- */

static int fail(const char *why)
{
    vt_set_status(vt_status() | VIRTIO_S_FAILED);
    vos_cprintf(con, "virtio-blk: %s; no disk\n", why);
    return -1;
}

static int device_init(void)
{
    vt_set_status(0); /* reset */
    while (vt_status() != 0)
        ;
    vt_set_status(VIRTIO_S_ACKNOWLEDGE);
    vt_set_status(VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
    uint64_t offered = vt_device_features();
    if (!(offered & (1ull << F_VERSION_1)))
        return fail("the device does not offer VIRTIO_F_VERSION_1");
    read_only = (offered >> F_BLK_RO) & 1;
    can_flush = (offered >> F_BLK_FLUSH) & 1;
    vt_driver_features((offered & ((1ull << F_BLK_RO) | (1ull << F_BLK_FLUSH))) | 1ull << F_VERSION_1);
    vt_set_status(VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK);
    if (!(vt_status() & VIRTIO_S_FEATURES_OK))
        return fail("the device refused our features");

    uint32_t max = vt_queue_max(0);
    if (max == 0)
        return fail("queue 0 absent or already in use");
    if (max < QSIZE)
        return fail("queue 0 too small");
    vos_mem_t q;
    void *map;
    if (vos_dma_alloc(pool, 4 * PAGE, VOS_RIGHT_READ | VOS_RIGHT_WRITE, &q) ||
        vos_mmap(NULL, 4 * PAGE, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED, q, 0, &map) ||
        vos_mem_physical(VOS_ANY(q), 0, &q_phys))
        return fail("no DMA memory for the queue");
    uint8_t *m = map;
    descs = (struct desc *)m;
    avail = (volatile uint16_t *)(m + PAGE);
    used = m + 2 * PAGE;
    hdrs = (struct blk_hdr *)(m + 3 * PAGE);
    statuses = m + 3 * PAGE + SLOTS * sizeof(struct blk_hdr);
    vt_queue_enable(0, QSIZE, q_phys, q_phys + PAGE, q_phys + 2 * PAGE);
    capacity = (uint64_t)vt_config32(0) | (uint64_t)vt_config32(4) << 32; /* virtio-blk: capacity in sectors */
    vt_set_status(VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK | VIRTIO_S_DRIVER_OK);
    vos_cprintf(con, "virtio-blk: %lu KiB%s\n", (unsigned long)(capacity / 2), read_only ? ", read-only" : "");
    return 0;
}

/* ---- requests ---- */

static void fence(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

/* Puts a request on the queue; its answer comes with the interrupt. */
static int64_t submit(const struct vos_blk_req *rq, struct blk_client *c, vos_reply_t reply)
{
    int s = 0;
    while (s < SLOTS && slots[s].busy)
        s++;
    if (s == SLOTS)
        return -VOS_ENOMEM; /* every slot in flight: the client tries again */
    struct desc *d = &descs[s * SLOT_DESCS];
    int n = 0;
    hdrs[s].type = rq->op == VOS_BLK_READ ? T_IN : rq->op == VOS_BLK_WRITE ? T_OUT : T_FLUSH;
    hdrs[s].reserved = 0;
    hdrs[s].sector = rq->sector;
    d[n].addr = q_phys + 3 * PAGE + (uint64_t)s * sizeof(struct blk_hdr);
    d[n].len = sizeof(struct blk_hdr);
    d[n].flags = D_NEXT;
    n++;
    if (rq->op != VOS_BLK_FLUSH) {
        vos_mem_t region = c->region[rq->region].cap;
        uint64_t off = rq->offset, left = (uint64_t)rq->count * VOS_BLK_SECTOR;
        while (left) {
            uint64_t phys, in_page = PAGE - off % PAGE, len = left < in_page ? left : in_page;
            if (vos_mem_physical(VOS_ANY(region), off, &phys) || n == SLOT_DESCS - 1)
                return -VOS_EINVAL;
            d[n].addr = phys;
            d[n].len = (uint32_t)len;
            d[n].flags = D_NEXT | (rq->op == VOS_BLK_READ ? D_WRITE : 0);
            n++;
            off += len;
            left -= len;
        }
    }
    statuses[s] = 0xFF;
    d[n].addr = q_phys + 3 * PAGE + SLOTS * sizeof(struct blk_hdr) + (uint64_t)s;
    d[n].len = 1;
    d[n].flags = D_WRITE;
    for (int i = 0; i < n; i++)
        d[i].next = (uint16_t)(s * SLOT_DESCS + i + 1);
    slots[s].busy = 1;
    slots[s].reply = reply;
    avail[2 + avail_idx % QSIZE] = (uint16_t)(s * SLOT_DESCS);
    fence();
    avail[1] = ++avail_idx;
    fence();
    vt_notify(0);
    return 1; /* answered later */
}

static void answer(vos_reply_t reply, int64_t status, uint64_t capacity_, vos_any_t xfer, uint32_t ro)
{
    struct vos_blk_resp rs;
    memset(&rs, 0, sizeof(rs));
    rs.status = status;
    rs.capacity = capacity_;
    rs.max_sectors = BLK_REGION_BYTES / VOS_BLK_SECTOR;
    rs.region_bytes = BLK_REGION_BYTES;
    rs.read_only = ro;
    if (reply.cap)
        vos_reply(reply, &rs, sizeof(rs), xfer); /* a client that died: NotFound, nothing to do */
}

/* The device finished some requests: answer them, free their slots. */
static void complete(void)
{
    fence();
    uint16_t idx = *(volatile uint16_t *)(used + 2);
    while (used_seen != idx) {
        const volatile uint8_t *e = used + 4 + (used_seen % QSIZE) * 8;
        uint32_t id = *(const volatile uint32_t *)e;
        used_seen++;
        int s = (int)(id / SLOT_DESCS);
        if (s >= SLOTS || !slots[s].busy)
            continue;
        slots[s].busy = 0;
        answer(slots[s].reply, statuses[s] == 0 ? 0 : -VOS_EIO, 0, (vos_any_t){ 0 }, 0);
    }
}

static void serve(const struct vos_blk_req *rq, uint64_t len, const struct vos_message *m)
{
    /* A capability is kept only as a lent region (ADD_REGION); any other is deleted. */
    if (len != sizeof(*rq) || rq->op != VOS_BLK_ADD_REGION)
        blk_cap_drop(m->cap);
    if (len != sizeof(*rq)) {
        answer(m->reply, -VOS_EINVAL, 0, (vos_any_t){ 0 }, 0);
        return;
    }
    if (rq->op == VOS_BLK_ATTACH) {
        struct blk_client *c = blk_client_attach(m->sender, pool, 1);
        answer(m->reply, c ? 0 : -VOS_ENOMEM, capacity, c ? VOS_ANY(c->region[0].cap) : (vos_any_t){ 0 },
               (uint32_t)read_only);
        return;
    }
    struct blk_client *c = blk_client_find(m->sender);
    int64_t r;
    if (rq->op == VOS_BLK_ADD_REGION) {
        answer(m->reply, blk_client_lend(c, m->cap), 0, (vos_any_t){ 0 }, 0); /* (its number may be 1: answered here) */
        return;
    } else if (!c)
        r = -VOS_ENXIO;
    else if (rq->op == VOS_BLK_FLUSH)
        r = can_flush ? submit(rq, c, m->reply) : 0;
    else if (rq->op != VOS_BLK_READ && rq->op != VOS_BLK_WRITE)
        r = -VOS_ENOSYS;
    else if (rq->op == VOS_BLK_WRITE && read_only)
        r = -VOS_EROFS;
    else if (blk_client_check(c, rq, capacity) < 0)
        r = -VOS_EINVAL;
    else
        r = submit(rq, c, m->reply);
    if (r != 1)
        answer(m->reply, r, 0, (vos_any_t){ 0 }, 0);
}

int main(int argc, char **argv)
{
    const struct vos_start_info *si = vos_start_info();
    con = vos_console_open(si);
    const struct vos_cap_info *e = vos_start_cap(si, 1), *p = vos_start_cap(si, 2), *i = vos_start_cap(si, 4);
    if (!e || e->object_type != VOS_OBJ_ENDPOINT || !p || p->object_type != VOS_OBJ_MEMORY || !i ||
        i->object_type != VOS_OBJ_IRQ)
        return 2;
    vos_ep_t ep = vos_ep_from(e);
    pool.cap = p->token;
    irq.cap = i->token;
    int ok = vt_open(si, argc, argv, con) == 0 && device_init() == 0;
    if (ok && vos_irq_bind(irq, ep, 1)) {
        vos_cprintf(con, "virtio-blk: cannot bind the interrupt; no disk\n");
        ok = 0;
    }
    static struct vos_blk_req rq;
    /* Without a working device, stay and say so to every caller (VOS_ENXIO):
     * nobody waits for an answer that never comes. */
    while (!ok) {
        struct vos_message m;
        if (vos_receive(ep, &rq, sizeof(rq), VOS_TIMEOUT_INFINITE, &m) == VOS_OK) {
            blk_cap_drop(m.cap);
            answer(m.reply, -VOS_ENXIO, 0, (vos_any_t){ 0 }, 0);
        }
    }
    for (;;) {
        struct vos_message m;
        vos_status_t st = vos_receive(ep, &rq, sizeof(rq), VOS_TIMEOUT_INFINITE, &m);
        if (st == -VOS_ERR_BUFFER_TOO_SMALL) {
            static char big[VOS_IPC_MAX_MESSAGE];
            st = vos_receive(ep, big, sizeof(big), 0, &m);
            m.len = 0;
        }
        if (st)
            continue;
        if (m.sender == VOS_IRQ_SENDER) {
            vt_interrupt_ack();
            complete();
            vos_irq_ack(irq);
            continue;
        }
        serve(&rq, m.len, &m);
    }
}
