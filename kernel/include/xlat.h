/*
 * xlat.h — what the kernel remembers about user address spaces
 * (kernel/xlat.c): translations of user pages to their direct-map
 * addresses, per address space (vspace.xlat), and the receive buffer last
 * found writable, per thread.
 *
 * Invariant: every remembered answer is still true.  A present page's
 * frame and permissions, and a region's existence and permissions, change
 * only by unmapping or protecting, and vspace.c calls xlat_invalidate
 * inside those operations (unmap_pages, the protect loop, and the unmap of
 * a memory object's mappings), the one invalidation point: it forgets the
 * space's translations and bumps vspace.shrinks, which a remembered range
 * carries; mapping more never makes an answer wrong.  Only user pages
 * (below ARCH_USER_TOP) are remembered: a hit also says the address is a
 * user one.
 */
#pragma once

#include "vspace.h"

struct process;

/* vs may have lost a mapping or a permission: every answer remembered for it is stale. */
static inline void xlat_invalidate(struct vspace *vs)
{
    for (unsigned i = 0; i < XLAT_ENTRIES; i++)
        vs->xlat[i].page = XLAT_EMPTY;
    vs->shrinks++;
}

/*
 * vspace_direct (va's direct-map address if its page is present with the
 * single permission need, else NULL) remembering the last pages read and
 * written, four each, by page number: IPC copies and spilled syscall
 * arguments touch the same buffers call after call, and a hit costs a few
 * instructions instead of a page-table walk.  The miss is out of line.
 */
void *process_direct_miss(struct process *p, uaddr_t va, unsigned need);
/* Where va's answer would be remembered, and whether it is (then va + delta is its direct-map address). */
static inline unsigned xlat_index(uaddr_t va, unsigned need)
{
    return (need == VOS_PROT_WRITE) * 4 + ((va / PAGE_SIZE) & 3);
}
static inline const struct xlat *xlat_entry(const struct xlat *xlat, uaddr_t va, unsigned need)
{
    return &xlat[xlat_index(va, need)];
}
static inline bool xlat_hit(const struct xlat *x, uaddr_t va)
{
    return x->page == va / PAGE_SIZE; /* the page number: one shift, no mask to make */
}
/* Only the remembered answer: NULL when it would take a walk. */
static inline void *xlat_lookup(const struct vspace *vs, uaddr_t va, unsigned need)
{
    const struct xlat *x = xlat_entry(vs->xlat, va, need);
    return xlat_hit(x, va) ? (char *)(va + x->delta) : NULL;
}

/*
 * A range found mapped writable (the receive buffer a server passes call
 * after call), while vspace.shrinks is still `shrinks`.
 */
struct checked_range {
    uaddr_t va;
    uint64_t len, shrinks;
};
/* ipc_check_range(vs, va, n, WRITE), remembering a success in *c (the miss is out of line). */
long checked_range_write_miss(struct checked_range *c, struct vspace *vs, uaddr_t va, uint64_t n);
static inline long checked_range_write(struct checked_range *c, struct vspace *vs, uaddr_t va, uint64_t n)
{
    if (va == c->va && n == c->len && vs->shrinks == c->shrinks)
        return VOS_OK;
    return checked_range_write_miss(c, vs, va, n);
}
