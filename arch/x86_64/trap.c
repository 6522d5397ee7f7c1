/*
 * trap.c — dispatch of IDT traps (trap.S builds the frame) and the user
 * context helpers.
 */
#include <arch.h>
#include <vos/abi.h>

#include "x86.h"
#include "syscall_asm.h" /* its FRAME_<reg> offsets (trap.S) are checked against struct trap_frame there */

enum {
    EXC_DE = 0, EXC_DB = 1, EXC_BP = 3, EXC_UD = 6, EXC_GP = 13, EXC_PF = 14, EXC_AC = 17,
};

#define PF_PRESENT 0x01
#define PF_WRITE 0x02
#define PF_FETCH 0x10

_Noreturn void x86_user_trap(const struct trap_frame *tf);
void x86_kernel_trap(struct trap_frame *tf);

/* trap.S addresses the frame's other words by these offsets. */
_Static_assert(offsetof(struct trap_frame, vector) == TF_VECTOR, "TF_VECTOR");
_Static_assert(offsetof(struct trap_frame, error) == TF_ERROR, "TF_ERROR");
_Static_assert(offsetof(struct trap_frame, rip) == TF_RIP, "TF_RIP");
_Static_assert(offsetof(struct trap_frame, cs) == TF_CS, "TF_CS");
_Static_assert(offsetof(struct trap_frame, rflags) == TF_RFLAGS, "TF_RFLAGS");
_Static_assert(offsetof(struct trap_frame, rsp) == TF_RSP, "TF_RSP");
_Static_assert(offsetof(struct trap_frame, ss) == TF_SS, "TF_SS");
_Static_assert(offsetof(struct trap_frame, fpu) == TF_FPU, "TF_FPU");
_Static_assert(offsetof(struct percpu, scratch) == PCPU_SCRATCH, "PCPU_SCRATCH");
_Static_assert(offsetof(struct percpu, fpu_owner) == PCPU_FPU_OWNER, "PCPU_FPU_OWNER");

static bool is_pic_vector(uint64_t v) { return v >= VEC_PIC_BASE && v < VEC_PIC_BASE + 16; }

/* From ring 3: tf is on the kernel stack (its first TF_SIZE bytes only);
 * the thread's own frame is pcpu.frame, the one arch_enter_user last got. */
_Noreturn void x86_user_trap(const struct trap_frame *tf)
{
    struct trap_frame *f = pcpu.frame;
    const uint64_t *src = (const uint64_t *)tf;
    volatile uint64_t *dst = (volatile uint64_t *)f; /* volatile: no memcpy call */
    for (unsigned i = 0; i < TF_SIZE / 8; i++) /* all but fpu, saved by trap.S */
        dst[i] = src[i];

    switch (f->vector) {
    case EXC_PF: {
        unsigned access = f->error & PF_FETCH   ? VOS_PROT_EXEC
                          : f->error & PF_WRITE ? VOS_PROT_WRITE
                                                : VOS_PROT_READ;
        kernel_entry_page_fault(f, read_cr2(), access);
    }
    case EXC_UD:
        kernel_entry_exception(f, VOS_EXIT_ILLEGAL_INSTRUCTION, f->rip);
    case EXC_AC:
        kernel_entry_exception(f, VOS_EXIT_ALIGNMENT_FAULT, f->rip);
    case EXC_BP:
    case EXC_DB:
        kernel_entry_exception(f, VOS_EXIT_BREAKPOINT, f->rip);
    case VEC_TIMER:
        lapic_eoi();
        kernel_entry_interrupt(f, IRQ_TIMER);
    }
    if (f->vector >= VEC_IRQ_BASE && f->vector < VEC_IRQ_BASE + IOAPIC_LINES)
        kernel_entry_interrupt(f, x86_irq_take((unsigned)f->vector - VEC_IRQ_BASE));
    if (f->vector == VEC_SPURIOUS || is_pic_vector(f->vector))
        arch_enter_user(f); /* nothing to acknowledge */
    if (f->vector >= 32) {
        lapic_eoi();
        kernel_entry_interrupt(f, IRQ_OTHER);
    }
    /* #GP (privileged instruction, non-canonical address), #DE, x87/SSE... */
    kernel_entry_exception(f, VOS_EXIT_KILLED, f->vector);
}

/* From ring 0: an interrupt that woke arch_idle_wait() is acknowledged and
 * returns there; anything else is a kernel bug. */
void x86_kernel_trap(struct trap_frame *tf)
{
    if (tf->vector >= VEC_IRQ_BASE && tf->vector < VEC_IRQ_BASE + IOAPIC_LINES) {
        unsigned source = x86_irq_take((unsigned)tf->vector - VEC_IRQ_BASE);
        if (source >= IRQ_LINE_BASE)
            irq_fire(source - IRQ_LINE_BASE);
        return;
    }
    if (tf->vector >= 32) {
        if (tf->vector != VEC_SPURIOUS && !is_pic_vector(tf->vector))
            lapic_eoi();
        return;
    }
    uint64_t cr2 = read_cr2(), cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    /* A protection fault on a present user page: SMEP (fetch) or SMAP at work. */
    if (tf->vector == EXC_PF && (tf->error & PF_PRESENT) && cr2 < ARCH_USER_TOP) {
        if ((tf->error & PF_FETCH) && (cr4 & CR4_SMEP))
            panic_user_access(tf, cr2, VOS_PROT_EXEC, "SMEP");
        if (!(tf->error & PF_FETCH) && (cr4 & CR4_SMAP))
            panic_user_access(tf, cr2, tf->error & PF_WRITE ? VOS_PROT_WRITE : VOS_PROT_READ, "SMAP");
    }
    panic_frame(tf, "CPU exception %lu in kernel mode: error %#lx, rip %#lx, cr2 %#lx",
                tf->vector, tf->error, tf->rip, cr2);
}

void arch_idle_wait(void)
{
    /* sti's one-instruction delay makes sti; hlt atomic: an interrupt that
     * is already pending wakes the hlt rather than slipping in before it. */
    __asm__ volatile("sti; hlt; cli" ::: "memory");
}

void arch_frame_init(struct trap_frame *f, uaddr_t pc, uaddr_t sp, uint64_t arg)
{
    arch_frame_release(f); /* its SSE state is the one below, not the registers' */
    *f = (struct trap_frame){0};
    f->rip = pc;
    /* Enter as if called: the System V ABI wants rsp + 8 aligned at a
     * function's first instruction (thread entries are plain C functions;
     * crt0 realigns for itself). */
    f->rsp = sp - 8;
    f->rdi = arg;
    f->rflags = 0x202; /* IF */
    f->cs = GDT_UCODE;
    f->ss = GDT_UDATA;
    f->vector = TF_VEC_SYSCALL; /* sysretq is fine (nothing in rcx/r11); SSE state from f->fpu */
    f->fpu[0] = 0x7f;           /* FCW 0x037f: x87 exceptions masked */
    f->fpu[1] = 0x03;
    f->fpu[24] = 0x80;          /* MXCSR 0x1f80: SSE exceptions masked */
    f->fpu[25] = 0x1f;
}

uaddr_t arch_frame_pc(const struct trap_frame *f) { return f->rip; }

void arch_frame_dump(const struct trap_frame *f)
{
    kprintf("  rip %016lx  rsp %016lx  rflags %016lx\n", f->rip, f->rsp, f->rflags);
    kprintf("  rax %016lx  rbx %016lx  rcx %016lx\n", f->rax, f->rbx, f->rcx);
    kprintf("  rdx %016lx  rsi %016lx  rdi %016lx\n", f->rdx, f->rsi, f->rdi);
    kprintf("  rbp %016lx  r8  %016lx  r9  %016lx\n", f->rbp, f->r8, f->r9);
    kprintf("  r10 %016lx  r11 %016lx  r12 %016lx\n", f->r10, f->r11, f->r12);
    kprintf("  r13 %016lx  r14 %016lx  r15 %016lx\n", f->r13, f->r14, f->r15);
    kprintf("  cs %lx ss %lx  vector %lu  error %#lx\n", f->cs, f->ss, f->vector, f->error);
}

/*
 * The thread owning f is gone: its SSE state in the registers, if any, is
 * nobody's now.  TS goes on, as for any thread that is not the owner (f
 * may be pcpu.frame, entered with TS clear): the next user of SSE then
 * traps and loads its own state over every register, so nothing of f's
 * leaks.
 */
void arch_frame_release(struct trap_frame *f)
{
    if (pcpu.fpu_owner == f) {
        pcpu.fpu_owner = NULL;
        uint64_t cr0;
        __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
        __asm__ volatile("mov %0, %%cr0" ::"r"(cr0 | CR0_TS));
    }
}
