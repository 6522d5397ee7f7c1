/*
 * trap.S — every way into and out of the kernel.
 *
 * Kernel entries run on the one kernel stack (pcpu.kstack_top, also TSS
 * RSP0) and never return: the kernel leaves through arch_enter_user().
 * GS points at the per-CPU block while in the kernel; user GS is swapped in
 * on the way out.  Frame layout: struct trap_frame, offsets TF_* in x86.h.
 */
#include "x86.h"
#include "syscall_asm.h"

    .text

/* The callee-saved registers, live through a syscall, into the frame at rdi. */
.macro store_callee_saved
    mov %rbx, TF_RBX(%rdi)
    mov %rbp, TF_RBP(%rdi)
    mov %r12, TF_R12(%rdi)
    mov %r13, TF_R13(%rdi)
    mov %r14, TF_R14(%rdi)
    mov %r15, TF_R15(%rdi)
.endm

/*
 * syscall: rcx = user rip, r11 = user rflags, IF/TF/DF/AC cleared by SFMASK,
 * rsp still the user's.  The short road of arch.h: only the registers C
 * may clobber and the ABI keeps (spec/arch.yaml) go into the current
 * thread's frame, using rsp as the frame pointer until they are saved.
 * rbx, rbp and r12..r15 are callee-saved and stay live; so does the SSE
 * state (the kernel never touches it).  The frame's vector already says
 * TF_VEC_SYSCALL: every frame leaves through arch_enter_user or here, and
 * iret_to sets it on the way out.
 */
    .global syscall_entry
    .balign 16
syscall_entry:
    swapgs
    mov %rsp, %gs:PCPU_SCRATCH
    mov %gs:PCPU_FRAME, %rsp
    mov %rax, TF_RAX(%rsp)
    mov %rdx, TF_RDX(%rsp)
    mov %rsi, TF_RSI(%rsp)
    mov %rdi, TF_RDI(%rsp)
    mov %r8, TF_R8(%rsp)
    mov %r9, TF_R9(%rsp)
    mov %r10, TF_R10(%rsp)
    mov %rcx, TF_RIP(%rsp)
    mov %r11, TF_RFLAGS(%rsp)
    mov %gs:PCPU_SCRATCH, %rcx
    mov %rcx, TF_RSP(%rsp)
    mov %rsp, %rdi
    mov %gs:PCPU_KSTACK, %rsp
    lea -SYSCALL_MESSAGE_FIRST(%rax), %rcx
    cmp $SYSCALL_MESSAGE_COUNT, %rcx
    jb syscall_ipc
    call kernel_entry_syscall
    test %rax, %rax
    jz syscall_switch
    btq $47, TF_RIP(%rax)           /* sysretq would fault on it: see below */
    jc syscall_switch
    mov TF_RIP(%rax), %rcx
    mov TF_RFLAGS(%rax), %r11
    mov TF_R10(%rax), %r10
    mov TF_R9(%rax), %r9
    mov TF_R8(%rax), %r8
    mov TF_RDI(%rax), %rdi
    mov TF_RSI(%rax), %rsi
    mov TF_RDX(%rax), %rdx
    mov TF_RSP(%rax), %rsp
    mov TF_RAX(%rax), %rax
    swapgs
    sysretq

/* Another thread runs next (or this one must take iretq): the callee-saved registers go into the frame. */
syscall_switch:
    mov %gs:PCPU_FRAME, %rdi
    store_callee_saved
    jmp kernel_syscall_switch

/*
 * The message syscalls (the IPC register fast path, kernel/include/arch.h).
 * The message words are in rdi, rbx, r12..r15, r8, r9: kernel_ipc_fast
 * keeps rbx and r12..r15 live, and rdi, r8, r9 (which C may clobber) are
 * in our frame from the entry.  On a switch only rbp is saved (rsp, rip and
 * rflags are in already); the next thread gets its rbp, rsp, rip, rflags
 * and results from its frame, the words from the CPU and our frame, and
 * rsi zeroed.  Its SSE state is switched here, as in arch_enter_user.
 */
syscall_ipc:
    push %rdi                       /* our frame */
    sub $8, %rsp                    /* the call wants rsp 16-byte aligned */
    call kernel_ipc_fast
    add $8, %rsp
    pop %rdi
    test %rax, %rax
    jz syscall_ipc_slow
    mov %rbp, TF_RBP(%rdi)
    mov %rax, %gs:PCPU_FRAME
    cmpq $TF_VEC_SYSCALL, TF_VECTOR(%rax)
    je 1f
    cmpq $TF_VEC_SAVED, TF_VECTOR(%rax)
    jne ipc_enter_whole
    mov %gs:PCPU_FPU_LIVE, %rcx     /* someone's SSE state is live: into its frame */
    test %rcx, %rcx
    jz 2f
    fxsave64 TF_FPU(%rcx)
    movq $TF_VEC_SAVED, TF_VECTOR(%rcx)
2:  mov %rax, %gs:PCPU_FPU_LIVE
    fxrstor64 TF_FPU(%rax)
    movq $TF_VEC_SYSCALL, TF_VECTOR(%rax)
1:  btq $47, TF_RIP(%rax)           /* sysretq would fault: see arch_enter_user */
    jc ipc_enter_whole
#if SYSCALL_MESSAGE_RESULTS != 3
#error "syscall_ipc enters with three result words (rax, rdx, r10)"
#endif
    mov TF_R8(%rdi), %r8
    mov TF_R9(%rdi), %r9
    mov TF_RDI(%rdi), %rdi
    mov TF_RIP(%rax), %rcx
    mov TF_RFLAGS(%rax), %r11
    mov TF_RBP(%rax), %rbp
    mov TF_RDX(%rax), %rdx
    mov TF_R10(%rax), %r10
    xor %esi, %esi
    mov TF_RSP(%rax), %rsp
    mov TF_RAX(%rax), %rax
    swapgs
    sysretq

/* The rare way out: the words into the next frame, which is entered whole. */
ipc_enter_whole:
    mov TF_RDI(%rdi), %rcx
    mov %rcx, TF_RDI(%rax)
    mov TF_R8(%rdi), %rcx
    mov %rcx, TF_R8(%rax)
    mov TF_R9(%rdi), %rcx
    mov %rcx, TF_R9(%rax)
    mov %rax, %rdi
    mov %rbx, TF_RBX(%rdi)
    mov %r12, TF_R12(%rdi)
    mov %r13, TF_R13(%rdi)
    mov %r14, TF_R14(%rdi)
    mov %r15, TF_R15(%rdi)
    jmp arch_enter_user

/* Not for the fast path: the whole context into the frame, then the general road. */
syscall_ipc_slow:
    store_callee_saved
    call kernel_entry_ipc
    mov %rax, %rdi
    jmp arch_enter_user

/*
 * arch_enter_user(f): frames saved by syscall go back with sysretq, which
 * restores rcx/r11 from rip/rflags (syscall clobbered them anyway).  sysretq
 * faults in ring 0 on a non-canonical rip, so such frames take iretq.
 *
 * SSE state is switched lazily: the syscall path never saves it.  A frame's
 * vector is TF_VEC_SYSCALL only while its SSE state is live in the CPU
 * (pcpu.fpu_live), so the common case — back to the thread that trapped —
 * costs nothing extra; entering any other frame first saves the live state
 * into its owner's frame (marking it TF_VEC_SAVED) and loads the new one.
 */
    .global arch_enter_user
    .balign 16
arch_enter_user:
    mov %rdi, %gs:PCPU_FRAME
    cmpq $TF_VEC_SYSCALL, TF_VECTOR(%rdi)
    jne switch_fpu
    btq $47, TF_RIP(%rdi)           /* user rips are below 2^47 (+2 if the */
    jc iret_live                    /* syscall ended the user half) */
    mov TF_RIP(%rdi), %rcx
    mov TF_RFLAGS(%rdi), %r11
    mov TF_R15(%rdi), %r15
    mov TF_R14(%rdi), %r14
    mov TF_R13(%rdi), %r13
    mov TF_R12(%rdi), %r12
    mov TF_R10(%rdi), %r10
    mov TF_R9(%rdi), %r9
    mov TF_R8(%rdi), %r8
    mov TF_RBP(%rdi), %rbp
    mov TF_RSI(%rdi), %rsi
    mov TF_RDX(%rdi), %rdx
    mov TF_RBX(%rdi), %rbx
    mov TF_RAX(%rdi), %rax
    mov TF_RSP(%rdi), %rsp
    mov TF_RDI(%rdi), %rdi
    swapgs
    sysretq

/* Another frame's SSE state may be live: save it, then take ours. */
switch_fpu:
    mov %gs:PCPU_FPU_LIVE, %rax
    test %rax, %rax
    jz 1f
    fxsave64 TF_FPU(%rax)
    movq $TF_VEC_SAVED, TF_VECTOR(%rax)
1:  mov %rdi, %gs:PCPU_FPU_LIVE
    cmpq $TF_VEC_SAVED, TF_VECTOR(%rdi)
    jne iret_to                     /* an interrupt frame: iret_to restores SSE */
    fxrstor64 TF_FPU(%rdi)
    movq $TF_VEC_SYSCALL, TF_VECTOR(%rdi)
    jmp arch_enter_user             /* now live: the sysretq path */

/* A live syscall frame that must take iretq: its SSE state goes into the frame first. */
iret_live:
    fxsave64 TF_FPU(%rdi)

/* Return through a full interrupt frame; always correct. */
    .global iret_to
iret_to:
    fxrstor64 TF_FPU(%rdi)
    mov %rdi, %rsp
    movq $GDT_UCODE, TF_CS(%rsp)
    movq $GDT_UDATA, TF_SS(%rsp)
    movq $TF_VEC_SYSCALL, TF_VECTOR(%rsp) /* for this thread's next syscall */
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp                   /* vector, error */
    swapgs
    iretq

/*
 * IDT entry stubs, 16 bytes apart (setup.c computes addresses from that):
 * push a zero error code where the CPU pushes none, then the vector.
 */
    .global idt_stubs
    .balign 16
idt_stubs:
    .set vec, 0
    .rept 256
    .balign 16
    .if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    .else
    pushq $0
    .endif
    pushq $vec
    jmp trap_common
    .set vec, vec + 1
    .endr

/*
 * The stack now holds vector, error, rip, cs, rflags, rsp, ss; pushing the
 * general registers completes a struct trap_frame on it (176 bytes, so rsp
 * stays 16-byte aligned for the call).
 */
trap_common:
    testb $3, 24(%rsp)              /* cs: from user mode? */
    jz 1f
    swapgs
1:  push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rdi
    testb $3, TF_CS(%rsp)
    jz 2f
    mov %gs:PCPU_FRAME, %rax        /* the thread may be switched out now */
    fxsave64 TF_FPU(%rax)
    movq $0, %gs:PCPU_FPU_LIVE      /* saved: nothing live until the next entry */
    call x86_user_trap              /* does not return */
    ud2

    /* Interrupted kernel: only arch_idle_wait's hlt, or a kernel bug that
     * x86_kernel_trap turns into a panic. */
2:  call x86_kernel_trap
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp
    iretq
