/*
 * blk_clients.c — the block drivers' client table (blk_clients.h): one home
 * for what ramdisk.c and virtio_blk.c both keep.  Invariants: a client's
 * region 0 is mapped here for as long as the slot is used, and is no other
 * client's (a reused slot gets a fresh one); a lent region is
 * mapped here (BLK_REGION_BYTES; a shorter one is refused by the mapping
 * call); a request reaches only regions of the client that sent it; a
 * capability that came with a request is kept only as a lent region, every
 * other one is deleted at once (blk_cap_drop), so no client can fill the
 * driver's capability space.
 */
#include <vos/file.h>

#include "blk_clients.h"

static struct blk_client clients[BLK_CLIENTS];
static unsigned next_client;

struct blk_client *blk_client_find(vos_pid_t pid)
{
    for (int i = 0; i < BLK_CLIENTS; i++)
        if (clients[i].region[0].map && clients[i].pid == pid)
            return &clients[i];
    return NULL;
}

struct blk_client *blk_client_attach(vos_pid_t pid, vos_mem_t pool, int dma)
{
    struct blk_client *c = blk_client_find(pid);
    if (c)
        return c;
    c = &clients[next_client++ % BLK_CLIENTS];
    for (unsigned i = 1; i <= c->nlent; i++) {
        vos_munmap(c->region[i].map, BLK_REGION_BYTES);
        blk_cap_drop(VOS_ANY(c->region[i].cap));
    }
    c->nlent = 0;
    /* A slot taken from another client: that client may live on with the
     * region mapped, so the new one gets a fresh region (handing on the
     * revoked capability failed the reply and left the client waiting). */
    if (c->region[0].map) {
        vos_munmap(c->region[0].map, BLK_REGION_BYTES);
        vos_cap_revoke(VOS_ANY(c->region[0].cap));
        c->region[0].map = NULL;
    }
    void *p;
    uint64_t rights = VOS_RIGHT_READ | VOS_RIGHT_WRITE | VOS_RIGHT_GRANT;
    vos_status_t st = dma ? vos_dma_alloc(pool, BLK_REGION_BYTES, rights, &c->region[0].cap)
                          : vos_mem_carve(pool, BLK_REGION_BYTES, rights, &c->region[0].cap);
    if (st || vos_mmap(NULL, BLK_REGION_BYTES, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED, c->region[0].cap, 0, &p))
        return NULL;
    c->region[0].map = p;
    c->pid = pid;
    return c;
}

void blk_cap_drop(vos_any_t cap)
{
    if (cap.cap)
        vos_cap_revoke(cap); /* one's own leaf: holding it suffices (docs/abi.md) */
}

int64_t blk_client_lend(struct blk_client *c, vos_any_t cap)
{
    if (!cap.cap)
        return -VOS_EINVAL;
    if (!c || c->nlent == BLK_LENT) {
        blk_cap_drop(cap);
        return c ? -VOS_ENOMEM : -VOS_ENXIO;
    }
    void *p;
    if (vos_mmap(NULL, BLK_REGION_BYTES, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED, (vos_mem_t){ cap.cap }, 0,
                 &p)) {
        blk_cap_drop(cap);
        return -VOS_EINVAL;
    }
    c->nlent++;
    c->region[c->nlent].cap.cap = cap.cap;
    c->region[c->nlent].map = p;
    return c->nlent;
}

int blk_client_check(const struct blk_client *c, const struct vos_blk_req *rq, uint64_t capacity)
{
    uint64_t bytes = (uint64_t)rq->count * VOS_BLK_SECTOR;
    if (rq->count == 0 || rq->sector > capacity || rq->count > capacity - rq->sector ||
        rq->offset % VOS_BLK_SECTOR || rq->offset > BLK_REGION_BYTES || bytes > BLK_REGION_BYTES - rq->offset ||
        rq->region > c->nlent)
        return -VOS_EINVAL;
    return 0;
}
