/*
 * vspace.c — simulated page tables: a four-level radix tree of 512-entry
 * tables (x86-64's shape, 48-bit addresses), every table one frame from
 * frame_alloc() so the frame accounting the tests check is exact.
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
            paddr_t pa = create ? frame_alloc() : 0;
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
    vs->root = frame_alloc();
    return vs->root ? 0 : -1;
}

static void free_tables(paddr_t pa, int level)
{
    uint64_t *t = table(pa);
    for (unsigned i = 0; level > 0 && i < ENTRIES; i++)
        if (t[i] & PRESENT)
            free_tables(t[i] & ADDR_MASK, level - 1);
    frame_free(pa);
}

void arch_vspace_destroy(struct arch_vspace *vs)
{
    if (active == vs)
        panic("arch/host vspace: destroying the active address space");
    if (!vs->root) /* arch_vspace_init failed: nothing was made (issue 15, defect 1) */
        return;
    free_tables(vs->root, LEVELS - 1);
    vs->root = 0;
}

int arch_vspace_map(struct arch_vspace *vs, uaddr_t va, paddr_t pa, unsigned prot)
{
    uint64_t *e = walk(vs, va, true);
    if (!e)
        return -1;
    *e = (pa & ADDR_MASK) | (uint64_t)(prot & VOS_PROT_MASK) << PROT_SHIFT | PRESENT;
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
    *e = (*e & ADDR_MASK) | (uint64_t)(prot & VOS_PROT_MASK) << PROT_SHIFT | PRESENT;
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
        *prot = (unsigned)(*e >> PROT_SHIFT) & VOS_PROT_MASK;
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
