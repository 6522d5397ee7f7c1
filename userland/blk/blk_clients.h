/* blk_clients.h — what every block driver keeps about its clients
 * (blk_clients.c; the block protocol: <vos/block.h>, docs/storage.md). */
#pragma once
#include <vos/block.h>
#include <vos/vos.h>

#define BLK_CLIENTS 8
#define BLK_LENT 32 /* regions one client may lend (ADD_REGION) */
#define BLK_REGION_BYTES (64 * 1024)

/* A client (by pid): the region it got at ATTACH and those it lent.  Region
 * number 0 is the ATTACH one, n > 0 the n-th lent. */
struct blk_client {
    vos_pid_t pid;
    struct {
        vos_mem_t cap;
        uint8_t *map;
    } region[1 + BLK_LENT];
    unsigned nlent;
};

/* The client with this pid, or NULL. */
struct blk_client *blk_client_find(vos_pid_t pid);
/* The client with this pid, made if new (its region carved from pool,
 * physically contiguous if dma); the oldest slot is reused when all are taken
 * (its old client loses the region: revoked, and the new client gets a
 * fresh one).  NULL without memory. */
struct blk_client *blk_client_attach(vos_pid_t pid, vos_mem_t pool, int dma);
/* ADD_REGION: maps the region the client sent (c NULL: not attached); its
 * number, or -VOS_E* and the capability is deleted. */
int64_t blk_client_lend(struct blk_client *c, vos_any_t cap);
/* Deletes a capability a request brought and nobody keeps (0: nothing). */
void blk_cap_drop(vos_any_t cap);
/* A READ or WRITE's range checked against the disk and the region:
 * 0, or -VOS_EINVAL. */
int blk_client_check(const struct blk_client *c, const struct vos_blk_req *rq, uint64_t capacity);
