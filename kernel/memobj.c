/*
 * memobj.c — memory pools and regions.
 *
 * Invariants: a region's frames are allocated when it is carved and freed
 * when the last reference goes (mappings hold references, so a mapped
 * region never loses its frames); its frames and its directory pages are
 * charged to the process that carved it (the object's owner) until then.
 */
#include "cap.h"
#include "ipc.h"
#include "memobj.h"
#include "memory.h"
#include "process.h"
#include "syscall_handlers.h"

#define PER_PAGE (PAGE_SIZE / sizeof(paddr_t))

struct memobj *memobj_new_pool(uint64_t size, long *err)
{
    struct memobj *m = object_alloc(sizeof(*m), VOS_OBJ_MEMORY, NULL, err);
    if (m) {
        m->pool = true;
        m->size = size;
    }
    return m;
}

bool memobj_is_pool(const struct object *o)
{
    return o->type == VOS_OBJ_MEMORY && container_of(o, struct memobj, obj)->pool;
}

static void free_frames(struct memobj *m)
{
    struct process *owner = m->obj.owner;
    uint64_t pages = m->size / PAGE_SIZE;
    for (uint64_t i = 0; m->dir && i < (pages + PER_PAGE - 1) / PER_PAGE; i++) {
        if (!m->dir[i])
            break;
        for (uint64_t j = 0; j < PER_PAGE && i * PER_PAGE + j < pages; j++)
            if (m->dir[i][j])
                frame_free_for(owner, m->dir[i][j]);
        kmem_free_for(owner, m->dir[i], PAGE_SIZE);
    }
    kmem_free_for(owner, m->dir, PAGE_SIZE);
    m->dir = NULL;
}

void memobj_destroy(struct object *o)
{
    struct memobj *m = container_of(o, struct memobj, obj);
    if (m->pool || memobj_is_device(m))
        return; /* no frames of its own */
    if (m->phys) {
        dma_free(m->phys, m->size / PAGE_SIZE);
        quota_release(m->obj.owner, m->size);
        return;
    }
    free_frames(m);
}

/* A physically contiguous region from the DMA zone, charged to the caller like any region. */
static long carve_contiguous(struct thread *self, struct cap *pool, uint64_t size, uint64_t rights, vos_cap_t *result)
{
    if (size == 0 || size > VOS_DMA_MAX_REGION)
        return VOS_ERR_INVALID_PARAMETER;
    size = ALIGN_UP(size, PAGE_SIZE);
    struct process *p = self->proc;
    long err = quota_charge(p, size);
    if (err)
        return err;
    struct memobj *m = object_alloc(sizeof(*m), VOS_OBJ_MEMORY, p, &err);
    paddr_t pa = m ? dma_alloc(size / PAGE_SIZE) : 0;
    if (!pa) {
        quota_release(p, size);
        if (m)
            object_put(&m->obj);
        return m ? VOS_ERR_OUT_OF_MEMORY : err;
    }
    m->size = size;
    m->phys = pa; /* from here on, object_put undoes everything */
    struct cap *c;
    err = cap_insert(&p->cspace, &m->obj, rights, pool, &c);
    object_put(&m->obj);
    if (err)
        return err;
    *result = cap_token(c);
    return VOS_OK;
}

long memobj_carve(struct thread *self, struct cap *pool, uint64_t size, uint64_t rights, vos_cap_t *result)
{
    if (size & VOS_MEMORY_CONTIGUOUS)
        return carve_contiguous(self, pool, size & ~VOS_MEMORY_CONTIGUOUS, rights, result);
    if (size == 0 || size > MEMOBJ_MAX_REGION)
        return VOS_ERR_INVALID_PARAMETER;
    size = ALIGN_UP(size, PAGE_SIZE);
    struct process *p = self->proc;
    if (size > p->mem_limit - p->mem_used)
        return VOS_ERR_RESOURCE_EXHAUSTED; /* would fail part way: say so before allocating */
    long err;
    struct memobj *m = object_alloc(sizeof(*m), VOS_OBJ_MEMORY, p, &err);
    if (!m)
        return err;
    m->size = size; /* from here on, object_put undoes everything */
    uint64_t pages = size / PAGE_SIZE;
    err = VOS_OK;
    m->dir = kmem_alloc_for(p, PAGE_SIZE, &err);
    for (uint64_t i = 0; m->dir && !err && i < pages; i++) {
        if (!m->dir[i / PER_PAGE] && !(m->dir[i / PER_PAGE] = kmem_alloc_for(p, PAGE_SIZE, &err)))
            break;
        m->dir[i / PER_PAGE][i % PER_PAGE] = frame_alloc_for(p, &err);
    }
    struct cap *c;
    if (!err)
        err = cap_insert(&p->cspace, &m->obj, rights, pool, &c);
    object_put(&m->obj); /* the capability holds it now, or it goes */
    if (err)
        return err;
    *result = cap_token(c);
    return VOS_OK;
}

struct memobj *memobj_new_region(const void *data, uint64_t size, long *err)
{
    struct memobj *m = object_alloc(sizeof(*m), VOS_OBJ_MEMORY, NULL, err);
    if (!m)
        return NULL;
    uint64_t pages = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;
    m->size = pages * PAGE_SIZE;
    *err = pages <= PER_PAGE * PER_PAGE && (m->dir = kmem_alloc(PAGE_SIZE)) ? VOS_OK : VOS_ERR_OUT_OF_MEMORY;
    for (uint64_t i = 0; !*err && i < pages; i++) {
        if ((!m->dir[i / PER_PAGE] && !(m->dir[i / PER_PAGE] = kmem_alloc(PAGE_SIZE))) ||
            !(m->dir[i / PER_PAGE][i % PER_PAGE] = frame_alloc())) {
            *err = VOS_ERR_OUT_OF_MEMORY;
            break;
        }
        memcpy(arch_phys_to_virt(memobj_frame(m, i)), (const char *)data + i * PAGE_SIZE,
               MIN(PAGE_SIZE, size - i * PAGE_SIZE));
    }
    if (*err) {
        object_put(&m->obj);
        return NULL;
    }
    return m;
}

/*
 * Reading a pool describes it: a PoolInfo at offset 0.  Free means nobody's
 * and not promised: the transit space's tables not made yet are promised.
 */
static long pool_read(struct memobj *m, user_out_t buf, uint64_t count, uint64_t offset, uint64_t *done)
{
    uint64_t free = frame_free_count() * PAGE_SIZE, promised = ipc_transit_unspent();
    struct vos_pool_info info = { m->size, free > promised ? free - promised : 0 };
    uint64_t start = MIN(offset, sizeof(info)); /* past the end: nothing, and no pointer beyond it */
    uint64_t n = MIN(count, sizeof(info) - start);
    long err = copy_to_user(buf, 0, (const char *)&info + start, n);
    *done = n;
    return err;
}

/* Copy between a region and user memory, page by page; clipped at the end. */
static long region_copy(struct memobj *m, bool to_user, user_in_t in, user_out_t out, uint64_t count,
                        uint64_t offset, uint64_t *done)
{
    if (m->pool || memobj_is_device(m))
        return VOS_ERR_NOT_SUPPORTED; /* device registers: mapped only, never through the direct map */
    uint64_t n = offset >= m->size ? 0 : MIN(count, m->size - offset);
    uint64_t copied = 0;
    while (copied < n) {
        uint64_t off = offset + copied, in_page = off % PAGE_SIZE, chunk = MIN(n - copied, PAGE_SIZE - in_page);
        char *k = (char *)arch_phys_to_virt(memobj_frame(m, off / PAGE_SIZE)) + in_page;
        long err = to_user ? copy_to_user(out, copied, k, chunk) : copy_from_user(k, in, copied, chunk);
        if (err)
            return err;
        copied += chunk;
    }
    *done = n;
    return VOS_OK;
}

long memobj_read(struct memobj *m, user_out_t buf, uint64_t count, uint64_t offset, uint64_t *done)
{
    if (m->pool)
        return pool_read(m, buf, count, offset, done);
    user_in_t none = { 0, 0 };
    return region_copy(m, true, none, buf, count, offset, done);
}

long memobj_write(struct memobj *m, user_in_t buf, uint64_t count, uint64_t offset, uint64_t *done)
{
    user_out_t none = { 0, 0 };
    return region_copy(m, false, buf, none, count, offset, done);
}

long sys_memory_physical(struct thread *self, struct cap *capability, uint64_t offset, uint64_t *result)
{
    (void)self;
    struct memobj *m = container_of(capability->obj, struct memobj, obj);
    if (m->pool)
        return VOS_ERR_NOT_SUPPORTED;
    if (offset >= m->size)
        return VOS_ERR_INVALID_PARAMETER;
    *result = memobj_frame(m, offset / PAGE_SIZE) + offset % PAGE_SIZE;
    return VOS_OK;
}
