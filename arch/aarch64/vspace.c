/*
 * User address spaces: three-level 4 KiB-granule tables under TTBR0
 * (39-bit, walk from level 1), tagged with an ASID so switching needs no
 * TLB flush.  Leaf entries remember the VOS_PROT_* they were given in
 * software bits, so lookup returns exactly that.
 */
#include <arch.h>
#include <vos/abi.h>
#include "aarch64.h"

#define PTE_ADDR 0x0000fffffffff000ul
#define PROT_MASK (VOS_PROT_READ | VOS_PROT_WRITE | VOS_PROT_EXEC)

/* ---- ASIDs: 0 is never given out (boot and empty TTBR0). ---- */

static uint64_t asid_used[65536 / 64];
static unsigned asid_count, asid_next = 1;

void aarch64_asid_init(void)
{
    unsigned bits = (read_sysreg(id_aa64mmfr0_el1) >> 4) & 0xf;
    asid_count = bits == 2 ? 65536 : 256; /* must agree with TCR.AS set in boot.S */
}

static int asid_alloc(void)
{
    for (unsigned n = 1; n < asid_count; n++) {
        unsigned a = asid_next;
        asid_next = asid_next + 1 < asid_count ? asid_next + 1 : 1;
        if (!(asid_used[a / 64] & (1ul << (a % 64)))) {
            asid_used[a / 64] |= 1ul << (a % 64);
            return a;
        }
    }
    return -1;
}

/* ---- tables ---- */

static uint64_t *table_of(uint64_t desc)
{
    return arch_phys_to_virt(desc & PTE_ADDR);
}

/* Level-3 entry for va, allocating the tables on the way if asked. */
static uint64_t *walk(struct arch_vspace *vs, uaddr_t va, bool alloc)
{
    uint64_t *t = arch_phys_to_virt(vs->root);
    for (int shift = 30; shift > 12; shift -= 9) {
        uint64_t *e = &t[(va >> shift) & 511];
        if (!(*e & PTE_VALID)) {
            if (!alloc)
                return 0;
            paddr_t pa = vspace_table_alloc(vs);
            if (!pa)
                return 0;
            *e = pa | PTE_VALID | PTE_TABLE;
        }
        t = table_of(*e);
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

#define PTE_SW_DEVICE (UL(1) << (PTE_SW_SHIFT + 3)) /* the fourth software bit: ARCH_PROT_DEVICE */

static uint64_t leaf(paddr_t pa, unsigned prot)
{
    if (prot & ARCH_PROT_DEVICE) /* Device-nGnRnE, never executable */
        return pa | PTE_VALID | PTE_TABLE | PTE_ATTR_DEV | PTE_AF | PTE_NG | PTE_PXN | PTE_UXN | PTE_SW_DEVICE |
               (uint64_t)(prot & (VOS_PROT_READ | VOS_PROT_WRITE)) << PTE_SW_SHIFT |
               (prot & VOS_PROT_WRITE ? PTE_AP_EL0 : prot & VOS_PROT_READ ? PTE_AP_EL0 | PTE_AP_RO : 0);
    uint64_t pte = pa | PTE_VALID | PTE_TABLE | PTE_ATTR_MEM | PTE_SH_INNER | PTE_AF | PTE_NG |
                   PTE_PXN | (uint64_t)(prot & PROT_MASK) << PTE_SW_SHIFT;
    if (prot & VOS_PROT_WRITE)
        pte |= PTE_AP_EL0;
    else if (prot & (VOS_PROT_READ | VOS_PROT_EXEC))
        pte |= PTE_AP_EL0 | PTE_AP_RO;
    if (!(prot & VOS_PROT_EXEC))
        pte |= PTE_UXN;
    return pte;
}

static void flush_page(struct arch_vspace *vs, uaddr_t va)
{
    uint64_t arg = vs->asid << 48 | (va >> 12 & 0xfffffffffful);
    __asm__ volatile("dsb ishst; tlbi vale1is, %0; dsb ish; isb" ::"r"(arg) : "memory");
}

int arch_vspace_init(struct arch_vspace *vs)
{
    vs->root = vs->ttbr0 = 0;
    int asid = asid_alloc();
    if (asid < 0)
        return -1;
    vs->asid = asid;
    vs->root = vspace_table_alloc(vs);
    if (!vs->root) {
        asid_used[asid / 64] &= ~(1ul << (asid % 64));
        return -1;
    }
    vs->ttbr0 = vs->root | vs->asid << 48;
    return 0;
}

/*
 * Tables under t (at level 1, the root, to 2; entry i maps the span at
 * base + i * span) for [start, end): free those wholly inside [lo, hi).
 * Dropping a table descriptor needs a by-ASID invalidation, which also
 * drops walk-cache entries, before the table's frame can be reused.
 */
static void prune(struct arch_vspace *vs, uint64_t *t, int level, uaddr_t base, uaddr_t start, uaddr_t end,
                  uaddr_t lo, uaddr_t hi)
{
    uint64_t span = PAGE_SIZE << (9 * (3 - level));
    for (uaddr_t va = start & ~(span - 1); va < end; va += span) {
        uint64_t *e = &t[((va - base) / span) & 511];
        if (!(*e & PTE_VALID))
            continue;
        bool whole = va >= lo && va + span <= hi;
        if (level < 2)
            prune(vs, table_of(*e), level + 1, va, start > va ? start : va, end < va + span ? end : va + span,
                  lo, hi);
        if (whole) {
            paddr_t pa = *e & PTE_ADDR;
            *e = 0;
            __asm__ volatile("dsb ishst; tlbi aside1is, %0; dsb ish; isb" ::"r"(vs->asid << 48) : "memory");
            vspace_table_free(vs, pa);
        }
    }
}

void arch_vspace_prune(struct arch_vspace *vs, uaddr_t start, uaddr_t end, uaddr_t lo, uaddr_t hi)
{
    prune(vs, arch_phys_to_virt(vs->root), 1, 0, start, end, lo, hi);
}

void arch_vspace_destroy(struct arch_vspace *vs)
{
    if (!vs->root)
        return; /* never built, or destroyed already */
    /*
     * vs is not in TTBR0 (sched_leave_vspace), but arch_vspace_activate
     * leaves the switch away unsynchronized: until this isb a speculative
     * walk may still read the tables freed below.
     */
    __asm__ volatile("isb" ::: "memory");
    arch_vspace_prune(vs, 0, ARCH_USER_TOP, 0, ARCH_USER_TOP);
    vspace_table_free(vs, vs->root);
    /* The ASID may be reused at once: nothing of it may stay in the TLB. */
    __asm__ volatile("dsb ishst; tlbi aside1is, %0; dsb ish; isb" ::"r"(vs->asid << 48) : "memory");
    asid_used[vs->asid / 64] &= ~(1ul << (vs->asid % 64));
    vs->root = vs->ttbr0 = 0;
}

int arch_vspace_map(struct arch_vspace *vs, uaddr_t va, paddr_t pa, unsigned prot)
{
    uint64_t *pte = walk(vs, va, false);
    if (!pte)
        return map_create(vs, va, pa, prot);
    if (*pte & PTE_VALID) { /* break before make */
        *pte = 0;
        flush_page(vs, va);
    }
    *pte = leaf(pa, prot);
    __asm__ volatile("dsb ishst" ::: "memory");
    return 0;
}

paddr_t arch_vspace_unmap(struct arch_vspace *vs, uaddr_t va)
{
    uint64_t *pte = walk(vs, va, false);
    if (!pte || !(*pte & PTE_VALID))
        return 0;
    paddr_t old = *pte & PTE_ADDR;
    *pte = 0;
    flush_page(vs, va);
    return old;
}

int arch_vspace_protect(struct arch_vspace *vs, uaddr_t va, unsigned prot)
{
    uint64_t *pte = walk(vs, va, false);
    if (!pte || !(*pte & PTE_VALID))
        return -1;
    paddr_t pa = *pte & PTE_ADDR;
    *pte = 0;
    flush_page(vs, va);
    *pte = leaf(pa, prot);
    __asm__ volatile("dsb ishst" ::: "memory");
    return 0;
}

bool arch_vspace_lookup(struct arch_vspace *vs, uaddr_t va, paddr_t *pa, unsigned *prot)
{
    uint64_t *pte = walk(vs, va, false);
    if (!pte || !(*pte & PTE_VALID))
        return false;
    if (pa)
        *pa = *pte & PTE_ADDR;
    if (prot)
        *prot = ((*pte >> PTE_SW_SHIFT) & PROT_MASK) | (*pte & PTE_SW_DEVICE ? ARCH_PROT_DEVICE : 0);
    return true;
}

