/*
 * ramdisk: a block driver over memory (the block protocol, <vos/block.h>,
 * docs/storage.md).  init runs it when the machine has no disk, so the file
 * system still works (for the session: nothing survives power-off), and the
 * in-guest storage tests use it to run the whole stack without a device.
 *
 * Initial capabilities: 0 the console, 1 its ENDPOINT (READ), 2 a memory pool
 * (the regions shared with clients are carved from it), 3 (optional) the
 * disk: a MEMORY region of KIB KiB; without it the disk is carved from the
 * pool.  Given the disk, a restarted ramdisk finds what was written before,
 * like a real disk (init and the storage suite restart it so).
 * Arguments: `ramdisk KIB` (default 4096).
 * The test build `ramdisk-faulty` dies on a request with op VOS_RAMDISK_DIE.
 *
 * Invariants: every request is answered; a range outside the disk or the
 * client's region is VOS_EINVAL; each client (by pid) has its own region.
 */
#include <vos/block.h>
#include <vos/file.h>
#include <vos/vos.h>
#include <stdlib.h>

#include "blk_clients.h"

static uint8_t *disk;
static uint64_t sectors;
static vos_mem_t pool;

static int64_t serve(const struct vos_blk_req *rq, vos_pid_t pid, struct vos_blk_resp *rs, vos_any_t *xfer,
                     vos_any_t lent)
{
    if (rq->op == VOS_BLK_ATTACH) {
        struct blk_client *c = blk_client_attach(pid, pool, 0);
        if (!c)
            return -VOS_ENOMEM;
        *xfer = VOS_ANY(c->region[0].cap);
        rs->capacity = sectors;
        rs->max_sectors = BLK_REGION_BYTES / VOS_BLK_SECTOR;
        rs->region_bytes = BLK_REGION_BYTES;
        return 0;
    }
    struct blk_client *c = blk_client_find(pid);
    if (rq->op == VOS_BLK_ADD_REGION)
        return blk_client_lend(c, lent);
    if (!c)
        return -VOS_ENXIO;
    if (rq->op == VOS_BLK_FLUSH)
        return 0;
#ifdef VOS_RAMDISK_DIE
    if (rq->op == VOS_RAMDISK_DIE)
        *(volatile int *)16 = 1; /* the faulty test build: a driver crash, on request */
#endif
    if (rq->op != VOS_BLK_READ && rq->op != VOS_BLK_WRITE)
        return -VOS_ENOSYS;
    if (blk_client_check(c, rq, sectors) < 0)
        return -VOS_EINVAL;
    uint64_t bytes = (uint64_t)rq->count * VOS_BLK_SECTOR;
    uint8_t *d = disk + rq->sector * VOS_BLK_SECTOR, *m = c->region[rq->region].map + rq->offset;
    if (rq->op == VOS_BLK_READ)
        memcpy(m, d, bytes);
    else
        memcpy(d, m, bytes);
    return 0;
}

int main(int argc, char **argv)
{
    const struct vos_start_info *si = vos_start_info();
    vos_console_t con = vos_console_open(si);
    const struct vos_cap_info *e = vos_start_cap(si, 1), *p = vos_start_cap(si, 2), *d = vos_start_cap(si, 3);
    if (!e || e->object_type != VOS_OBJ_ENDPOINT || !p || p->object_type != VOS_OBJ_MEMORY)
        return 2;
    vos_ep_t ep = vos_ep_from(e);
    pool.cap = p->token;
    uint64_t kib = 4096;
    if ((uint64_t)argc > 1)
        kib = strtoul(argv[1], NULL, 10);
    if (kib < 64 || kib > 1024 * 1024)
        return 3;
    vos_mem_t mem;
    void *map;
    vos_status_t st = VOS_OK;
    if (d && d->object_type == VOS_OBJ_MEMORY)
        mem.cap = d->token;
    else
        st = vos_mem_carve(pool, kib * 1024, VOS_RIGHT_READ | VOS_RIGHT_WRITE, &mem);
    if (!st)
        st = vos_mmap(NULL, kib * 1024, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED, mem, 0, &map);
    if (st) {
        vos_cprintf(con, "ramdisk: no memory for %lu KiB: %s\n", (unsigned long)kib, vos_status_name(st));
        return 4;
    }
    disk = map;
    sectors = kib * 2;
    static struct vos_blk_req rq;
    for (;;) {
        struct vos_message m;
        st = vos_receive(ep, &rq, sizeof(rq), VOS_TIMEOUT_INFINITE, &m);
        if (st == -VOS_ERR_BUFFER_TOO_SMALL) {
            static char big[VOS_IPC_MAX_MESSAGE];
            st = vos_receive(ep, big, sizeof(big), 0, &m);
            m.len = 0;
        }
        if (st)
            continue;
        struct vos_blk_resp rs;
        vos_any_t xfer = { 0 };
        memset(&rs, 0, sizeof(rs));
        /* A capability is kept only as a lent region (ADD_REGION); any other is deleted. */
        int lending = m.len == sizeof(rq) && rq.op == VOS_BLK_ADD_REGION;
        if (!lending)
            blk_cap_drop(m.cap);
        rs.status = m.len == sizeof(rq) ? serve(&rq, m.sender, &rs, &xfer, lending ? m.cap : (vos_any_t){ 0 })
                                        : -VOS_EINVAL;
        if (m.reply.cap)
            vos_reply(m.reply, &rs, sizeof(rs), xfer);
    }
}
