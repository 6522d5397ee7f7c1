/*
 * Exception vectors and the return to user mode.
 *
 * One kernel stack: arch_enter_user() resets SP_EL1 to its top before
 * eret, so every trap from EL0 starts on an empty stack.  The trap frame
 * of the running thread is in TPIDR_EL1.  The syscall path is kept to the
 * full register save, an EC test and a branch.
 */
#include <arch_defs.h>
#include "aarch64.h"

// Save all of user x0..x30, sp_el0, elr, spsr into the frame; x0 = frame.
.macro save_user
    stp     x0, x1, [sp, #-16]!         // borrow the empty kernel stack
    mrs     x0, tpidr_el1
    stp     x2, x3, [x0, #16]
    stp     x4, x5, [x0, #32]
    stp     x6, x7, [x0, #48]
    stp     x8, x9, [x0, #64]
    stp     x10, x11, [x0, #80]
    stp     x12, x13, [x0, #96]
    stp     x14, x15, [x0, #112]
    stp     x16, x17, [x0, #128]
    stp     x18, x19, [x0, #144]
    stp     x20, x21, [x0, #160]
    stp     x22, x23, [x0, #176]
    stp     x24, x25, [x0, #192]
    stp     x26, x27, [x0, #208]
    stp     x28, x29, [x0, #224]
    ldp     x2, x3, [sp], #16
    stp     x2, x3, [x0]
    mrs     x1, sp_el0
    stp     x30, x1, [x0, #240]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [x0, #TF_ELR]
.endm

// A trap taken in the kernel is a bug: frame on the stack, then panic.
.macro kernel_trap kind
    sub     sp, sp, #288
    stp     x0, x1, [sp]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    add     x1, sp, #288
    stp     x30, x1, [sp, #240]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [sp, #TF_ELR]
    mov     x0, sp
    mov     x1, #\kind
    b       aarch64_kernel_trap
.endm

    .section .text.vectors, "ax"
    .balign 2048
    .global aarch64_vectors
aarch64_vectors:
    // Current EL with SP_EL0, then with SP_ELx: sync, IRQ, FIQ, SError.
    .balign 0x80
    kernel_trap 0
    .balign 0x80
    kernel_trap 1
    .balign 0x80
    kernel_trap 2
    .balign 0x80
    kernel_trap 3
    .balign 0x80
    kernel_trap 0
    .balign 0x80
    kernel_trap 1
    .balign 0x80
    kernel_trap 2
    .balign 0x80
    kernel_trap 3

    // Lower EL, AArch64.
    .balign 0x80
    save_user
    mrs     x1, esr_el1
    lsr     x2, x1, #26
    cmp     x2, #0x15                   // SVC from AArch64
    b.ne    1f
    b       kernel_entry_syscall
1:  b       aarch64_sync_lower
    .balign 0x80
    save_user
    b       aarch64_irq_lower
    .balign 0x80
    save_user
    mov     x1, #2
    b       aarch64_bad_lower
    .balign 0x80
    save_user
    mov     x1, #3
    b       aarch64_bad_lower

    // Lower EL, AArch32: never entered, SPSR always selects AArch64.
    .balign 0x80
    kernel_trap 4
    .balign 0x80
    kernel_trap 4
    .balign 0x80
    kernel_trap 4
    .balign 0x80
    kernel_trap 4

    .text
// _Noreturn void arch_enter_user(struct trap_frame *f)
    .global arch_enter_user
arch_enter_user:
    msr     tpidr_el1, x0
    ldp     x1, x2, [x0, #TF_SP_EL0]
    ldr     x3, [x0, #TF_SPSR]
    msr     sp_el0, x1
    msr     elr_el1, x2
    msr     spsr_el1, x3
    adrp    x1, aarch64_kstack_top
    add     x1, x1, :lo12:aarch64_kstack_top
    mov     sp, x1
    ldp     x2, x3, [x0, #16]
    ldp     x4, x5, [x0, #32]
    ldp     x6, x7, [x0, #48]
    ldp     x8, x9, [x0, #64]
    ldp     x10, x11, [x0, #80]
    ldp     x12, x13, [x0, #96]
    ldp     x14, x15, [x0, #112]
    ldp     x16, x17, [x0, #128]
    ldp     x18, x19, [x0, #144]
    ldp     x20, x21, [x0, #160]
    ldp     x22, x23, [x0, #176]
    ldp     x24, x25, [x0, #192]
    ldp     x26, x27, [x0, #208]
    ldp     x28, x29, [x0, #224]
    ldr     x30, [x0, #240]
    ldp     x0, x1, [x0]
    eret
