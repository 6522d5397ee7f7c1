/*
 * vspace.c — user address spaces.
 *
 * Invariants:
 *  - regions are disjoint, page aligned and sorted;
 *  - a page is mapped in the arch tables only inside a region, with the
 *    region's prot; anonymous pages are charged to the owner's quota and
 *    freed on unmap; backed pages belong to their memory object;
 *  - no page is ever writable and executable (W^X, checked by callers);
 *  - hint is NULL or one of the regions (the last one looked up, made or
 *    passed by find_free): lookups near the last operation start there, so
 *    map, first touch and unmap of the same range walk the list once;
 *  - a page table exists only for an ARCH_TABLE_SPAN block some region
 *    touches: removing a region prunes the blocks it leaves empty, so
 *    tables never outlive their mappings;
 *  - everything the space holds (frames, page tables, region records,
 *    spare ones included) is charged to its owner (kmem.c); the owner is
 *    NULL only for the idle space, which maps nothing.
 */
#include "memobj.h"
#include "memory.h"
#include "object.h"
#include "process.h"
#include "vspace.h"
#include "xlat.h"

/*
 * Spare region records.  Every mmap makes one and every munmap drops one;
 * a few dropped ones are kept with the space for the next, which saves a
 * trip through kmem (which also zeroes what it hands out, while a region
 * is always written whole).  Beyond SPARE_MAX they go back to kmem.  They
 * stay charged to the owner while kept, and go with the space.
 */
#define SPARE_MAX 8

static struct region *region_alloc(struct vspace *vs)
{
    struct region *r = vs->spare;
    if (!r)
        return kmem_alloc_for(vs->owner, sizeof(*r), &vs->alloc_err);
    vs->spare = (struct region *)r->link.next;
    vs->spare_count--;
    return r;
}

static void spare_push(struct vspace *vs, struct region *r)
{
    r->link.next = (struct list *)vs->spare;
    vs->spare = r;
    vs->spare_count++;
}

static void region_release(struct vspace *vs, struct region *r)
{
    if (vs->spare_count >= SPARE_MAX)
        kmem_free_for(vs->owner, r, sizeof(*r));
    else
        spare_push(vs, r);
}

paddr_t vspace_table_alloc(struct arch_vspace *arch)
{
    struct vspace *vs = container_of(arch, struct vspace, arch);
    return frame_alloc_for(vs->owner, &vs->alloc_err);
}

void vspace_table_free(struct arch_vspace *arch, paddr_t pa)
{
    frame_free_for(container_of(arch, struct vspace, arch)->owner, pa);
}

long vspace_init(struct vspace *vs, struct process *owner)
{
    memset(vs, 0, sizeof(*vs));
    list_init(&vs->regions);
    vs->owner = owner;
    vs->alloc_err = VOS_ERR_RESOURCE_EXHAUSTED; /* an arch out of ASIDs fails without allocating */
    xlat_invalidate(vs); /* nothing remembered yet */
    return arch_vspace_init(&vs->arch) ? vs->alloc_err : VOS_OK;
}

static struct region *next_region(struct vspace *vs, struct region *r)
{
    return r->link.next == &vs->regions ? NULL : container_of(r->link.next, struct region, link);
}

/* The region before the list position at (a region's link, or the list head for "the end"). */
static struct region *region_before(struct vspace *vs, struct list *at)
{
    return at->prev == &vs->regions ? NULL : container_of(at->prev, struct region, link);
}

/*
 * The first region ending above va: the one containing va, or else the
 * first one after it (NULL if none).  Regions are sorted and disjoint, so
 * if the hint starts at or below va, neither it nor anything before it can
 * be the answer unless the hint contains va.
 */
static struct region *first_ending_above(struct vspace *vs, uaddr_t va)
{
    struct list *it = vs->regions.next;
    struct region *h = vs->hint;
    if (h && h->start <= va) {
        if (va < h->end)
            return h;
        it = h->link.next;
    }
    for (; it != &vs->regions; it = it->next) {
        struct region *r = container_of(it, struct region, link);
        if (va < r->end)
            return r;
    }
    return NULL;
}

struct region *vspace_find(struct vspace *vs, uaddr_t va)
{
    struct region *r = first_ending_above(vs, va);
    if (!r || va < r->start)
        return NULL;
    vs->hint = r;
    return r;
}

static bool valid_range(uaddr_t va, uint64_t len)
{
    return !((va | len) & (PAGE_SIZE - 1)) && len && va >= PAGE_SIZE && va < ARCH_USER_TOP &&
           len <= ARCH_USER_TOP - va;
}

static void unmap_pages(struct vspace *vs, struct region *r, uaddr_t start, uaddr_t end)
{
    xlat_invalidate(vs); /* pages and the region may go: what was remembered of them goes */
    for (uaddr_t va = start; va < end && r->mapped_max; va += PAGE_SIZE) {
        paddr_t pa = arch_vspace_unmap(&vs->arch, va);
        if (pa)
            r->mapped_max--;
        if (pa && !r->backing) {
            frame_free_for(vs->owner, pa);
            vs->anon_pages--;
        }
    }
}

/*
 * r is going and leaves the gap (prev's end, next's start): the tables of
 * every whole ARCH_TABLE_SPAN block of it that r touched go too.
 */
static __attribute__((noinline)) void prune_tables(struct vspace *vs, struct region *r, struct region *prev,
                                                   struct region *next)
{
    uaddr_t lo = prev ? prev->end : 0, hi = next ? next->start : ARCH_USER_TOP;
    uaddr_t start = MAX(ALIGN_UP(lo, ARCH_TABLE_SPAN), ALIGN_DOWN(r->start, ARCH_TABLE_SPAN));
    uaddr_t end = MIN(ALIGN_DOWN(hi, ARCH_TABLE_SPAN), ALIGN_UP(r->end, ARCH_TABLE_SPAN));
    if (start < end)
        arch_vspace_prune(&vs->arch, start, end, lo, hi);
}

/* Unmap and forget r; its tables go too unless the whole space is going (arch_vspace_destroy frees them). */
static void region_free(struct vspace *vs, struct region *r, bool prune)
{
    unmap_pages(vs, r, r->start, r->end);
    struct region *prev = region_before(vs, &r->link);
    /*
     * Usually the region before ends in the block where r ends: r lies in
     * that one block, which stays in use, and nothing can be pruned (with
     * no region before, lo - 1 wraps and never matches).
     */
    uaddr_t lo = prev ? prev->end : 0;
    if (prune && ((lo - 1) ^ (r->end - 1)) >= ARCH_TABLE_SPAN)
        prune_tables(vs, r, prev, next_region(vs, r));
    vs->hint = prev; /* where the next mmap will likely look */
    list_del(&r->link);
    if (r->backing)
        object_put(&r->backing->obj);
    region_release(vs, r);
}

void vspace_unmap_backing(struct vspace *vs, const struct memobj *backing)
{
    struct list *it, *tmp;
    list_for_each_safe(it, tmp, &vs->regions) {
        struct region *r = container_of(it, struct region, link);
        if (r->backing == backing) {
            xlat_invalidate(vs); /* the pages go: what was remembered of them goes */
            region_free(vs, r, true);
        }
    }
}

void vspace_destroy(struct vspace *vs)
{
    while (!list_empty(&vs->regions))
        region_free(vs, list_first(&vs->regions, struct region, link), false);
    arch_vspace_destroy(&vs->arch);
    while (vs->spare) {
        struct region *r = vs->spare;
        vs->spare = (struct region *)r->link.next;
        kmem_free_for(vs->owner, r, sizeof(*r));
    }
    vs->spare_count = 0;
    xlat_invalidate(vs); /* nothing of the space is remembered past it */
}

/* Back one page of r at va: a fresh frame, or the memory object's. */
static long populate_page(struct vspace *vs, struct region *r, uaddr_t va)
{
    paddr_t pa;
    if (r->backing) {
        pa = memobj_frame(r->backing, (r->backing_off + (va - r->start)) / PAGE_SIZE);
        if (arch_vspace_map(&vs->arch, va, pa, r->prot))
            return vs->alloc_err;
        r->mapped_max++;
        return VOS_OK;
    }
    if (!(pa = frame_alloc_for(vs->owner, &vs->alloc_err)))
        return vs->alloc_err;
    if (arch_vspace_map(&vs->arch, va, pa, r->prot)) {
        frame_free_for(vs->owner, pa);
        return vs->alloc_err;
    }
    vs->anon_pages++;
    r->mapped_max++;
    return VOS_OK;
}

/* Back every page of the new region r now, or undo it. */
static __attribute__((noinline)) long populate_region(struct vspace *vs, struct region *r)
{
    for (uaddr_t p = r->start; p < r->end; p += PAGE_SIZE) {
        long err = populate_page(vs, r, p);
        if (err) {
            region_free(vs, r, true);
            return err;
        }
    }
    return VOS_OK;
}

/*
 * vspace_map with no spare record: get one from kmem, then map.  The record
 * goes on the spare list whatever SPARE_MAX is (region_release would give it
 * back to kmem at SPARE_MAX 0, and the map would come here again for ever).
 */
static __attribute__((noinline)) long map_refill(struct vspace *vs, uaddr_t va, uint64_t len, unsigned prot,
                                                 unsigned max_prot, struct memobj *backing, uint64_t backing_off,
                                                 bool populate)
{
    struct region *r = kmem_alloc_for(vs->owner, sizeof(*r), &vs->alloc_err);
    if (!r)
        return vs->alloc_err;
    spare_push(vs, r);
    return vspace_map(vs, va, len, prot, max_prot, backing, backing_off, populate);
}

/*
 * The calls are kept off the usual path (a lazy anonymous region, a spare
 * record at hand): the slow cases return through a tail call, so that path
 * saves no registers.
 */
long vspace_map(struct vspace *vs, uaddr_t va, uint64_t len, unsigned prot, unsigned max_prot,
                struct memobj *backing, uint64_t backing_off, bool populate)
{
    if (!valid_range(va, len))
        return VOS_ERR_INVALID_ADDRESS;
    if (!vs->spare)
        return map_refill(vs, va, len, prot, max_prot, backing, backing_off, populate);
    /* Everything before next ends at or below va: only next can overlap. */
    struct region *next = first_ending_above(vs, va);
    if (next && next->start < va + len)
        return VOS_ERR_ALREADY_EXISTS;
    struct region *r = region_alloc(vs);
    if (backing && memobj_is_device(backing)) {
        prot |= ARCH_PROT_DEVICE; /* kept through mprotect; never executable (mmap.c) */
        max_prot |= ARCH_PROT_DEVICE;
    }
    *r = (struct region){ .start = va, .end = va + len, .prot = prot, .max_prot = max_prot,
                          .backing = backing, .backing_off = backing_off };
    if (backing)
        object_get(&backing->obj);
    list_add_tail(next ? &next->link : &vs->regions, &r->link); /* before next */
    vs->hint = r; /* a first touch usually follows */
    /* Shared memory is always mapped at once: its frames exist already. */
    return populate || backing ? populate_region(vs, r) : VOS_OK;
}

/* Cut r (start < va < end) in two at va: the new second half, or NULL (vs->alloc_err says why). */
static struct region *split(struct vspace *vs, struct region *r, uaddr_t va)
{
    struct region *tail = region_alloc(vs);
    if (!tail)
        return NULL;
    *tail = *r;
    tail->start = va;
    tail->backing_off = r->backing_off + (va - r->start);
    if (tail->backing)
        object_get(&tail->backing->obj);
    r->end = va;
    list_add_tail(r->link.next, &tail->link); /* right after r */
    return tail;
}

/* Make a region boundary at va, if va falls inside one. */
static long split_at(struct vspace *vs, uaddr_t va)
{
    struct region *r = vspace_find(vs, va);
    return !r || r->start == va || split(vs, r, va) ? VOS_OK : vs->alloc_err;
}

long vspace_unmap(struct vspace *vs, uaddr_t va, uint64_t len)
{
    if (!valid_range(va, len))
        return VOS_ERR_INVALID_ADDRESS;
    uaddr_t end = va + len;
    /* Both cuts first, so that running out of memory changes nothing mapped. */
    struct region *r = first_ending_above(vs, va);
    if (r && r->start < va && !(r = split(vs, r, va)))
        return vs->alloc_err;
    for (struct region *s = r; s && s->start < end; s = next_region(vs, s)) {
        if (s->end > end && !split(vs, s, end))
            return vs->alloc_err;
    }
    while (r && r->start < end) {
        struct region *next = next_region(vs, r);
        region_free(vs, r, true);
        r = next;
    }
    return VOS_OK;
}

long vspace_protect(struct vspace *vs, uaddr_t va, uint64_t len, unsigned prot)
{
    if (!valid_range(va, len))
        return VOS_ERR_INVALID_ADDRESS;
    for (uaddr_t a = va; a < va + len;) {
        struct region *r = vspace_find(vs, a);
        if (!r)
            return VOS_ERR_INVALID_ADDRESS; /* a hole */
        if (prot & ~r->max_prot)
            return VOS_ERR_PERMISSION_DENIED;
        a = r->end;
    }
    long err = split_at(vs, va);
    if (!err)
        err = split_at(vs, va + len);
    if (err)
        return err;
    for (uaddr_t a = va; a < va + len;) {
        struct region *r = vspace_find(vs, a);
        xlat_invalidate(vs); /* r may lose a permission: what was remembered of it goes */
        r->prot = prot | (r->prot & ARCH_PROT_DEVICE);
        for (uaddr_t p = r->start; p < r->end && r->mapped_max; p += PAGE_SIZE)
            arch_vspace_protect(&vs->arch, p, r->prot); /* absent lazy pages: nothing to change */
        a = r->end;
    }
    return VOS_OK;
}

uaddr_t vspace_find_free(struct vspace *vs, uint64_t len)
{
    uaddr_t candidate = MMAP_BASE;
    struct region *r = first_ending_above(vs, candidate);
    struct region *before = region_before(vs, r ? &r->link : &vs->regions); /* ends at or below candidate */
    for (; r && r->start < candidate + len; r = next_region(vs, r)) {
        candidate = r->end;
        before = r;
    }
    if (before)
        vs->hint = before; /* the map that follows inserts right after it */
    return candidate + len <= ARCH_USER_TOP && candidate + len > candidate ? candidate : 0;
}

long vspace_fault(struct vspace *vs, uaddr_t va, unsigned access, uint64_t *reason)
{
    struct region *r = va < ARCH_USER_TOP ? vspace_find(vs, va) : NULL;
    *reason = VOS_EXIT_PAGE_FAULT;
    if (!r)
        return VOS_ERR_INVALID_ADDRESS;
    if (!(r->prot & access)) {
        *reason = VOS_EXIT_PROTECTION_FAULT;
        return VOS_ERR_PERMISSION_DENIED;
    }
    if (r->mapped_max && arch_vspace_lookup(&vs->arch, ALIGN_DOWN(va, PAGE_SIZE), NULL, NULL))
        return VOS_ERR_INVALID_ADDRESS; /* mapped and allowed, yet it faulted: not ours to fix */
    return populate_page(vs, r, ALIGN_DOWN(va, PAGE_SIZE));
}

/*
 * Copy between kernel memory and user pages through the direct map.  need
 * is the user permission the access requires (0 for the loader, which may
 * fill read-only pages).  Lazy pages are filled in as a user access would.
 */
static long user_access(struct vspace *vs, uaddr_t va, void *kbuf, uint64_t n, bool to_user, unsigned need)
{
    char *k = kbuf;
    if (va >= ARCH_USER_TOP || n > ARCH_USER_TOP - va)
        return VOS_ERR_INVALID_ADDRESS;
    while (n) {
        paddr_t pa;
        unsigned prot;
        uaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
        if (!arch_vspace_lookup(&vs->arch, page, &pa, &prot)) {
            struct region *r = vspace_find(vs, page);
            if (!r || (r->prot & (need | ARCH_PROT_DEVICE)) != need || populate_page(vs, r, page) ||
                !arch_vspace_lookup(&vs->arch, page, &pa, &prot))
                return VOS_ERR_INVALID_ADDRESS;
        }
        if ((prot & (need | ARCH_PROT_DEVICE)) != need)
            return VOS_ERR_INVALID_ADDRESS; /* or device registers: never through the direct map */
        uint64_t off = va & (PAGE_SIZE - 1), chunk = MIN(n, PAGE_SIZE - off);
        char *p = (char *)arch_phys_to_virt(pa) + off;
        if (to_user)
            memcpy(p, k, chunk);
        else
            memcpy(k, p, chunk);
        k += chunk;
        va += chunk;
        n -= chunk;
    }
    return VOS_OK;
}

long vspace_read(struct vspace *vs, void *dst, uaddr_t src, uint64_t n)
{
    return user_access(vs, src, dst, n, false, VOS_PROT_READ);
}

long vspace_write(struct vspace *vs, uaddr_t dst, const void *src, uint64_t n)
{
    return user_access(vs, dst, (void *)src, n, true, VOS_PROT_WRITE);
}

long vspace_fill(struct vspace *vs, uaddr_t dst, const void *src, uint64_t n)
{
    return user_access(vs, dst, (void *)src, n, true, 0);
}
