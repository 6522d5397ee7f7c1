/*
 * Page clearing.  Under QEMU's instruction count every iteration of
 * `rep stosq` is an instruction, so it is no cheaper than 512 `mov`s.
 * Wider stores are: CLZERO (AMD, CPUID 8000_0008h EBX bit 0) zeroes a whole
 * 64-byte cache line, and without it 16-byte SSE stores halve the count.
 * The kernel is built without SSE and user SSE state stays live in the
 * registers across syscalls (switched lazily, see trap.S), so the SSE path
 * saves the one register it uses and puts it back, with CR0.TS lifted
 * meanwhile and then restored (the registers may be another thread's).
 */
#include <arch.h>
#include "x86.h"

static int has_clzero = -1; /* -1: not asked yet */

static bool cpu_has_clzero(void)
{
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0));
    if (a < 0x80000008u)
        return false;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000008u), "c"(0));
    return b & 1;
}

/* CLZERO takes its address in rax; it is weakly ordered, hence the sfence. */
static void zero_clzero(char *p)
{
    for (char *end = p + PAGE_SIZE; p < end;)
        __asm__ volatile(".rept 8\n\t.byte 0x0f, 0x01, 0xfc\n\tadd $64, %0\n\t.endr" : "+a"(p) : : "memory", "cc");
    __asm__ volatile("sfence" ::: "memory");
}

static void zero_sse(char *p)
{
    uint8_t saved[16] __attribute__((aligned(16)));
    uint64_t cr0;
    __asm__ volatile("mov %%cr0, %0; clts" : "=r"(cr0) : : "memory");
    __asm__ volatile("movaps %%xmm0, %0; xorps %%xmm0, %%xmm0" : "=m"(saved));
    for (char *end = p + PAGE_SIZE; p < end; p += 1024) /* 64 stores a round */
        __asm__ volatile(".set off, 0\n\t.rept 64\n\tmovaps %%xmm0, off(%0)\n\t.set off, off + 16\n\t.endr"
                         ::"r"(p) : "memory");
    __asm__ volatile("movaps %0, %%xmm0" ::"m"(saved));
    if (cr0 & CR0_TS)
        __asm__ volatile("mov %0, %%cr0" ::"r"(cr0) : "memory");
}

void arch_page_zero(void *page)
{
    if (has_clzero < 0)
        has_clzero = cpu_has_clzero();
    if (has_clzero)
        zero_clzero(page);
    else
        zero_sse(page);
}

/*
 * The kernel's memcpy for large copies (arch.h): the whole words of a copy
 * whose two ends are both word aligned, with the string instruction (the
 * direction flag cleared: an interrupt does not clear it); memcpy does
 * anything else.
 */
size_t arch_memcpy_bulk(void *dst, const void *src, size_t n)
{
    if (((uintptr_t)dst | (uintptr_t)src) & 7)
        return 0;
    size_t words = n / 8;
    __asm__ volatile("cld; rep movsq" : "+D"(dst), "+S"(src), "+c"(words) : : "memory", "cc");
    return n & ~(size_t)7;
}
