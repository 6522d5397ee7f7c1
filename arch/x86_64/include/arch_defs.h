/*
 * arch_defs.h — x86_64 definitions the kernel core needs (see arch.h).
 */
#pragma once

#include <stdint.h>

#define ARCH_NAME "x86_64"
#define ARCH_ELF_MACHINE 62 /* EM_X86_64 */
#define ARCH_USER_TOP 0x0000800000000000ull

/* Index of the highest set bit of x (x != 0): the scheduler's priority pick. */
static inline unsigned arch_highest_bit(uint32_t x)
{
    return 31u - (unsigned)__builtin_clz(x);
}

/*
 * The saved user context.  The layout is the one an interrupt leaves on the
 * kernel stack once the entry stub has pushed vector and general registers
 * (hardware pushes ss..rip, the stub the rest), so one copy moves it into the
 * thread's frame.  trap.S hard-codes these offsets (TF_* in x86.h).
 */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector; /* how the thread entered: TF_VEC_SYSCALL or an IDT vector */
    uint64_t error;  /* exception error code, 0 if none */
    uint64_t rip, cs, rflags, rsp, ss;
    /* x87/SSE state (fxsave format), saved when an interrupt or exception
     * leaves user mode and restored by the iretq path.  syscall does not
     * save it: the kernel never touches these registers, but a thread that
     * blocks in a syscall may find another thread's values (README.md). */
    uint8_t fpu[512] __attribute__((aligned(16)));
};

struct arch_vspace {
    uint64_t pml4; /* physical address of the top-level table */
};

extern uint64_t x86_active_root; /* what CR3 holds: a CR3 load flushes the TLB, so never a needless one */
static inline void arch_vspace_activate(struct arch_vspace *vs)
{
    if (vs->pml4 != x86_active_root) {
        x86_active_root = vs->pml4;
        __asm__ volatile("mov %0, %%cr3" ::"r"(vs->pml4) : "memory");
    }
}
