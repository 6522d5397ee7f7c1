/*
 * Page clearing.  `dc zva` zeroes one naturally aligned block (DCZID_EL0
 * gives its size, 64 bytes on Cortex-A72) in a single instruction, a
 * sixteenth of the stores a 4 KiB page otherwise takes.  DCZID_EL0.DZP set
 * means the instruction is prohibited: then pairs of zero registers are
 * stored instead.  The register is read on every call (one instruction), so
 * nothing has to be set up at boot.
 */
#include <arch.h>
#include "aarch64.h"

#define DCZID_DZP (1u << 4)

void arch_page_zero(void *page)
{
    uint64_t dczid = read_sysreg(dczid_el0);
    char *p = page, *end = p + PAGE_SIZE;
    if (dczid & DCZID_DZP) {
        for (; p < end; p += 64)
            __asm__ volatile("stp xzr, xzr, [%0]; stp xzr, xzr, [%0, #16]; stp xzr, xzr, [%0, #32]; "
                             "stp xzr, xzr, [%0, #48]" ::"r"(p)
                             : "memory");
        return;
    }
    uint64_t block = 4ul << (dczid & 15); /* DCZID_EL0.BS: log2 of the size in words */
    if (block == 64) { /* the usual size: sixteen blocks a round */
        while (p < end)
            __asm__ volatile(".rept 16\n\tdc zva, %0\n\tadd %0, %0, #64\n\t.endr" : "+r"(p) : : "memory");
        return;
    }
    for (; p < end; p += block)
        __asm__ volatile("dc zva, %0" ::"r"(p) : "memory");
}
