/*
 * vspace.c — simulated page tables: a four-level radix tree of 512-entry
 * tables (x86-64's shape, 48-bit addresses), every table one frame from
 * vspace_table_alloc() so the frame and quota accounting the tests check
 * is exact.
 *
 * An entry is a physical address with the low bits used for flags: bit 0
 * present, bits 1..3 the VOS_PROT_* bits of a leaf.  Nothing walks these
 * tables but this file; there is no TLB to flush.
 */
#include "kernel.h"

#define LEVELS 4
#define INDEX_BITS 9
#define ENTRIES (1u << INDEX_BITS)
#define PRESENT 1ull
#define PROT_SHIFT 1
#define ADDR_MASK (~(uint64_t)(PAGE_SIZE - 1))

_Static_assert(ENTRIES * sizeof(uint64_t) == PAGE_SIZE, "a table is one frame");
_Static_assert(ARCH_USER_TOP <= 1ull << (PAGE_SHIFT + LEVELS * INDEX_BITS), "the tree covers user space");

static struct arch_vspace *active;

static uint64_t *table(paddr_t pa) { return arch_phys_to_virt(pa); }

static unsigned index_at(uaddr_t va, int level) /* level 3 = top, 0 = leaf table */
{
    return (unsigned)(va >> (PAGE_SHIFT + INDEX_BITS * level)) & (ENTRIES - 1);
}

/* The leaf entry for va, creating missing tables if create; NULL if absent or out of memory. */
static uint64_t *walk(struct arch_vspace *vs, uaddr_t va, bool create)
{
    if (va >= ARCH_USER_TOP || (va & (PAGE_SIZE - 1)))
        panic("arch/host vspace: bad user address %#lx", (unsigned long)va);
    uint64_t *t = table(vs->root);
    for (int level = LEVELS - 1; level > 0; level--) {
        uint64_t *e = &t[index_at(va, level)];
        if (!(*e & PRESENT)) {
            paddr_t pa = create ? vspace_table_alloc(vs) : 0;
            if (!pa)
                return NULL;
            *e = pa | PRESENT;
        }
        t = table(*e & ADDR_MASK);
    }
    return &t[index_at(va, 0)];
}

int arch_vspace_init(struct arch_vspace *vs)
{
    vs->root = vspace_table_alloc(vs);
    return vs->root ? 0 : -1;
}

/* Tables under t (at level; entry i maps the span at base + i * span) for [start, end): free those inside [lo, hi). */
static void prune(struct arch_vspace *vs, uint64_t *t, int level, uaddr_t base, uaddr_t start, uaddr_t end,
                  uaddr_t lo, uaddr_t hi)
{
    uint64_t span = PAGE_SIZE << (INDEX_BITS * level);
    for (uaddr_t va = start & ~(span - 1); va < end; va += span) {
        uint64_t *e = &t[((va - base) / span) & (ENTRIES - 1)];
        if (!(*e & PRESENT))
            continue;
        bool whole = va >= lo && va + span <= hi;
        if (level > 1)
            prune(vs, table(*e & ADDR_MASK), level - 1, va, start > va ? start : va, end < va + span ? end : va + span,
                  lo, hi);
        if (whole) {
            paddr_t pa = *e & ADDR_MASK;
            *e = 0;
            vspace_table_free(vs, pa);
        }
    }
}

void arch_vspace_prune(struct arch_vspace *vs, uaddr_t start, uaddr_t end, uaddr_t lo, uaddr_t hi)
{
    if (start >= end || end > ARCH_USER_TOP || lo > start || hi < end || ((start | end | lo | hi) & (PAGE_SIZE - 1)))
        panic("arch/host vspace: bad prune [%#lx, %#lx) in [%#lx, %#lx)", (unsigned long)start, (unsigned long)end,
              (unsigned long)lo, (unsigned long)hi);
    prune(vs, table(vs->root), LEVELS - 1, 0, start, end, lo, hi);
}

void arch_vspace_destroy(struct arch_vspace *vs)
{
    if (!vs->root)
        return; /* never built, or destroyed already */
    if (active == vs)
        panic("arch/host vspace: destroying the active address space");
    arch_vspace_prune(vs, 0, ARCH_USER_TOP, 0, ARCH_USER_TOP);
    vspace_table_free(vs, vs->root);
    vs->root = 0;
}

int arch_vspace_map(struct arch_vspace *vs, uaddr_t va, paddr_t pa, unsigned prot)
{
    uint64_t *e = walk(vs, va, true);
    if (!e)
        return -1;
    *e = (pa & ADDR_MASK) | (uint64_t)(prot & (VOS_PROT_MASK | ARCH_PROT_DEVICE)) << PROT_SHIFT | PRESENT;
    return 0;
}

paddr_t arch_vspace_unmap(struct arch_vspace *vs, uaddr_t va)
{
    uint64_t *e = walk(vs, va, false);
    if (!e || !(*e & PRESENT))
        return 0;
    paddr_t pa = *e & ADDR_MASK;
    *e = 0;
    return pa;
}

int arch_vspace_protect(struct arch_vspace *vs, uaddr_t va, unsigned prot)
{
    uint64_t *e = walk(vs, va, false);
    if (!e || !(*e & PRESENT))
        return -1;
    *e = (*e & ADDR_MASK) | (uint64_t)(prot & (VOS_PROT_MASK | ARCH_PROT_DEVICE)) << PROT_SHIFT | PRESENT;
    return 0;
}

bool arch_vspace_lookup(struct arch_vspace *vs, uaddr_t va, paddr_t *pa, unsigned *prot)
{
    uint64_t *e = walk(vs, va, false);
    if (!e || !(*e & PRESENT))
        return false;
    if (pa) /* NULL from vspace_present, which asks only whether it is there */
        *pa = *e & ADDR_MASK;
    if (prot)
        *prot = (unsigned)(*e >> PROT_SHIFT) & (VOS_PROT_MASK | ARCH_PROT_DEVICE);
    return true;
}

void arch_vspace_activate(struct arch_vspace *vs)
{
    active = vs;
}

/* For cpu.c: the space user threads run in now. */
struct arch_vspace *host_active_vspace(void)
{
    return active;
}
