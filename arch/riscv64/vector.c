/*
 * User vector state (the V extension), switched lazily like floating
 * point (fp.c).
 *
 * Invariants:
 *  - v_owner is the frame whose v0..v31, vl, vtype, vstart and vcsr are in
 *    the unit (or NULL: nobody's); every other thread that has used V has
 *    them in its riscv_vstate (frame->vstate).  A frame's status has VS on
 *    (Dirty) exactly when it is v_owner, and every way into user mode
 *    writes sstatus from it, so a thread that has not used V (or has lost
 *    the unit) runs with VS = Off: its next vector instruction traps as
 *    illegal, and only then is the owner's state saved and its own loaded.
 *  - A thread's riscv_vstate is allocated on its first vector instruction,
 *    from its process's kernel memory (charged to its quota: 32 + 32 *
 *    VLEN/8 bytes, 544 at VLEN 128, a 1 KiB object), and freed with the
 *    thread.  Failing that, the process is killed (reported as any fault):
 *    the kernel runs on.
 *  - The kernel borrows the unit for its page clearing and bulk copies
 *    (page.S) only after borrow_unit: the owner's state saved into its
 *    vstate and the owner disowned, so its next vector instruction loads
 *    it back.  Whatever the kernel leaves in v0..v7 is overwritten by the
 *    next thread that takes the unit, which loads all of its state.
 *  - Users get V only if the device tree names it and 32 * VLEN/8 + 32
 *    bytes fit a page (VLEN <= 512 bits); otherwise VS stays Off for every
 *    thread and a vector instruction is an illegal-instruction fault.
 */
#include <arch.h>
#include <vos/abi.h>

#include "riscv.h"

#define SSTATUS_VS SSTATUS_VS_BITS
#define VTYPE_VILL (1ull << 63)

struct riscv_vstate {
    uint64_t vstart, vl, vtype, vcsr;
    uint8_t v[];               /* v0..v31, vlenb bytes each */
};

void riscv_v_save(struct riscv_vstate *s);
void riscv_v_load(const struct riscv_vstate *s);

struct trap_frame *riscv_v_owner;
size_t riscv_vstate_size; /* 0: users have no V */

void riscv_v_init(bool has_vector)
{
    if (!has_vector)
        return;
    csr_set(sstatus, SSTATUS_VS);
    uint64_t vlenb;
    __asm__ volatile("csrr %0, 0xc22" : "=r"(vlenb)); /* vlenb */
    csr_clear(sstatus, SSTATUS_VS);
    size_t size = sizeof(struct riscv_vstate) + 32 * vlenb;
    if (size <= PAGE_SIZE)
        riscv_vstate_size = size;
    kprintf("[kernel] riscv64: vector unit, VLEN %lu bits%s\n", (unsigned long)vlenb * 8,
            riscv_vstate_size ? ", offered to user threads" : ", kept from user threads (over 512)");
}

/* CSR instructions (funct3 1..3, 5..7) on vstart, vxsat, vxrm, vcsr, vl, vtype, vlenb. */
bool riscv_v_csr_insn(uint64_t insn)
{
    unsigned funct3 = (insn >> 12) & 7, csr = (unsigned)(insn >> 20) & 0xfff;
    return (funct3 & 3) && (csr == 0x008 || csr == 0x009 || csr == 0x00a || csr == 0x00f || (csr >= 0xc20 && csr <= 0xc22));
}

static void disown(void)
{
    riscv_v_save(riscv_v_owner->vstate);
    riscv_v_owner->status &= ~SSTATUS_VS;
    riscv_v_owner = NULL;
}

_Noreturn void riscv_v_take(struct trap_frame *f)
{
    if (!f->vstate) {
        long err;
        struct riscv_vstate *s = kernel_thread_alloc(f, riscv_vstate_size, &err);
        if (!s)
            kernel_entry_exception(f, VOS_EXIT_KILLED, (uint64_t)err); /* detail: the error (quota or memory) */
        s->vtype = VTYPE_VILL; /* the reset state the V spec recommends: vill, vl 0, all else 0 */
        f->vstate = s;
    }
    csr_set(sstatus, SSTATUS_VS); /* for vector.S */
    if (riscv_v_owner)
        disown();
    riscv_v_load(f->vstate);
    f->status |= SSTATUS_VS;
    riscv_v_owner = f;
    arch_enter_user(f); /* the instruction again, with VS on */
}

/* page.S (borrow_unit), before it uses v0..v7 while a thread owns the unit: the owner's state goes home first. */
void riscv_v_borrow_slow(void)
{
    csr_set(sstatus, SSTATUS_VS);
    disown();
    csr_clear(sstatus, SSTATUS_VS);
}

/*
 * The thread owning f is gone: its values in the unit are nobody's (the
 * next thread to take it loads its own over every register and CSR), and
 * its saved state goes back to its process.
 */
void riscv_v_release(struct trap_frame *f)
{
    if (riscv_v_owner == f)
        riscv_v_owner = NULL;
    if (f->vstate) {
        kernel_thread_free(f, f->vstate, riscv_vstate_size);
        f->vstate = NULL;
    }
}
