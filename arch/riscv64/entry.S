/*
 * riscv64 boot, trap entry and return to user mode.
 *
 * Boot: both loaders enter at PA 0x80200000 with the MMU off, a0 = hart id,
 * a1 = device tree.  OpenSBI enters at _start, U-Boot at _start_uboot (the
 * FIT image's entry point); the only difference is the boot path reported.
 */
#include <arch_defs.h>
#include "syscall_asm.h"

#define DIRECT_MAP_GIB 64
#define PTE_GIGA_KERNEL 0xef   /* V R W X G A D */
#define PTE_GIGA_IDENT 0xcf    /* V R W X A D */

    .section .text.boot, "ax"
    .option push
    .option norvc           /* fixed entry offsets: 0 and 8 */
    .global _start
_start:
    li t6, 0
    j boot
    .global _start_uboot
_start_uboot:
    li t6, 1
    j boot
    .option pop

boot:
    csrw sie, zero
    mv s0, a0
    mv s1, a1
    mv s2, t6

    /* The bss is not part of a flat (U-Boot) image: clear it first. */
    lla t0, __bss_start
    lla t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:
    /* Boot root table: the direct map of the first DIRECT_MAP_GIB GiB in the
     * upper half, plus an identity gigapage around this code so the pc stays
     * valid while paging is switched on. */
    lla t0, boot_root
    li t1, 256 * 8
    add t1, t0, t1
    li t2, 0
    li t3, DIRECT_MAP_GIB
3:  slli t4, t2, 28            /* PPN (i GiB >> 12) sits at bit 10 */
    ori t4, t4, PTE_GIGA_KERNEL
    sd t4, 0(t1)
    addi t1, t1, 8
    addi t2, t2, 1
    bltu t2, t3, 3b

    auipc t1, 0
    srli t1, t1, 30
    slli t2, t1, 3
    add t2, t0, t2
    slli t4, t1, 28
    ori t4, t4, PTE_GIGA_IDENT
    sd t4, 0(t2)

    srli t0, t0, 12
    li t1, 8 << 60
    or t0, t0, t1
    sfence.vma
    csrw satp, t0
    sfence.vma
    ld t0, .Lhigh
    jr t0

    .balign 8
.Lhigh:
    .dword boot_high

boot_high:
    lla sp, kstack_top
    lla t0, trap_entry
    csrw stvec, t0
    lla t0, boot_frame
    csrw sscratch, t0
    mv a0, s0
    mv a1, s1
    mv a2, s2
    call riscv_boot
1:  wfi
    j 1b

/*
 * Trap entry.  sscratch always holds the current thread's trap frame (the
 * one the last arch_enter_user restored); the kernel runs with interrupts
 * off, so a trap from S-mode is a kernel bug and lands in the same frame
 * for panic_frame's dump.
 *
 * ecall from U-mode (scause 8) takes the short road of arch.h: only what C
 * may clobber and the ABI keeps is saved (ra, sp, a0..a7, the pc).  s0..s11
 * are callee-saved, and gp/tp are never touched by the kernel (-mno-relax,
 * no TLS), so they stay live in the CPU; t0..t6 are clobbered by the trap
 * (spec/arch.yaml) and leave zeroed.  Everything else saves the whole frame
 * and goes through riscv_trap.
 */
/* The registers C code keeps (and gp, tp, which it never touches) into the frame at base. */
/* The kept registers of a message syscall (spec/arch.yaml: all but message_clobbers) at base. */
.macro store_message_kept base
    sd gp, 2*8(\base)
    sd tp, 3*8(\base)
    sd s0, 7*8(\base)
    sd s1, 8*8(\base)
    sd s10, 25*8(\base)
    sd s11, 26*8(\base)
.endm
.macro load_message_kept base
    ld sp, 1*8(\base)
    ld gp, 2*8(\base)
    ld tp, 3*8(\base)
    ld s0, 7*8(\base)
    ld s1, 8*8(\base)
    ld s10, 25*8(\base)
    ld s11, 26*8(\base)
.endm
.macro store_kept base
    store_message_kept \base
    sd s2, 17*8(\base)
    sd s3, 18*8(\base)
    sd s4, 19*8(\base)
    sd s5, 20*8(\base)
    sd s6, 21*8(\base)
    sd s7, 22*8(\base)
    sd s8, 23*8(\base)
    sd s9, 24*8(\base)
.endm

/* t0..t6: clobbered by every syscall, so they leave holding nothing of the kernel's. */
.macro clear_temporaries
    li t0, 0
    li t1, 0
    li t2, 0
    li t3, 0
    li t4, 0
    li t5, 0
    li t6, 0
.endm

/*
 * Make the frame at base the current one: sscratch, the pc, sstatus (FP on
 * only for the FP owner: fp.c) and its kept registers (sp among them).
 */
.macro enter_frame_kept base
    csrw sscratch, \base
    ld t0, FRAME_SEPC(\base)
    csrw sepc, t0
    ld t0, FRAME_STATUS(\base)
    csrw sstatus, t0
    load_message_kept \base
.endm

.macro ipc_enter_next
/* Into the thread whose frame a0 is: ours keeps its kept registers and pc, the next gets its own and three results. */
    csrr t0, sscratch           /* our frame */
    store_message_kept t0
    enter_frame_kept a0
#if SYSCALL_MESSAGE_RESULTS != 3
#error "ipc_enter_next restores three result words (a0..a2)"
#endif
    ld a1, 10*8(a0)
    ld a2, 11*8(a0)
    ld a0, 9*8(a0)
    li ra, 0
    li a3, 0
    li a4, 0
    li a5, 0
    li a6, 0
    li a7, 0
    clear_temporaries
    sret
.endm

    .text
    .balign 4
    .global trap_entry
trap_entry:
    csrrw sp, sscratch, sp
    sd a0, 9*8(sp)
    sd a1, 10*8(sp)
    csrr a0, scause
    li a1, 8
    bne a0, a1, trap_not_ecall
    addi a1, a7, -SYSCALL_MESSAGE_FIRST
    sltiu a0, a1, SYSCALL_MESSAGE_COUNT
    bnez a0, syscall_ipc        /* with a1 = 0 (call) or 1 (reply-receive) */
    sd ra, 0*8(sp)
    sd a2, 11*8(sp)
    sd a3, 12*8(sp)
    sd a4, 13*8(sp)
    sd a5, 14*8(sp)
    sd a6, 15*8(sp)
    sd a7, 16*8(sp)
    csrr a1, sepc               /* stays in sepc unless we switch */
    addi a1, a1, 4
    csrw sepc, a1
    mv a0, sp
    csrrw a1, sscratch, sp      /* a1 = user sp; sscratch = frame again */
    sd a1, 1*8(a0)
    ld sp, FRAME_KSTACK(a0)
    call kernel_entry_syscall
    beqz a0, syscall_switch
    ld ra, 0*8(a0)
    ld sp, 1*8(a0)
    ld a1, 10*8(a0)
    ld a2, 11*8(a0)
    ld a3, 12*8(a0)
    ld a4, 13*8(a0)
    ld a5, 14*8(a0)
    ld a6, 15*8(a0)
    ld a7, 16*8(a0)
    ld a0, 9*8(a0)
    clear_temporaries
    sret

/* Another thread runs next: the caller's live registers go into its frame. */
syscall_switch:
    csrr t0, sscratch
    csrr t1, sepc
    sd t1, FRAME_SEPC(t0)
    store_kept t0
    j kernel_syscall_switch

/*
 * The message syscalls (the IPC register fast path, kernel/include/arch.h):
 * the C keeps s0..s11, gp and tp, so the message words in s2..s9 go from
 * this thread to the next without touching memory.  Only what the C reads
 * is stored first (the pc, sp, the first two arguments, and a2, the
 * reply-receive's length); ra and the number are not (they are clobbered,
 * and the number is known on each road).  The kept registers of
 * spec/arch.yaml (sp, gp, tp, s0, s1, s10, s11) are all that is saved and
 * restored on a switch; ra, a3..a7 and t0..t6 leave zeroed.
 */
syscall_ipc:
    csrr a0, sepc
    addi a0, a0, 4
    sd a0, FRAME_SEPC(sp)
    csrrw a0, sscratch, sp      /* a0 = user sp; sscratch = frame again */
    sd a0, 1*8(sp)
    mv a0, sp
    ld sp, FRAME_KSTACK(a0)
    bnez a1, ipc_reply_receive
    call kernel_ipc_fast_call
    beqz a0, ipc_slow_call
    ipc_enter_next
ipc_reply_receive:
    sd a2, 11*8(a0)
    call kernel_ipc_fast_reply_receive
    beqz a0, ipc_slow_reply_receive
    ipc_enter_next

/* Not for the fast path: the whole context into the frame, then the general road. */
ipc_slow_call:
    li t1, SYSCALL_MESSAGE_FIRST
    j 1f
ipc_slow_reply_receive:
    li t1, SYSCALL_MESSAGE_FIRST + 1
1:  csrr t0, sscratch
    sd t1, 16*8(t0)             /* the number */
    sd zero, 0*8(t0)            /* ra, a3..a6: not arguments, and zeroed by these calls */
    sd zero, 12*8(t0)
    sd zero, 13*8(t0)
    sd zero, 14*8(t0)
    sd zero, 15*8(t0)
    store_kept t0
    mv a0, t0
    call kernel_entry_ipc
    j arch_enter_user

/* Interrupts, faults, kernel bugs: the whole frame. */
trap_not_ecall:
    sd ra, 0*8(sp)
    sd a2, 11*8(sp)
    sd a3, 12*8(sp)
    sd a4, 13*8(sp)
    sd a5, 14*8(sp)
    sd a6, 15*8(sp)
    sd a7, 16*8(sp)
trap_full:
    store_kept sp
    sd t0, 4*8(sp)
    sd t1, 5*8(sp)
    sd t2, 6*8(sp)
    sd t3, 27*8(sp)
    sd t4, 28*8(sp)
    sd t5, 29*8(sp)
    sd t6, 30*8(sp)
    mv a0, sp
    csrrw t0, sscratch, sp      /* t0 = interrupted sp; sscratch = frame again */
    sd t0, 1*8(a0)
    csrr t1, sepc
    sd t1, FRAME_SEPC(a0)
    lla sp, kstack_top
    j riscv_trap                /* saves sstatus, scause, stval */

/*
 * arch_enter_user(f): the whole frame.  The sstatus written from the frame
 * (enter_frame_kept) has SPP = 0 and SPIE = 1, so sret lands in U-mode with
 * SIE = 1; SUM stays clear (the hardware guard, trap.c).
 */
    .global arch_enter_user
arch_enter_user:
    enter_frame_kept a0
    ld ra, 0*8(a0)
    ld t0, 4*8(a0)
    ld t1, 5*8(a0)
    ld t2, 6*8(a0)
    ld a1, 10*8(a0)
    ld a2, 11*8(a0)
    ld a3, 12*8(a0)
    ld a4, 13*8(a0)
    ld a5, 14*8(a0)
    ld a6, 15*8(a0)
    ld a7, 16*8(a0)
    ld s2, 17*8(a0)
    ld s3, 18*8(a0)
    ld s4, 19*8(a0)
    ld s5, 20*8(a0)
    ld s6, 21*8(a0)
    ld s7, 22*8(a0)
    ld s8, 23*8(a0)
    ld s9, 24*8(a0)
    ld t3, 27*8(a0)
    ld t4, 28*8(a0)
    ld t5, 29*8(a0)
    ld t6, 30*8(a0)
    ld a0, 9*8(a0)
    sret

    .bss
    .balign 4096
    .global boot_root
boot_root:
    .zero 4096
    .balign 16
kstack:
    .zero 16384
    .global kstack_top
kstack_top:
    .balign 16
boot_frame:
    .zero FRAME_SIZE
