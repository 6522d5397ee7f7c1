/*
 * Synchronous traps from user mode (everything but svc, which entry.S
 * hands straight to kernel_entry_syscall), kernel traps, and user frames.
 */
#include <arch.h>
#include <stddef.h>
#include <vos/abi.h>
#include "aarch64.h"
#include "syscall_asm.h" /* its FRAME_<reg> offsets (entry.S) are checked against struct trap_frame there */

_Static_assert(offsetof(struct trap_frame, x30) == 240, "entry.S frame layout");
_Static_assert(offsetof(struct trap_frame, sp_el0) == TF_SP_EL0, "entry.S frame layout");
_Static_assert(offsetof(struct trap_frame, elr) == TF_ELR, "entry.S frame layout");
_Static_assert(offsetof(struct trap_frame, spsr) == TF_SPSR, "entry.S frame layout");
_Static_assert(offsetof(struct trap_frame, cpacr) == TF_CPACR, "entry.S frame layout");
_Static_assert(offsetof(struct trap_frame, fpcr) == TF_FPCR, "fp.S frame layout");
_Static_assert(offsetof(struct trap_frame, fpsr) == TF_FPCR + 8, "fp.S frame layout");
_Static_assert(offsetof(struct trap_frame, q) == TF_Q, "fp.S frame layout");
_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "entry.S frame layout");

/* ESR_EL1.EC values. */
#define EC_UNKNOWN 0x00
#define EC_FP 0x07
#define EC_ILLEGAL_STATE 0x0e
#define EC_SYSREG 0x18
#define EC_IABT_LOWER 0x20
#define EC_IABT_SAME 0x21
#define EC_PC_ALIGN 0x22
#define EC_DABT_LOWER 0x24
#define EC_DABT_SAME 0x25
#define EC_SP_ALIGN 0x26
#define EC_BRK 0x3c
#define ESR_WNR (1 << 6)
#define FSC_ALIGNMENT 0x21
#define FSC_PERMISSION(fsc) (((fsc) & 0x3c) == 0x0c) /* levels 0-3 */

_Noreturn void aarch64_sync_lower(struct trap_frame *f, uint64_t esr);
_Noreturn void aarch64_sync_lower(struct trap_frame *f, uint64_t esr)
{
    unsigned ec = esr >> 26;
    f->esr = esr;
    f->far = read_sysreg(far_el1);
    switch (ec) {
    case EC_IABT_LOWER:
    case EC_DABT_LOWER:
        if ((esr & 0x3f) == FSC_ALIGNMENT)
            kernel_entry_exception(f, VOS_EXIT_ALIGNMENT_FAULT, f->far);
        kernel_entry_page_fault(f, f->far,
                                ec == EC_IABT_LOWER ? VOS_PROT_EXEC
                                : esr & ESR_WNR     ? VOS_PROT_WRITE
                                                    : VOS_PROT_READ);
    case EC_PC_ALIGN:
    case EC_SP_ALIGN:
        kernel_entry_exception(f, VOS_EXIT_ALIGNMENT_FAULT, esr);
    case EC_BRK:
        kernel_entry_exception(f, VOS_EXIT_BREAKPOINT, esr & 0xffff);
    case EC_FP:
        aarch64_fp_take(f); /* a thread's FP/SIMD use while another owns the unit (fp.c) */
    default: /* undefined, system registers... */
        kernel_entry_exception(f, VOS_EXIT_ILLEGAL_INSTRUCTION, esr);
    }
}

_Noreturn void aarch64_bad_lower(struct trap_frame *f, unsigned kind);
_Noreturn void aarch64_bad_lower(struct trap_frame *f, unsigned kind)
{
    f->esr = read_sysreg(esr_el1);
    f->far = 0;
    panic_frame(f, "aarch64: %s from user mode, ESR %#lx", kind == 2 ? "FIQ" : "SError",
                (unsigned long)f->esr);
}

_Noreturn void aarch64_kernel_trap(struct trap_frame *f, unsigned kind);
_Noreturn void aarch64_kernel_trap(struct trap_frame *f, unsigned kind)
{
    static const char *const kinds[] = {"synchronous exception", "IRQ", "FIQ", "SError",
                                        "trap from AArch32"};
    f->esr = read_sysreg(esr_el1);
    f->far = read_sysreg(far_el1);
    unsigned ec = f->esr >> 26;
    /* A permission fault on a user page: PAN (data) or PXN (fetch) at work. */
    if (kind == 0 && (ec == EC_IABT_SAME || ec == EC_DABT_SAME) && FSC_PERMISSION(f->esr) &&
        f->far < ARCH_USER_TOP)
        panic_user_access(f, f->far,
                          ec == EC_IABT_SAME ? VOS_PROT_EXEC : f->esr & ESR_WNR ? VOS_PROT_WRITE : VOS_PROT_READ,
                          ec == EC_IABT_SAME ? "PXN" : "PAN");
    panic_frame(f, "aarch64: %s in kernel mode: ESR %#lx (EC %#lx) FAR %#lx ELR %#lx", kinds[kind],
                (unsigned long)f->esr, (unsigned long)(f->esr >> 26), (unsigned long)f->far,
                (unsigned long)f->elr);
}

void arch_frame_init(struct trap_frame *f, uaddr_t pc, uaddr_t sp, uint64_t arg)
{
    arch_frame_release(f); /* FP/SIMD state starts at zero (FPEN 00), not in the registers */
    *f = (struct trap_frame){0};
    f->x0 = arg;
    f->elr = pc;
    f->sp_el0 = sp;
    f->spsr = 0; /* EL0t, interrupts unmasked */
}

uaddr_t arch_frame_pc(const struct trap_frame *f)
{
    return f->elr;
}

void arch_frame_dump(const struct trap_frame *f)
{
    for (int i = 0; i < 31; i += 2) {
        if (i == 30)
            kprintf("  x30 %016lx   sp  %016lx\n", (unsigned long)f->x[30], (unsigned long)f->sp_el0);
        else
            kprintf("  x%02d %016lx   x%02d %016lx\n", i, (unsigned long)f->x[i], i + 1,
                    (unsigned long)f->x[i + 1]);
    }
    kprintf("  pc  %016lx   spsr %08lx\n  esr %016lx   far %016lx\n", (unsigned long)f->elr,
            (unsigned long)f->spsr, (unsigned long)f->esr, (unsigned long)f->far);
}
