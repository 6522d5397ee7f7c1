/*
 * aarch64 definitions for kernel/include/arch.h.  See arch/aarch64/README.md.
 */
#pragma once

#define ARCH_NAME "aarch64"
#define ARCH_ELF_MACHINE 183 /* EM_AARCH64 */

/* TTBR0 covers 39 bits (T0SZ = 25, three levels of 4 KiB tables). */
#define ARCH_USER_TOP (1ull << 39)

#define TF_SP_EL0 248
#define TF_ELR 256
#define TF_SPSR 264
#define TF_CPACR 288
#define TF_FPCR 296
#define TF_Q 320
#define TF_SIZE 832

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Index of the highest set bit of x (x != 0): the scheduler's priority pick. */
static inline unsigned arch_highest_bit(uint32_t x)
{
    return 31u - (unsigned)__builtin_clz(x);
}

/*
 * Saved user context.  entry.S stores x0..x30 as an array, then sp_el0,
 * elr and spsr; the offsets are fixed by the TF_* constants above and
 * checked with _Static_assert in trap.c (fp.S uses TF_CPACR..TF_Q).  esr/far are filled only on
 * non-syscall traps, for dumps.  While the thread runs, SP_EL1 points at
 * its frame (entry.S), hence the stack-like alignment.
 */
struct __attribute__((aligned(16))) trap_frame {
    union {
        uint64_t x[31];
        struct {
            uint64_t x0, x1, x2, x3, x4, x5, x6, x7, x8, x9;
            uint64_t x10, x11, x12, x13, x14, x15, x16, x17, x18, x19;
            uint64_t x20, x21, x22, x23, x24, x25, x26, x27, x28, x29;
            uint64_t x30;
        };
    };
    uint64_t sp_el0;
    uint64_t elr;
    uint64_t spsr;
    uint64_t esr;
    uint64_t far;
    /* FP/SIMD, switched lazily (fp.c): cpacr is the CPACR_EL1 value the
     * thread runs with, FPEN = 11 while it owns the FP/SIMD registers and
     * 00 (EL0 and EL1 trap) otherwise; fpcr, fpsr and q0..q31 are here
     * while it does not own them. */
    uint64_t cpacr;
    uint64_t fpcr, fpsr;
    uint64_t pad;
    uint64_t q[64]; /* q<n> in q[2n] (low half) and q[2n + 1] */
};

struct arch_vspace {
    uint64_t ttbr0; /* root | asid << 48: what arch_vspace_activate writes */
    uint64_t root;  /* physical address of the level-1 table */
    uint64_t asid;
};

/*
 * TTBR0_EL1: the table and the ASID (bits 63:48), precomputed.  No isb:
 * EL1 never translates through TTBR0 (the kernel reaches user memory
 * through the direct map, usercopy.h), and the eret to EL0 is a context
 * synchronization event (SCTLR_EL1.EOS is set, aarch64.h), so user code
 * runs on the new table.  Freeing the tables of one just left needs the
 * switch synchronized first: arch_vspace_destroy has the isb.
 */
static inline void arch_vspace_activate(struct arch_vspace *vs)
{
    __asm__ volatile("msr ttbr0_el1, %0" ::"r"(vs->ttbr0) : "memory");
}

/*
 * The acknowledgement of a driver's interrupt line (arch.h, SYS_IRQ_ACK):
 * one 32-bit store, made ready when the line is first held.  The GIC: the
 * line's bit to its distributor ISENABLER word, which unmasks it (timer.c).
 */
struct arch_irq_ack {
    volatile uint32_t *reg;
    uint32_t value;
};

static inline void arch_irq_ack(const struct arch_irq_ack *a)
{
    *a->reg = a->value;
}
#endif
