/*
 * memobj.h — memory objects.
 *
 * A memory object is either a *pool* — the authority to allocate memory,
 * with no frames of its own (init receives the one covering all memory) —
 * or a *region*: a fixed set of frames, carved from a pool with
 * SYS_CAPABILITY_CREATE, that any process holding a capability can map
 * (shared), copy (private) or read and write at an offset.
 */
#pragma once

#include "object.h"
#include "usercopy.h"

struct cap;
struct thread;

struct memobj {
    struct object obj;
    bool pool;
    uint64_t size;      /* bytes (a region: whole pages) */
    paddr_t **dir;      /* region frames: dir[i / 512][i % 512] */
};

#define MEMOBJ_MAX_REGION (1ull << 30)

struct memobj *memobj_new_pool(uint64_t size, long *err);
/* A kernel-owned region holding a copy of data (the boot file system). */
struct memobj *memobj_new_region(const void *data, uint64_t size, long *err);
bool memobj_is_pool(const struct object *o);
paddr_t memobj_frame(const struct memobj *m, uint64_t page);
/* SYS_CAPABILITY_CREATE on a pool: a new region of size bytes, charged to the caller. */
long memobj_carve(struct thread *self, struct cap *pool, uint64_t size, uint64_t rights, vos_cap_t *result);
/* SYS_READ / SYS_WRITE on a region (reading a pool gives its PoolInfo). */
long memobj_read(struct memobj *m, user_out_t buf, uint64_t count, uint64_t offset, uint64_t *done);
long memobj_write(struct memobj *m, user_in_t buf, uint64_t count, uint64_t offset, uint64_t *done);
