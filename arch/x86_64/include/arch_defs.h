/*
 * arch_defs.h — x86_64 definitions the kernel core needs (see arch.h).
 */
#pragma once

#include <stdint.h>

#define ARCH_NAME "x86_64"
#define ARCH_ELF_MACHINE 62 /* EM_X86_64 */
/*
 * One page short of the lower canonical half: a syscall instruction can
 * then never end at 2^47, so every rip a syscall saves is canonical and
 * its return may take sysretq (which faults in ring 0 on a non-canonical
 * rip) without testing it (trap.S).
 */
#define ARCH_USER_TOP 0x00007ffffffff000ull

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
    /* x87/SSE state (fxsave format) while the thread is not pcpu.fpu_owner:
     * the registers are switched lazily, on the first use after a switch
     * (#NM with CR0.TS set; trap.S, "SSE state"). */
    uint8_t fpu[512] __attribute__((aligned(16)));
};

struct arch_vspace {
    uint64_t pml4; /* physical address of the top-level table */
};

/*
 * The kernel calls this only when the space changes (sched_use_vspace keeps
 * the active one), so it is the bare CR3 load the IPC fast path needs: no
 * test of its own, no copy of the root.  A CR3 load flushes the TLB, so
 * callers must keep it that way.
 */
static inline void arch_vspace_activate(struct arch_vspace *vs)
{
    __asm__ volatile("mov %0, %%cr3" ::"r"(vs->pml4) : "memory");
}

/*
 * The acknowledgement of a driver's interrupt line (arch.h, SYS_IRQ_ACK):
 * the IOAPIC's redirection entry unmasked, two stores (select its low
 * word, write it), made ready when the line is first held (devices.c).
 */
struct arch_irq_ack {
    volatile uint32_t *ioapic;
    uint32_t index, value;
};

static inline void arch_irq_ack(const struct arch_irq_ack *a)
{
    a->ioapic[0] = a->index;
    a->ioapic[4] = a->value;
}
