/*
 * vspace.c — user address spaces.
 *
 * Invariants:
 *  - regions are disjoint, page aligned and sorted;
 *  - a page is mapped in the arch tables only inside a region, with the
 *    region's prot; anonymous pages are charged to the owner's quota and
 *    freed on unmap; backed pages belong to their memory object;
 *  - no page is ever writable and executable (W^X, checked by callers).
 */
#include "memobj.h"
#include "memory.h"
#include "object.h"
#include "vspace.h"

long vspace_init(struct vspace *vs, struct process *owner)
{
    list_init(&vs->regions);
    vs->owner = owner;
    vs->anon_pages = 0;
    vs->shrinks = 0;
    return arch_vspace_init(&vs->arch) ? VOS_ERR_OUT_OF_MEMORY : VOS_OK;
}

struct region *vspace_find(struct vspace *vs, uaddr_t va)
{
    struct list *it, *tmp;
    list_for_each_safe(it, tmp, &vs->regions) {
        struct region *r = container_of(it, struct region, link);
        if (va < r->start)
            break;
        if (va < r->end)
            return r;
    }
    return NULL;
}

static bool valid_range(uaddr_t va, uint64_t len)
{
    return !((va | len) & (PAGE_SIZE - 1)) && len && va >= PAGE_SIZE && va < ARCH_USER_TOP &&
           len <= ARCH_USER_TOP - va;
}

static void unmap_pages(struct vspace *vs, struct region *r, uaddr_t start, uaddr_t end)
{
    for (uaddr_t va = start; va < end; va += PAGE_SIZE) {
        paddr_t pa = arch_vspace_unmap(&vs->arch, va);
        if (pa && !r->backing) {
            frame_free(pa);
            vs->anon_pages--;
            quota_release(vs->owner, PAGE_SIZE);
        }
    }
}

static void region_free(struct vspace *vs, struct region *r)
{
    unmap_pages(vs, r, r->start, r->end);
    list_del(&r->link);
    if (r->backing)
        object_put(&r->backing->obj);
    kmem_free(r, sizeof(*r));
}

void vspace_destroy(struct vspace *vs)
{
    while (!list_empty(&vs->regions))
        region_free(vs, list_first(&vs->regions, struct region, link));
    arch_vspace_destroy(&vs->arch);
}

static bool overlaps(struct vspace *vs, uaddr_t start, uaddr_t end)
{
    struct list *it, *tmp;
    list_for_each_safe(it, tmp, &vs->regions) {
        struct region *r = container_of(it, struct region, link);
        if (start < r->end && r->start < end)
            return true;
    }
    return false;
}

static void insert_sorted(struct vspace *vs, struct region *n)
{
    struct list *it, *tmp;
    list_for_each_safe(it, tmp, &vs->regions) {
        if (container_of(it, struct region, link)->start > n->start)
            break;
    }
    list_add_tail(it, &n->link); /* before the first later one */
}

/* Back one page of r at va: a fresh frame, or the memory object's. */
static long populate_page(struct vspace *vs, struct region *r, uaddr_t va)
{
    paddr_t pa;
    if (r->backing) {
        pa = memobj_frame(r->backing, (r->backing_off + (va - r->start)) / PAGE_SIZE);
        return arch_vspace_map(&vs->arch, va, pa, r->prot) ? VOS_ERR_OUT_OF_MEMORY : VOS_OK;
    }
    long err = quota_charge(vs->owner, PAGE_SIZE);
    if (err)
        return err;
    if (!(pa = frame_alloc()) || arch_vspace_map(&vs->arch, va, pa, r->prot)) {
        if (pa)
            frame_free(pa);
        quota_release(vs->owner, PAGE_SIZE);
        return VOS_ERR_OUT_OF_MEMORY;
    }
    vs->anon_pages++;
    return VOS_OK;
}

long vspace_map(struct vspace *vs, uaddr_t va, uint64_t len, unsigned prot, unsigned max_prot,
                struct memobj *backing, uint64_t backing_off, bool populate)
{
    if (!valid_range(va, len))
        return VOS_ERR_INVALID_ADDRESS;
    if (overlaps(vs, va, va + len))
        return VOS_ERR_ALREADY_EXISTS;
    struct region *r = kmem_alloc(sizeof(*r));
    if (!r)
        return VOS_ERR_OUT_OF_MEMORY;
    *r = (struct region){ .start = va, .end = va + len, .prot = prot, .max_prot = max_prot,
                          .backing = backing, .backing_off = backing_off };
    if (backing)
        object_get(&backing->obj);
    insert_sorted(vs, r);
    /* Shared memory is always mapped at once: its frames exist already. */
    if (populate || backing) {
        for (uaddr_t p = va; p < va + len; p += PAGE_SIZE) {
            long err = populate_page(vs, r, p);
            if (err) {
                region_free(vs, r);
                return err;
            }
        }
    }
    return VOS_OK;
}

/* Make a region boundary at va, if va falls inside one. */
static long split_at(struct vspace *vs, uaddr_t va)
{
    struct region *r = vspace_find(vs, va);
    if (!r || r->start == va)
        return VOS_OK;
    struct region *tail = kmem_alloc(sizeof(*tail));
    if (!tail)
        return VOS_ERR_OUT_OF_MEMORY;
    *tail = *r;
    tail->start = va;
    tail->backing_off = r->backing_off + (va - r->start);
    if (tail->backing)
        object_get(&tail->backing->obj);
    r->end = va;
    list_add_tail(r->link.next, &tail->link); /* right after r */
    return VOS_OK;
}

long vspace_unmap(struct vspace *vs, uaddr_t va, uint64_t len)
{
    if (!valid_range(va, len))
        return VOS_ERR_INVALID_ADDRESS;
    long err = split_at(vs, va);
    if (!err)
        err = split_at(vs, va + len);
    if (err)
        return err;
    vs->shrinks++;
    struct list *it, *tmp;
    list_for_each_safe(it, tmp, &vs->regions) {
        struct region *r = container_of(it, struct region, link);
        if (r->start >= va && r->end <= va + len)
            region_free(vs, r);
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
    vs->shrinks++;
    for (uaddr_t a = va; a < va + len;) {
        struct region *r = vspace_find(vs, a);
        r->prot = prot;
        for (uaddr_t p = r->start; p < r->end; p += PAGE_SIZE)
            arch_vspace_protect(&vs->arch, p, prot); /* absent lazy pages: nothing to change */
        a = r->end;
    }
    return VOS_OK;
}

uaddr_t vspace_find_free(struct vspace *vs, uint64_t len)
{
    uaddr_t candidate = MMAP_BASE;
    struct list *it, *tmp;
    list_for_each_safe(it, tmp, &vs->regions) {
        struct region *r = container_of(it, struct region, link);
        if (r->end <= candidate)
            continue;
        if (r->start >= candidate + len)
            break;
        candidate = r->end;
    }
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
    paddr_t pa;
    unsigned prot;
    if (arch_vspace_lookup(&vs->arch, ALIGN_DOWN(va, PAGE_SIZE), &pa, &prot))
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
            if (!r || (r->prot & need) != need || populate_page(vs, r, page) ||
                !arch_vspace_lookup(&vs->arch, page, &pa, &prot))
                return VOS_ERR_INVALID_ADDRESS;
        }
        if ((prot & need) != need)
            return VOS_ERR_INVALID_ADDRESS;
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
