/* cycles.c — the user-readable counter behind vos_cycles(), per arch. */
#include <vos/libsys.h>

uint64_t vos_cycles(void)
{
    uint64_t v;
#if defined(__riscv)
    __asm__ volatile("rdinstret %0" : "=r"(v));
#elif defined(__aarch64__)
    __asm__ volatile("isb; mrs %0, pmccntr_el0" : "=r"(v));
#elif defined(__x86_64__)
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    v = (uint64_t)hi << 32 | lo;
#else
#error "vos_cycles: no counter for this architecture"
#endif
    return v;
}
