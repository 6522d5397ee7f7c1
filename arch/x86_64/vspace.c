/*
 * vspace.c — 4-level page tables for user address spaces.  The kernel half
 * (PML4 slots 256-511) is copied from the boot-built table; its PDPTs were
 * all allocated at boot, so these slots never change afterwards.
 */
#include <arch.h>
#include <vos/abi.h>

#include "x86.h"

void *arch_phys_to_virt(paddr_t pa) { return (void *)(pa + DIRECT_BASE); }

paddr_t arch_virt_to_phys(const void *va)
{
    uint64_t a = (uint64_t)va;
    return a >= KERNEL_VBASE ? a - KERNEL_VBASE : a - DIRECT_BASE;
}

static uint64_t *table(uint64_t entry) { return arch_phys_to_virt(entry & PTE_ADDR); }

#define LOWER_HALF_END (1ull << 47) /* what PML4 slots 0-255 map */

/* The leaf entry for va, creating missing tables if asked (NULL on OOM or
 * when absent).  Upper levels allow everything; the leaf decides. */
static uint64_t *walk(struct arch_vspace *vs, uaddr_t va, bool create)
{
    if (va >= ARCH_USER_TOP) /* the kernel half has large pages and is shared */
        return NULL;
    uint64_t *t = arch_phys_to_virt(vs->pml4);
    for (int shift = 39; shift > 12; shift -= 9) {
        uint64_t *e = &t[(va >> shift) & 511];
        if (!(*e & PTE_P)) {
            if (!create)
                return NULL;
            paddr_t pa = vspace_table_alloc(vs);
            if (!pa)
                return NULL;
            *e = pa | PTE_P | PTE_W | PTE_U;
        }
        t = table(*e);
    }
    return &t[(va >> 12) & 511];
}

/*
 * arch_vspace_map with tables missing on the way down: make them, then map.
 * Out of line and reached by a tail call, so that mapping into existing
 * tables (the usual case) saves no registers.
 */
static __attribute__((noinline)) int map_create(struct arch_vspace *vs, uaddr_t va, paddr_t pa, unsigned prot)
{
    if (!walk(vs, va, true))
        return -1;
    return arch_vspace_map(vs, va, pa, prot);
}

/* x86 cannot express write-only or execute-only: both are readable.  No
 * access at all is a non-present entry that remembers its frame. */
static uint64_t make_pte(paddr_t pa, unsigned prot)
{
    uint64_t device = prot & ARCH_PROT_DEVICE ? PTE_DEVICE | PTE_PCD | PTE_PWT | PTE_NX : 0;
    if (!(prot & (VOS_PROT_READ | VOS_PROT_WRITE | VOS_PROT_EXEC)))
        return pa | PTE_NONE | (device & PTE_DEVICE);
    uint64_t e = pa | PTE_P | PTE_U | device;
    if (prot & VOS_PROT_WRITE)
        e |= PTE_W;
    if (!(prot & VOS_PROT_EXEC))
        e |= PTE_NX;
    return e;
}

static bool mapped(uint64_t e) { return e & (PTE_P | PTE_NONE); }

/* Other address spaces hold no TLB entries for user pages: every CR3 load
 * flushes non-global ones.  CR3 says which is active (no PCID bits). */
static void flush(struct arch_vspace *vs, uaddr_t va)
{
    if (vs->pml4 == read_cr3())
        invlpg(va);
}

int arch_vspace_init(struct arch_vspace *vs)
{
    paddr_t pa = vspace_table_alloc(vs);
    vs->pml4 = 0;
    if (!pa)
        return -1;
    uint64_t *t = arch_phys_to_virt(pa), *k = arch_phys_to_virt(kernel_pml4);
    for (unsigned i = 256; i < 512; i++)
        t[i] = k[i];
    vs->pml4 = pa;
    return 0;
}

/*
 * Tables under t (level 4 is the PML4; entry i maps the span at base +
 * i * span) for [start, end): free those wholly inside [lo, hi).  invlpg
 * drops every paging-structure cache entry, so one per freed table, before
 * its frame is reused, is enough (an inactive space caches nothing).
 */
static void prune(struct arch_vspace *vs, uint64_t *t, int level, uaddr_t base, uaddr_t start, uaddr_t end,
                  uaddr_t lo, uaddr_t hi)
{
    uint64_t span = PAGE_SIZE << (9 * (level - 1));
    for (uaddr_t va = start & ~(span - 1); va < end; va += span) {
        uint64_t *e = &t[((va - base) / span) & 511];
        if (!(*e & PTE_P))
            continue;
        bool whole = va >= lo && va + span <= hi;
        if (level > 2)
            prune(vs, table(*e), level - 1, va, start > va ? start : va, end < va + span ? end : va + span, lo, hi);
        if (whole) {
            paddr_t pa = *e & PTE_ADDR;
            *e = 0;
            flush(vs, va);
            vspace_table_free(vs, pa);
        }
    }
}

void arch_vspace_prune(struct arch_vspace *vs, uaddr_t start, uaddr_t end, uaddr_t lo, uaddr_t hi)
{
    prune(vs, arch_phys_to_virt(vs->pml4), 4, 0, start, end, lo, hi);
}

void arch_vspace_destroy(struct arch_vspace *vs)
{
    if (!vs->pml4)
        return; /* never built, or destroyed already */
    if (vs->pml4 == read_cr3())
        write_cr3(kernel_pml4);
    /* The whole lower half: ARCH_USER_TOP stops a page short of it, and the last tables span that page too. */
    arch_vspace_prune(vs, 0, LOWER_HALF_END, 0, LOWER_HALF_END);
    vspace_table_free(vs, vs->pml4);
    vs->pml4 = 0;
}

int arch_vspace_map(struct arch_vspace *vs, uaddr_t va, paddr_t pa, unsigned prot)
{
    uint64_t *e = walk(vs, va, false);
    if (!e)
        return map_create(vs, va, pa, prot);
    bool was = mapped(*e);
    *e = make_pte(pa, prot);
    if (was)
        flush(vs, va);
    return 0;
}

paddr_t arch_vspace_unmap(struct arch_vspace *vs, uaddr_t va)
{
    uint64_t *e = walk(vs, va, false);
    if (!e || !mapped(*e))
        return 0;
    paddr_t pa = *e & PTE_ADDR;
    *e = 0;
    flush(vs, va);
    return pa;
}

int arch_vspace_protect(struct arch_vspace *vs, uaddr_t va, unsigned prot)
{
    uint64_t *e = walk(vs, va, false);
    if (!e || !mapped(*e))
        return -1;
    *e = make_pte(*e & PTE_ADDR, prot);
    flush(vs, va);
    return 0;
}

bool arch_vspace_lookup(struct arch_vspace *vs, uaddr_t va, paddr_t *pa, unsigned *prot)
{
    uint64_t *e = walk(vs, va, false);
    if (!e || !mapped(*e))
        return false;
    if (pa)
        *pa = *e & PTE_ADDR;
    if (prot) {
        unsigned p = 0;
        if (*e & PTE_P)
            p = VOS_PROT_READ | (*e & PTE_W ? VOS_PROT_WRITE : 0) | (*e & PTE_NX ? 0 : VOS_PROT_EXEC);
        *prot = p | (*e & PTE_DEVICE ? ARCH_PROT_DEVICE : 0);
    }
    return true;
}

