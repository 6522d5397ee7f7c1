/*
 * User floating point, switched lazily.
 *
 * Invariants: fp_owner is the frame whose f0..f31 and fcsr are in the
 * registers (or NULL: nobody's); every other thread's are in its frame.
 * A frame's status has FS on (Dirty) exactly when it is fp_owner, and
 * every way into user mode writes sstatus from it (entry.S,
 * enter_frame_kept).  So a thread that never uses FP runs with FS = Off
 * and costs nothing; another thread's first FP instruction traps as
 * illegal, and only then is the owner's state saved and its own loaded.
 * The kernel itself is built without F/D (fp.S alone has them), so the
 * registers are always some user thread's.
 */
#include <arch.h>

#include "riscv.h"

void riscv_fp_save(struct trap_frame *f);
void riscv_fp_load(const struct trap_frame *f);

static struct trap_frame *fp_owner;

bool riscv_fp_trap(const struct trap_frame *f)
{
    return !(f->sstatus & SSTATUS_FS);
}

_Noreturn void riscv_fp_take(struct trap_frame *f)
{
    csr_set(sstatus, SSTATUS_FS); /* for fp.S */
    if (fp_owner) {
        riscv_fp_save(fp_owner);
        fp_owner->status &= ~SSTATUS_FS;
    }
    riscv_fp_load(f);
    f->status |= SSTATUS_FS;
    fp_owner = f;
    arch_enter_user(f); /* the instruction again, with FS on */
}

/*
 * The thread owning f is gone (or f is about to start afresh): its values
 * in the registers are nobody's.  The next thread to take the unit loads
 * its own over every one of them and fcsr, so nothing of f's leaks.  The
 * same for the vector unit, whose saved state goes too (vector.c).
 */
void arch_frame_release(struct trap_frame *f)
{
    if (fp_owner == f)
        fp_owner = NULL;
    riscv_v_release(f);
}
