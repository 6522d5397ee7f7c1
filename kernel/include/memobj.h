/*
 * memobj.h — memory objects.
 *
 * A memory object is either a *pool* — the authority to allocate memory,
 * with no frames of its own (init receives the one covering all memory) —
 * or a *region*: a fixed set of frames, carved from a pool with
 * SYS_CAPABILITY_CREATE, that any process holding a capability can map
 * (shared), copy (private) or read and write at an offset.
 *
 * Two kinds of region are physically contiguous (phys != 0, no frame
 * directory): DMA regions, RAM carved with MEMORY_CONTIGUOUS from the DMA
 * zone (kernel/dma.c), and device memory, objects of type DEVICE_MEMORY
 * naming device registers (kernel/devmem.c), whose pool is init's
 * device-memory pool.
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
    paddr_t phys;       /* a contiguous region (DMA, device): its first byte; else 0 */
    uint32_t caps;      /* device memory: capabilities naming it (devmem.c) */
};

#define MEMOBJ_MAX_REGION (1ull << 30)

struct memobj *memobj_new_pool(uint64_t size, long *err);
/* A kernel-owned region holding a copy of data (the boot file system). */
struct memobj *memobj_new_region(const void *data, uint64_t size, long *err);
bool memobj_is_pool(const struct object *o);
static inline paddr_t memobj_frame(const struct memobj *m, uint64_t page)
{
    if (m->phys)
        return m->phys + page * PAGE_SIZE;
    return m->dir[page / (PAGE_SIZE / sizeof(paddr_t))][page % (PAGE_SIZE / sizeof(paddr_t))];
}
static inline bool memobj_is_device(const struct memobj *m) { return m->obj.type == VOS_OBJ_DEVICE_MEMORY; }
/* SYS_CAPABILITY_CREATE on a pool: a new region of size bytes, charged to the caller. */
long memobj_carve(struct thread *self, struct cap *pool, uint64_t size, uint64_t rights, vos_cap_t *result);
/* SYS_READ / SYS_WRITE on a region (reading a pool gives its PoolInfo). */
long memobj_read(struct memobj *m, user_out_t buf, uint64_t count, uint64_t offset, uint64_t *done);
long memobj_write(struct memobj *m, user_in_t buf, uint64_t count, uint64_t offset, uint64_t *done);

/* dma.c: the DMA zone, physically contiguous RAM set aside at boot. */
void dma_init(void);
paddr_t dma_alloc(uint64_t pages);          /* zeroed, or 0 */
void dma_free(paddr_t pa, uint64_t pages);
/* devmem.c: device memory. */
void devmem_init(const struct boot_info *bi);
struct memobj *devmem_pool(void);           /* init's device-memory pool */
/* cspace.c: a capability to o was made (+1) or deleted (-1); the last going unmaps it everywhere. */
void devmem_cap_event(struct object *o, int delta);
static inline void devmem_cap_added(struct object *o)
{
    if (o->type == VOS_OBJ_DEVICE_MEMORY)
        devmem_cap_event(o, +1);
}
static inline void devmem_cap_removed(struct object *o)
{
    if (o->type == VOS_OBJ_DEVICE_MEMORY)
        devmem_cap_event(o, -1);
}
long devmem_carve(struct thread *self, struct cap *pool, uint64_t request, uint64_t rights, vos_cap_t *result);
