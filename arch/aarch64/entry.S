/*
 * Exception vectors and the return to user mode.
 *
 * One kernel stack, empty whenever user code runs.  While at EL0, SP_EL1
 * holds the running thread's trap frame instead of a stack pointer, so the
 * vector saves into it with no scratch register, then takes the kernel
 * stack from its top.  An svc saves only what C may clobber (el0_svc), a
 * message syscall only what its fast path keeps (svc_ipc); everything else
 * saves the whole frame.  Which registers those are is spec/arch.yaml's:
 * every save or load of a register for its role is a macro generated from
 * it into syscall_asm.h (store_args, store_saved_but_args, load_saved,
 * store_kept, store_message_kept, store_message, load_all_but_message,
 * load_all_but_last), every frame offset a generated FRAME_x<n>.
 */
#include <arch_defs.h>
#include "aarch64.h"
#include "syscall_asm.h"

// SP_EL1 is the current thread's frame (arch_enter_user set it).  The
// vector stores the argument registers (the generated store_args);
// save_rest stores the other registers, sp_el0, elr and spsr, then switches
// to the empty kernel stack with x0 = frame.
.macro save_rest
    stp     x8, x9, [sp, #FRAME_X8]
    stp     x10, x11, [sp, #FRAME_X10]
    stp     x12, x13, [sp, #FRAME_X12]
    stp     x14, x15, [sp, #FRAME_X14]
    stp     x16, x17, [sp, #FRAME_X16]
    stp     x18, x19, [sp, #FRAME_X18]
    stp     x20, x21, [sp, #FRAME_X20]
    stp     x22, x23, [sp, #FRAME_X22]
    stp     x24, x25, [sp, #FRAME_X24]
    stp     x26, x27, [sp, #FRAME_X26]
    stp     x28, x29, [sp, #FRAME_X28]
    mrs     x1, sp_el0
    stp     x30, x1, [sp, #FRAME_X30]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [sp, #TF_ELR]
    mov     x0, sp
    adrp    x1, aarch64_kstack_top      // page aligned: adrp is enough
    mov     sp, x1
.endm

// What an svc leaves live (spec/arch.yaml callee_saved: the generated
// store_kept, and sp_el0, elr, spsr) into the frame at base; clobbers x1..x3.
.macro store_kept_all base
    store_kept \base
    mrs     x1, sp_el0
    str     x1, [\base, #TF_SP_EL0]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [\base, #TF_ELR]
.endm

// The end of every svc: what it saved (x0..x18 and x30) from the frame at base, then back to EL0.
.macro return_from_svc base
    load_saved \base
    eret
.endm

// After kernel_ipc_fast_*: NULL takes the slow path; a frame is the next
// thread, entered with its kept registers and x0..x2.  x3..x18 and x30
// hold C's values: that thread's own stale ones from its frame replace
// them (load_all_but_message).  Written out after each call, so neither
// needs a branch back.
.macro ipc_enter_next
#if SYSCALL_MESSAGE_RESULTS != 3
#error "ipc_enter_next enters with three result words (x0..x2)"
#endif
    cbz     x0, svc_ipc_slow
    ldp     x1, x2, [x0, #TF_SP_EL0]    // sp_el0, elr
    ldr     x3, [x0, #TF_SPSR]
    ldr     x4, [x0, #TF_CPACR]         // FP/SIMD on only for its owner (fp.c)
    msr     sp_el0, x1
    msr     elr_el1, x2
    msr     spsr_el1, x3
    msr     cpacr_el1, x4
    mov     sp, x0                      // SP_EL1 = the next thread's frame
    load_all_but_message x0
    eret
.endm

.macro save_user
    store_args sp
    save_rest
.endm

// A trap taken in the kernel is a bug, maybe a kernel stack overflow into
// its guard page: build the frame on the panic stack, with TPIDR_EL1 as
// the one scratch register, and panic there.
.macro kernel_trap kind
    msr     tpidr_el1, x0
    adrp    x0, aarch64_panic_stack_top
    sub     x0, x0, #TF_SIZE
    str     x1, [x0, #FRAME_X1]
    stp     x2, x3, [x0, #FRAME_X2]
    stp     x4, x5, [x0, #FRAME_X4]
    stp     x6, x7, [x0, #FRAME_X6]
    stp     x8, x9, [x0, #FRAME_X8]
    stp     x10, x11, [x0, #FRAME_X10]
    stp     x12, x13, [x0, #FRAME_X12]
    stp     x14, x15, [x0, #FRAME_X14]
    stp     x16, x17, [x0, #FRAME_X16]
    stp     x18, x19, [x0, #FRAME_X18]
    stp     x20, x21, [x0, #FRAME_X20]
    stp     x22, x23, [x0, #FRAME_X22]
    stp     x24, x25, [x0, #FRAME_X24]
    stp     x26, x27, [x0, #FRAME_X26]
    stp     x28, x29, [x0, #FRAME_X28]
    mov     x1, sp                      // the kernel's sp, in the sp_el0 slot
    stp     x30, x1, [x0, #FRAME_X30]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [x0, #TF_ELR]
    mrs     x1, tpidr_el1
    str     x1, [x0]
    mov     sp, x0
    mov     x1, #\kind
    b       aarch64_kernel_trap
.endm

// Slot n of the table; .org fails the build if the previous slot overflowed.
.macro slot n
    .org    aarch64_vectors + \n * 0x80
.endm

    .section .text.vectors, "ax"
    .balign 2048
    .global aarch64_vectors
aarch64_vectors:
    // Current EL with SP_EL0, then with SP_ELx: sync, IRQ, FIQ, SError.
    slot 0
    kernel_trap 0
    slot 1
    kernel_trap 1
    slot 2
    kernel_trap 2
    slot 3
    kernel_trap 3
    slot 4
    kernel_trap 0
    slot 5
    kernel_trap 1
    slot 6
    kernel_trap 2
    slot 7
    kernel_trap 3

    // Lower EL, AArch64.  Sync: the message syscalls are decided first,
    // with two registers saved (svc_ipc); then x2..x7 for the other
    // syscalls (el0_svc) and for everything else (el0_sync).
    slot 8
    stp     x0, x1, [sp]
    mrs     x0, esr_el1
    lsr     x0, x0, #26
    subs    x0, x0, #0x15               // 0 (and eq): SVC from AArch64
    sub     x1, x8, #SYSCALL_MESSAGE_FIRST
    ccmp    x1, #SYSCALL_MESSAGE_COUNT, #2, eq  // not an svc: C set, so not lo
    b.lo    svc_ipc
    store_args_rest sp
    cbz     x0, el0_svc
    b       el0_sync
    slot 9
    save_user
    b       aarch64_irq_lower
    slot 10
    save_user
    mov     x1, #2
    b       aarch64_bad_lower
    slot 11
    save_user
    mov     x1, #3
    b       aarch64_bad_lower

    // Lower EL, AArch32: never entered, SPSR always selects AArch64.
    slot 12
    kernel_trap 4
    slot 13
    kernel_trap 4
    slot 14
    kernel_trap 4
    slot 15
    kernel_trap 4

    .text
// Any other synchronous exception from EL0 (x0..x7 are in the frame).
el0_sync:
    save_rest
    mrs     x1, esr_el1
    b       aarch64_sync_lower

/*
 * svc: the short path of arch.h (x0..x7 saved by the vector).  Saved here:
 * x8..x18 (x8 is the number; the ABI keeps every non-result register) and
 * x30.  x19..x29 are callee-saved and stay live; sp_el0, elr_el1 and
 * spsr_el1 stay in their registers because the kernel neither uses them
 * nor traps.  A continuing caller gets back x0..x18 and x30 from the
 * frame; otherwise the live ones go into the frame and
 * kernel_syscall_switch takes over.
 */
el0_svc:
    store_saved_but_args sp
    mov     x1, sp                      // the frame
    adrp    x0, aarch64_kstack_top
    mov     sp, x0
    str     x1, [sp, #-16]!             // the frame, for svc_failed and svc_switch
    mov     x0, x8                      // the number
    bl      kernel_entry_syscall
    cmp     x0, #0
    b.gt    svc_failed
    adrp    x0, sched_cpu
    ldr     x0, [x0, :lo12:sched_cpu]   // sched_resume_frame
svc_exit:
    ldr     x9, [sp]                    // our frame
    cmp     x0, x9
    b.ne    svc_switch
    mov     sp, x0                      // SP_EL1 = frame again
    return_from_svc sp

// The call failed: x0 is the error.
svc_failed:
    mov     x1, x0
    ldr     x0, [sp]
    bl      kernel_syscall_failed
    b       svc_exit

// Another thread runs next (x0: its frame, or NULL for the scheduler): ours, x9, gets the live registers.
svc_switch:
    store_kept_all x9
    cbnz    x0, arch_enter_user
    b       kernel_syscall_switch

/*
 * The message syscalls (the IPC register fast path, kernel/include/arch.h),
 * with x0 and x1 in the frame and x1 = number - SYSCALL_MESSAGE_FIRST.
 * Their stubs give up x1..x18 and x30 (spec/arch.yaml message_clobbers),
 * so those are neither saved for us nor carried to anyone: the registers
 * kept are x27..x29, sp_el0, the pc and spsr (NZCV: the stubs do not
 * declare the flags clobbered).  Both ends need them in the frame, so they
 * go there before the call; after it our frame is wanted only on the slow
 * path, in x27 (C keeps it).  kernel_ipc_fast_* keep x19..x29, so the
 * message words in x19..x26 go from this thread to the next without
 * touching memory.
 */
svc_ipc:
    str     x8, [sp, #FRAME_X8]               // the number, for the slow path
    mrs     x3, sp_el0
    mrs     x4, elr_el1
    mrs     x5, spsr_el1
    store_message_kept sp                   // x30 rides along: the pair is free
    stp     x3, x4, [sp, #TF_SP_EL0]
    str     x5, [sp, #TF_SPSR]
    mov     x0, sp
    mov     x27, sp
    adrp    x3, aarch64_kstack_top
    mov     sp, x3
    cbnz    x1, svc_ipc_reply_receive
    bl      kernel_ipc_fast_call
    ipc_enter_next
svc_ipc_reply_receive:
    str     x2, [x0, #FRAME_X2]               // its third argument
    bl      kernel_ipc_fast_reply_receive
    ipc_enter_next

// Not for the fast path: the message registers into the frame too (the kept
// ones and x30 are there already; x3..x18 hold C's values, so the frame
// keeps stale ones of ours, as message_clobbers allow), then the general path.
svc_ipc_slow:
    store_message x27
    mov     x0, x27
    bl      kernel_entry_ipc
    b       arch_enter_user

// _Noreturn void arch_enter_user(struct trap_frame *f).  No isb after the
// CPACR_EL1 write: eret synchronizes, and nothing before it uses FP/SIMD.
    .global arch_enter_user
arch_enter_user:
    ldp     x30, x1, [x0, #FRAME_X30]         // x30, sp_el0
    ldp     x2, x3, [x0, #TF_ELR]
    ldr     x4, [x0, #TF_CPACR]         // FP/SIMD on only for its owner (fp.c)
    msr     sp_el0, x1
    msr     elr_el1, x2
    msr     spsr_el1, x3
    msr     cpacr_el1, x4
    mov     sp, x0                      // the next trap saves straight into f
    load_all_but_last x0
    eret
