/*
 * User FP/SIMD, switched lazily.
 *
 * Invariants: fp_owner is the frame whose q0..q31, fpcr and fpsr are in
 * the registers (or NULL: nobody's); every other thread's are in its
 * frame.  A frame's cpacr is CPACR_FPEN exactly when it is fp_owner, else
 * 0, and every way into EL0 writes CPACR_EL1 from it (entry.S).  So a
 * thread that never uses FP/SIMD costs one load and one msr per switch;
 * another thread's first FP/SIMD instruction traps (EC 0x07), and only
 * then is the owner's state saved and its own loaded.  FPEN = 00 traps EL1
 * too, so the kernel, which never uses these registers, could not touch a
 * user's by mistake either.
 */
#include <arch.h>
#include "aarch64.h"

void aarch64_fp_save(struct trap_frame *f);
void aarch64_fp_load(const struct trap_frame *f);

struct trap_frame *aarch64_fp_owner; /* fp.S: arch_memcpy_bulk */
#define fp_owner aarch64_fp_owner

_Noreturn void aarch64_fp_take(struct trap_frame *f)
{
    write_sysreg(cpacr_el1, CPACR_FPEN); /* for fp.S */
    isb();
    if (fp_owner) {
        aarch64_fp_save(fp_owner);
        fp_owner->cpacr = 0;
    }
    aarch64_fp_load(f);
    f->cpacr = CPACR_FPEN;
    fp_owner = f;
    arch_enter_user(f); /* the instruction again, with FPEN = 11 */
}

/*
 * The thread owning f is gone (or f is about to start afresh): its values
 * in the registers are nobody's.  The next thread to take the unit loads
 * its own over every one of them, fpcr and fpsr, so nothing of f's leaks.
 */
void arch_frame_release(struct trap_frame *f)
{
    if (fp_owner == f)
        fp_owner = NULL;
}
