/*
 * Sv39 address spaces.  The upper half (the direct map, which contains the
 * kernel) is the boot root's: every new root copies its entries 256..511,
 * which never change after boot.  User pages are 4 KiB leaves with U set
 * and A/D preset, so the hart never needs to update them.
 */
#include <arch.h>
#include <vos/abi.h>

#include "riscv.h"

extern uint64_t boot_root[512];

static unsigned asid_limit; /* ASIDs 1..asid_limit-1 are ours to hand out */
static unsigned asid_next = 1;

void *arch_phys_to_virt(paddr_t pa)
{
    return (void *)(uintptr_t)(pa + KERNEL_VOFF);
}

paddr_t arch_virt_to_phys(const void *va)
{
    return (uintptr_t)va - KERNEL_VOFF;
}

static inline uint64_t *table(paddr_t pa)
{
    return arch_phys_to_virt(pa);
}

static inline paddr_t pte_pa(uint64_t pte)
{
    return (pte >> 10) << 12;
}

static inline uint64_t pa_pte(paddr_t pa)
{
    return (pa >> 12) << 10;
}

static inline void flush_page(const struct arch_vspace *vs, uaddr_t va)
{
    __asm__ volatile("sfence.vma %0, %1" ::"r"(va), "r"((uint64_t)vs->asid) : "memory");
}

void riscv_vm_init(void)
{
    /* The identity gigapage was only for turning paging on. */
    for (int i = 0; i < 256; i++)
        boot_root[i] = 0;
    __asm__ volatile("sfence.vma" ::: "memory");

    /* Probe the ASID width: satp's ASID field reads back what it holds. */
    uint64_t satp = csr_read(satp);
    csr_write(satp, satp | (0xffffull << 44));
    uint64_t bits = (csr_read(satp) >> 44) & 0xffff;
    csr_write(satp, satp);
    __asm__ volatile("sfence.vma" ::: "memory");
    asid_limit = (unsigned)bits + 1;
}

int arch_vspace_init(struct arch_vspace *vs)
{
    paddr_t root = vspace_table_alloc(vs);
    vs->root = 0;
    if (!root)
        return -1;
    uint64_t *t = table(root);
    for (int i = 256; i < 512; i++)
        t[i] = boot_root[i];
    vs->root = root;
    /* ASIDs are never reused; once they run out, ASID 0 with full flushes. */
    vs->asid = asid_next < asid_limit ? (uint16_t)asid_next++ : 0;
    vs->satp = SATP_SV39 | (uint64_t)vs->asid << 44 | vs->root >> 12;
    return 0;
}

/* The level-0 entry for va, allocating intermediate tables if asked. */
static uint64_t *walk(struct arch_vspace *vs, uaddr_t va, bool alloc)
{
    uint64_t *t = table(vs->root);
    for (int level = 2; level > 0; level--) {
        uint64_t *e = &t[(va >> (12 + 9 * level)) & 511];
        if (!(*e & PTE_V)) {
            paddr_t pa = alloc ? vspace_table_alloc(vs) : 0;
            if (!pa)
                return 0;
            *e = pa_pte(pa) | PTE_V;
        }
        t = table(pte_pa(*e));
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

static uint64_t prot_bits(unsigned prot)
{
    uint64_t b = 0;
    /* Sv39 has no write-only pages: W implies R. */
    if (prot & (VOS_PROT_READ | VOS_PROT_WRITE))
        b |= PTE_R | PTE_A;
    if (prot & VOS_PROT_WRITE)
        b |= PTE_W | PTE_D;
    if (prot & VOS_PROT_EXEC && !(prot & ARCH_PROT_DEVICE))
        b |= PTE_X | PTE_A;
    if (prot & ARCH_PROT_DEVICE)
        b |= PTE_DEVICE;
    return b & ~PTE_DEVICE ? b | PTE_V | PTE_U : b | PTE_NOACCESS;
}

int arch_vspace_map(struct arch_vspace *vs, uaddr_t va, paddr_t pa, unsigned prot)
{
    uint64_t *e = walk(vs, va, false);
    if (!e)
        return map_create(vs, va, pa, prot);
    *e = pa_pte(pa) | prot_bits(prot);
    flush_page(vs, va);
    return 0;
}

static inline bool present(uint64_t pte)
{
    return pte & (PTE_V | PTE_NOACCESS);
}

paddr_t arch_vspace_unmap(struct arch_vspace *vs, uaddr_t va)
{
    uint64_t *e = walk(vs, va, false);
    if (!e || !present(*e))
        return 0;
    paddr_t pa = pte_pa(*e);
    *e = 0;
    flush_page(vs, va);
    return pa;
}

int arch_vspace_protect(struct arch_vspace *vs, uaddr_t va, unsigned prot)
{
    uint64_t *e = walk(vs, va, false);
    if (!e || !present(*e))
        return -1;
    *e = pa_pte(pte_pa(*e)) | prot_bits(prot);
    flush_page(vs, va);
    return 0;
}

bool arch_vspace_lookup(struct arch_vspace *vs, uaddr_t va, paddr_t *pa, unsigned *prot)
{
    uint64_t *e = walk(vs, va, false);
    if (!e || !present(*e))
        return false;
    if (pa)
        *pa = pte_pa(*e);
    if (prot)
        *prot = (*e & PTE_R ? VOS_PROT_READ : 0) | (*e & PTE_W ? VOS_PROT_WRITE : 0) |
                (*e & PTE_X ? VOS_PROT_EXEC : 0) | (*e & PTE_DEVICE ? ARCH_PROT_DEVICE : 0);
    return true;
}

void arch_vspace_destroy(struct arch_vspace *vs)
{
    if (!vs->root)
        return; /* never built, or destroyed already */
    /* Never free the table the hart is walking. */
    if ((csr_read(satp) & ((1ull << 44) - 1)) == vs->root >> 12)
        csr_write(satp, SATP_SV39 | arch_virt_to_phys(boot_root) >> 12);
    arch_vspace_prune(vs, 0, ARCH_USER_TOP, 0, ARCH_USER_TOP);
    vspace_table_free(vs, vs->root);
    __asm__ volatile("sfence.vma zero, %0" ::"r"((uint64_t)vs->asid) : "memory");
    vs->root = 0;
}

/*
 * Tables under t (at level, 2 being the root's; entry i maps the span at
 * base + i * span) for [start, end): free those wholly inside [lo, hi).
 * A freed table may sit in the hart's walk cache, and only a fence of the
 * whole ASID drops non-leaf entries: it comes before the frame is reused.
 */
static void prune(struct arch_vspace *vs, uint64_t *t, int level, uaddr_t base, uaddr_t start, uaddr_t end,
                  uaddr_t lo, uaddr_t hi)
{
    uint64_t span = PAGE_SIZE << (9 * level);
    for (uaddr_t va = start & ~(span - 1); va < end; va += span) {
        uint64_t *e = &t[((va - base) / span) & 511];
        if (!(*e & PTE_V))
            continue;
        bool whole = va >= lo && va + span <= hi;
        if (level > 1)
            prune(vs, table(pte_pa(*e)), level - 1, va, start > va ? start : va, end < va + span ? end : va + span,
                  lo, hi);
        if (whole) {
            paddr_t pa = pte_pa(*e);
            *e = 0;
            __asm__ volatile("sfence.vma zero, %0" ::"r"((uint64_t)vs->asid) : "memory");
            vspace_table_free(vs, pa);
        }
    }
}

void arch_vspace_prune(struct arch_vspace *vs, uaddr_t start, uaddr_t end, uaddr_t lo, uaddr_t hi)
{
    prune(vs, table(vs->root), 2, 0, start, end, lo, hi);
}
