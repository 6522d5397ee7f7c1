/* riscv64 trap dispatch (everything but the syscall fast path) and frames. */
#include <arch.h>
#include <vos/abi.h>

#include "riscv.h"
#include "syscall_asm.h" /* its FRAME_<reg> offsets are checked against struct trap_frame there */

#define IRQ_FLAG (1ull << 63)

enum {
    EXC_INST_MISALIGNED = 0, EXC_INST_ACCESS = 1, EXC_ILLEGAL = 2,
    EXC_BREAKPOINT = 3, EXC_LOAD_MISALIGNED = 4, EXC_LOAD_ACCESS = 5,
    EXC_STORE_MISALIGNED = 6, EXC_STORE_ACCESS = 7,
    EXC_INST_PAGE = 12, EXC_LOAD_PAGE = 13, EXC_STORE_PAGE = 15,
};

/*
 * The hardware guard (docs/porting.md, "Hardware guards"): sstatus.SUM is
 * clear from boot on (machine.c) and nothing sets it, so an S-mode load or
 * store to a U page faults; S-mode never executes a U page, whatever SUM
 * says (the privileged spec).  The kernel reaches user memory only through
 * the direct map (usercopy.h), so such a fault is a kernel bug: reported
 * as what it is when the page is there for user code.
 */
static _Noreturn void kernel_trap(struct trap_frame *f, uint64_t cause, uint64_t tval)
{
    unsigned access = cause == EXC_INST_PAGE ? VOS_PROT_EXEC
                      : cause == EXC_LOAD_PAGE ? VOS_PROT_READ
                      : cause == EXC_STORE_PAGE ? VOS_PROT_WRITE : 0;
    struct arch_vspace live = { .root = (csr_read(satp) & SATP_PPN) << PAGE_SHIFT };
    unsigned prot = 0;
    if (access && tval < ARCH_USER_TOP && arch_vspace_lookup(&live, tval & ~(PAGE_SIZE - 1), NULL, &prot) && prot)
        panic_user_access(f, tval, access, access == VOS_PROT_EXEC ? "S-mode never executing U pages"
                                                                   : "sstatus.SUM = 0");
    panic_frame(f, "trap in kernel mode: scause %#lx stval %#lx sepc %#lx",
                (unsigned long)cause, (unsigned long)tval, (unsigned long)f->sepc);
}

_Noreturn void riscv_trap(struct trap_frame *f);

_Noreturn void riscv_trap(struct trap_frame *f)
{
    uint64_t cause = csr_read(scause), tval = csr_read(stval);
    f->sstatus = csr_read(sstatus);
    f->scause = cause;
    f->stval = tval;

    if (f->sstatus & SSTATUS_SPP)
        kernel_trap(f, cause, tval);

    if (cause & IRQ_FLAG) {
        switch (cause & ~IRQ_FLAG) {
        case 5:
            riscv_timer_ack();
            kernel_entry_interrupt(f, IRQ_TIMER);
        case 9: {
            /* Completing before the kernel drains the UART is fine: the
             * line stays high, so the PLIC raises it again if it must. */
            int irq = riscv_plic_claim();
            riscv_plic_complete(irq);
            kernel_entry_interrupt(f, irq == VIRT_UART_IRQ ? IRQ_CONSOLE : IRQ_OTHER);
        }
        default:
            kernel_entry_interrupt(f, IRQ_OTHER);
        }
    }

    switch (cause) {
    case EXC_INST_PAGE:
    case EXC_INST_ACCESS:
        kernel_entry_page_fault(f, tval, VOS_PROT_EXEC);
    case EXC_LOAD_PAGE:
    case EXC_LOAD_ACCESS:
        kernel_entry_page_fault(f, tval, VOS_PROT_READ);
    case EXC_STORE_PAGE:
    case EXC_STORE_ACCESS:
        kernel_entry_page_fault(f, tval, VOS_PROT_WRITE);
    case EXC_ILLEGAL:
        if (riscv_v_trap(f, tval))
            riscv_v_take(f); /* a vector instruction: VS was Off (vector.c) */
        if (riscv_fp_trap(f))
            riscv_fp_take(f); /* maybe an FP instruction: FS was Off (fp.c) */
        kernel_entry_exception(f, VOS_EXIT_ILLEGAL_INSTRUCTION, tval);
    case EXC_INST_MISALIGNED:
    case EXC_LOAD_MISALIGNED:
    case EXC_STORE_MISALIGNED:
        kernel_entry_exception(f, VOS_EXIT_ALIGNMENT_FAULT, tval);
    case EXC_BREAKPOINT:
        kernel_entry_exception(f, VOS_EXIT_BREAKPOINT, tval);
    default:
        /* ecall from S/M, reserved causes: nothing a user thread can do. */
        kernel_entry_exception(f, VOS_EXIT_KILLED, cause);
    }
}

/* One load instead of auipc + addi on every syscall's entry. */
extern char kstack_top[];
/* The offsets entry.S and fp.S use. */
_Static_assert(offsetof(struct trap_frame, sepc) == FRAME_SEPC, "FRAME_SEPC");
_Static_assert(offsetof(struct trap_frame, kstack) == FRAME_KSTACK, "FRAME_KSTACK");
_Static_assert(offsetof(struct trap_frame, status) == FRAME_STATUS, "FRAME_STATUS");
_Static_assert(offsetof(struct trap_frame, f) == FRAME_F, "FRAME_F");
_Static_assert(offsetof(struct trap_frame, fcsr) == FRAME_FCSR, "FRAME_FCSR");
_Static_assert(sizeof(struct trap_frame) == FRAME_SIZE, "FRAME_SIZE");

void arch_frame_init(struct trap_frame *f, uaddr_t pc, uaddr_t sp, uint64_t arg)
{
    arch_frame_release(f); /* FP and vector state start at zero (FS, VS Off), not in the registers */
    *f = (struct trap_frame){ 0 };
    f->sepc = pc;
    f->sp = sp;
    f->a0 = arg;
    f->sstatus = SSTATUS_SPIE;
    f->status = SSTATUS_USER;
    f->kstack = (uint64_t)kstack_top;
}

uaddr_t arch_frame_pc(const struct trap_frame *f)
{
    return f->sepc;
}

void arch_frame_dump(const struct trap_frame *f)
{
    static const char *const names[31] = {
        "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1",
        "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6",
        "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
    };
    const uint64_t *r = (const uint64_t *)f; /* x1..x31 lead the struct */

    kprintf("sepc %016lx sstatus %016lx scause %016lx stval %016lx\n",
            (unsigned long)f->sepc, (unsigned long)f->sstatus,
            (unsigned long)f->scause, (unsigned long)f->stval);
    for (int i = 0; i < 31; i++)
        kprintf("%3s %016lx%s", names[i], (unsigned long)r[i], i % 4 == 3 || i == 30 ? "\n" : "  ");
}
