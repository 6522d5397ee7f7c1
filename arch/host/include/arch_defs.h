/*
 * host definitions the kernel core needs (see kernel/include/arch.h).
 *
 * The "registers" are those spec/arch.yaml names for host: the number in
 * nr, arguments in a0..a5, results in r0..r3.  A user thread is a host
 * function running on its own stack (arch/host/cpu.c); pc is that
 * function and sp the top of its stack until it first runs.
 */
#pragma once

#include <stdint.h>

struct host_uctx;

struct trap_frame {
    uint64_t nr;
    uint64_t a0, a1, a2, a3, a4, a5;
    uint64_t r0, r1, r2, r3;
    uint64_t m0, m1, m2, m3, m4, m5, m6, m7; /* the message registers */
    uint64_t pc, sp;
    struct host_uctx *uctx; /* the host context running this thread; NULL before it first runs */
};

struct arch_vspace {
    uint64_t root; /* physical address of the top table (arch/host/vspace.c) */
};
void arch_vspace_activate(struct arch_vspace *vs);

#define ARCH_NAME "host"
#if defined(__x86_64__)
#define ARCH_ELF_MACHINE 62 /* EM_X86_64 */
#elif defined(__aarch64__)
#define ARCH_ELF_MACHINE 183 /* EM_AARCH64 */
#elif defined(__riscv) && __riscv_xlen == 64
#define ARCH_ELF_MACHINE 243 /* EM_RISCV */
#else
#error "arch/host: unsupported host"
#endif
/*
 * User memory is mapped at the host address of its frames (tests/host),
 * so every host user-space address must be a valid user address: 47 bits
 * covers Linux's lower half on x86-64 and 48-bit arm64/riscv64 hosts' mmaps.
 */
#define ARCH_USER_TOP 0x800000000000ull

/* Index of the highest set bit of x (x != 0): the scheduler's priority pick. */
static inline unsigned arch_highest_bit(uint32_t x)
{
    return 31u - (unsigned)__builtin_clz(x);
}

/* The acknowledgement of a driver's interrupt line (arch.h): the simulated controller unmasks it (machine.c). */
struct arch_irq_ack {
    unsigned line;
};

void arch_irq_unmask(unsigned line);
static inline void arch_irq_ack(const struct arch_irq_ack *a)
{
    arch_irq_unmask(a->line);
}
