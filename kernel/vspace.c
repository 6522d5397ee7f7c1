/*
 * vspace.c — user address spaces.
 *
 * The arch page tables say what is mapped; the region list says what the
 * process asked for, so teardown frees exactly the frames it owned and
 * faults can tell "unmapped" from "not allowed".  Frames of anonymous
 * regions are owned by the space and freed when unmapped.
 */
#include "memory.h"
#include "vspace.h"

long vspace_init(struct vspace *vs)
{
    list_init(&vs->regions);
    vs->mapped_pages = 0;
    return arch_vspace_init(&vs->arch) ? VOS_ERR_OUT_OF_MEMORY : VOS_OK;
}

struct region *vspace_find(struct vspace *vs, uaddr_t va)
{
    struct list *it, *tmp;
    list_for_each_safe(it, tmp, &vs->regions) {
        struct region *r = container_of(it, struct region, link);
        if (va >= r->start && va < r->end)
            return r;
    }
    return NULL;
}

static void unmap_pages(struct vspace *vs, uaddr_t start, uaddr_t end)
{
    for (uaddr_t va = start; va < end; va += PAGE_SIZE) {
        paddr_t pa = arch_vspace_unmap(&vs->arch, va);
        if (pa) {
            frame_free(pa);
            vs->mapped_pages--;
        }
    }
}

void vspace_destroy(struct vspace *vs)
{
    struct list *it, *tmp;
    list_for_each_safe(it, tmp, &vs->regions) {
        struct region *r = container_of(it, struct region, link);
        unmap_pages(vs, r->start, r->end);
        list_del(&r->link);
        kmem_free(r, sizeof(*r));
    }
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
        if (container_of(it, struct region, link)->start > n->start) {
            list_add_tail(it, &n->link); /* before it */
            return;
        }
    }
    list_add_tail(&vs->regions, &n->link);
}

long vspace_map_anon(struct vspace *vs, uaddr_t va, uint64_t len, unsigned prot)
{
    if ((va | len) & (PAGE_SIZE - 1) || len == 0 || va < PAGE_SIZE || va >= ARCH_USER_TOP ||
        len > ARCH_USER_TOP - va)
        return VOS_ERR_INVALID_ADDRESS;
    if (overlaps(vs, va, va + len))
        return VOS_ERR_ALREADY_EXISTS;
    struct region *r = kmem_alloc(sizeof(*r));
    if (!r)
        return VOS_ERR_OUT_OF_MEMORY;
    r->start = va;
    r->end = va + len;
    r->prot = prot;
    for (uaddr_t p = va; p < va + len; p += PAGE_SIZE) {
        paddr_t pa = frame_alloc();
        if (!pa || arch_vspace_map(&vs->arch, p, pa, prot)) {
            if (pa)
                frame_free(pa);
            unmap_pages(vs, va, p);
            kmem_free(r, sizeof(*r));
            return VOS_ERR_OUT_OF_MEMORY;
        }
        vs->mapped_pages++;
    }
    insert_sorted(vs, r);
    return VOS_OK;
}

/*
 * Copy between kernel memory and user pages, page by page through the
 * direct map.  need is the user permission the access requires (0 for the
 * loader, which may write read-only pages it is filling).
 */
static long user_access(struct vspace *vs, uaddr_t va, void *kbuf, uint64_t n, bool to_user, unsigned need)
{
    char *k = kbuf;
    if (va >= ARCH_USER_TOP || n > ARCH_USER_TOP - va)
        return VOS_ERR_INVALID_ADDRESS;
    while (n) {
        paddr_t pa;
        unsigned prot;
        if (!arch_vspace_lookup(&vs->arch, ALIGN_DOWN(va, PAGE_SIZE), &pa, &prot) || (prot & need) != need)
            return VOS_ERR_INVALID_ADDRESS;
        uint64_t off = va & (PAGE_SIZE - 1), chunk = MIN(n, PAGE_SIZE - off);
        char *page = (char *)arch_phys_to_virt(pa) + off;
        if (to_user)
            memcpy(page, k, chunk);
        else
            memcpy(k, page, chunk);
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
