/*
 * riscv64 definitions the kernel core needs (see kernel/include/arch.h).
 *
 * The trap frame stores x1..x31 in register-number order, so the assembly
 * in entry.S can address register xN at (N-1)*8.  Keep the two in step.
 * The FRAME_* offsets the assembly uses are checked in trap.c.
 */
#define FRAME_SEPC (31 * 8)
#define FRAME_KSTACK (35 * 8)
#define FRAME_STATUS (36 * 8)
#define FRAME_F (37 * 8)
#define FRAME_FCSR (69 * 8)
#define FRAME_SIZE (71 * 8)

#ifndef __ASSEMBLER__
#pragma once

#include <stdint.h>

struct trap_frame {
    uint64_t ra, sp, gp, tp;                 /* x1..x4 */
    uint64_t t0, t1, t2;                     /* x5..x7 */
    uint64_t s0, s1;                         /* x8, x9 */
    uint64_t a0, a1, a2, a3, a4, a5, a6, a7; /* x10..x17 */
    uint64_t s2, s3, s4, s5, s6, s7, s8, s9, s10, s11; /* x18..x27 */
    uint64_t t3, t4, t5, t6;                 /* x28..x31 */
    uint64_t sepc;                           /* user pc to resume at */
    uint64_t sstatus;                        /* as saved at the trap, for dumps */
    uint64_t scause, stval;                  /* filled on the slow path only */
    uint64_t kstack;                         /* the kernel stack's top: syscall entry loads sp from here */
    /* The sstatus every way into user mode writes (entry.S): SPIE, UXL,
     * and FS, which is on (Dirty) while the thread owns the FP registers
     * and Off otherwise (floating point is switched lazily: fp.c); VS
     * likewise for the vector unit (vector.c).
     * f0..f31 and fcsr are here while it does not own them. */
    uint64_t status;
    uint64_t f[32];
    uint64_t fcsr;
    /* The vector registers and CSRs while the thread does not own the unit
     * (VS in status, switched like FS: vector.c); NULL until its first
     * vector instruction. */
    struct riscv_vstate *vstate;
};

struct arch_vspace {
    uint64_t root;  /* physical address of the Sv39 root table */
    uint64_t satp;  /* Sv39 mode, the ASID, root's page number: what activating it writes */
    uint16_t asid;  /* 0 when the hart has no ASIDs left for us */
};

/* Without an ASID every switch flushes. */
static inline void arch_vspace_activate(struct arch_vspace *vs)
{
    __asm__ volatile("csrw satp, %0" ::"r"(vs->satp) : "memory");
    if (vs->asid == 0)
        __asm__ volatile("sfence.vma" ::: "memory");
}

#define ARCH_NAME "riscv64"
#define ARCH_ELF_MACHINE 243 /* EM_RISCV */
#define ARCH_USER_TOP 0x4000000000ull /* Sv39 lower half: 256 GiB */

/*
 * Index of the highest set bit of x (x != 0): the scheduler's priority
 * pick.  rv64imac has no clz (that is Zbb), and the compiler's generic
 * expansion is ~30 instructions; halving down to a nibble and a 2-bit
 * packed table is ~12.
 */
static inline unsigned arch_highest_bit(uint32_t x)
{
    unsigned n = 0;
    if (x >> 16) { n += 16; x >>= 16; }
    if (x >> 8) { n += 8; x >>= 8; }
    if (x >> 4) { n += 4; x >>= 4; }
    return n + ((0xffffaa50u >> (x * 2)) & 3); /* highest bit of 0..15, 2 bits each */
}

/*
 * The acknowledgement of a driver's interrupt line (arch.h, SYS_IRQ_ACK):
 * one 32-bit store, made ready when the line is first held.  The PLIC: the
 * line's source number to this hart's claim/complete register, which
 * completes it (a taken line stays in service until then: machine.c).
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
