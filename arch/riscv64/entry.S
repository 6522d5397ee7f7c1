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
 * ecall from U-mode (scause 8) takes the short path of arch.h: only what C
 * may clobber and the ABI keeps is saved (ra, sp, a0..a7, the pc).  s0..s11
 * are callee-saved, and gp/tp are never touched by the kernel (-mno-relax,
 * no TLS), so they stay live in the CPU; t0..t6 are clobbered by the trap
 * (spec/arch.yaml) and leave zeroed.  Everything else saves the whole frame
 * and goes through riscv_trap.
 *
 * Which register is saved, kept, loaded or cleared where is spec/arch.yaml's
 * (frame, stack, callee_saved, clobbers, message, message_clobbers): the
 * macros store_kept, store_message_kept, load_message_kept, load_message,
 * store_saved_rest, load_saved_rest, clear_clobbers, store_clobbers,
 * load_clobbers, load_message_results_rest, clear_message_clobbers and
 * store_zero_message_clobbers, and the FRAME_<reg> offsets, are generated
 * into syscall_asm.h.  What is written here is the order of things, the
 * arch's CSRs, and a0/a1 as the entry's two scratch registers.
 */

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
/* Into the thread whose frame a0 is: ours keeps its kept registers and pc, the next gets its own and the results. */
    csrr t0, sscratch           /* our frame */
    store_message_kept t0
    enter_frame_kept a0
    load_message_results_rest a0
    ld a0, FRAME_A0(a0)
    clear_message_clobbers
    clear_clobbers
    sret
.endm

    .text
    .balign 4
    .global trap_entry
trap_entry:
    csrrw sp, sscratch, sp
    sd a0, FRAME_A0(sp)
    sd a1, FRAME_A1(sp)
    csrr a0, scause
    li a1, 8
    bne a0, a1, trap_not_ecall
    addi a1, a7, -SYSCALL_MESSAGE_FIRST
    sltiu a0, a1, SYSCALL_MESSAGE_COUNT
    bnez a0, syscall_ipc        /* with a1 = 0 (call) or 1 (reply-receive) */
    store_saved_rest sp
    csrr a1, sepc               /* stays in sepc unless we switch */
    addi a1, a1, 4
    csrw sepc, a1
    mv a1, sp
    csrrw a0, sscratch, sp      /* a0 = user sp; sscratch = frame again */
    sd a0, FRAME_SP(a1)
    ld sp, FRAME_KSTACK(a1)
    mv a0, a7                   /* the number; a1 = the frame */
    call kernel_entry_syscall
    bgtz a0, syscall_failed
    ld a0, sched_cpu            /* sched_resume_frame */
syscall_exit:
    csrr t0, sscratch           /* our frame */
    bne a0, t0, syscall_switch
    ld sp, FRAME_SP(a0)
    load_saved_rest a0
    ld a0, FRAME_A0(a0)
    clear_clobbers
    sret

/* The call failed: a0 is the error. */
syscall_failed:
    mv a1, a0
    csrr a0, sscratch
    call kernel_syscall_failed
    j syscall_exit

/* Another thread runs next (a0: its frame, or NULL for the scheduler): the caller's live registers go into t0, its frame. */
syscall_switch:
    csrr t1, sepc
    sd t1, FRAME_SEPC(t0)
    store_kept t0
    bnez a0, arch_enter_user
    j kernel_syscall_switch

/*
 * The message syscalls (the IPC register fast path, kernel/include/arch.h):
 * the C keeps s0..s11, gp and tp, so the message words in s2..s9 go from
 * this thread to the next without touching memory.  Only what the C reads
 * is stored first (the pc, sp, the first two arguments, and a2, the
 * reply-receive's length); ra and the number are not (they are clobbered,
 * and the number is known on each path).  The kept registers of
 * spec/arch.yaml (sp, gp, tp, s0, s1, s10, s11) are all that is saved and
 * restored on a switch; ra, a3..a7 and t0..t6 leave zeroed.
 */
syscall_ipc:
    csrr a0, sepc
    addi a0, a0, 4
    sd a0, FRAME_SEPC(sp)
    csrrw a0, sscratch, sp      /* a0 = user sp; sscratch = frame again */
    sd a0, FRAME_SP(sp)
    mv a0, sp
    ld sp, FRAME_KSTACK(a0)
    bnez a1, ipc_reply_receive
    call kernel_ipc_fast_call
    beqz a0, ipc_slow_call
    ipc_enter_next
ipc_reply_receive:
    sd a2, FRAME_A2(a0)
    call kernel_ipc_fast_reply_receive
    beqz a0, ipc_slow_reply_receive
    ipc_enter_next

/* Not for the fast path: the whole context into the frame, then the general path. */
ipc_slow_call:
    li t1, SYSCALL_MESSAGE_FIRST
    j 1f
ipc_slow_reply_receive:
    li t1, SYSCALL_MESSAGE_FIRST + 1
1:  csrr t0, sscratch
    sd t1, FRAME_A7(t0)         /* the number */
    store_zero_message_clobbers t0  /* not arguments, and zeroed by these calls */
    store_kept t0
    mv a0, t0
    call kernel_entry_ipc
    j arch_enter_user

/* Interrupts, faults, kernel bugs: the whole frame. */
trap_not_ecall:
    store_saved_rest sp
trap_full:
    store_kept sp
    store_clobbers sp
    mv a0, sp
    csrrw t0, sscratch, sp      /* t0 = interrupted sp; sscratch = frame again */
    sd t0, FRAME_SP(a0)
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
    load_saved_rest a0
    load_message a0
    load_clobbers a0
    ld a0, FRAME_A0(a0)
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
