/*
 * trap.S — every way into and out of the kernel.
 *
 * Kernel entries run on the one kernel stack (pcpu.kstack_top, also TSS
 * RSP0) and never return: the kernel leaves through arch_enter_user().
 * GS points at the per-CPU block while in the kernel; user GS is swapped in
 * on the way out.  Frame layout: struct trap_frame.  Its general registers
 * are at the FRAME_<reg> offsets, and every register this file saves,
 * loads, clears or copies for its role (kept, saved, message, clobbered)
 * is in a macro generated from spec/arch.yaml into syscall_asm.h (offsets
 * checked against the C layout there); the other words are at TF_* (x86.h).
 */
#include "x86.h"
#include "syscall_asm.h"

    .text

/*
 * syscall: rcx = user rip, r11 = user rflags, IF/TF/DF/AC cleared by SFMASK,
 * rsp still the user's.  The short path of arch.h: only the registers C
 * may clobber and the ABI keeps (spec/arch.yaml) go into the current
 * thread's frame, using rsp as the frame pointer until they are saved.
 * rbx, rbp and r12..r15 are callee-saved and stay live; so does the SSE
 * state (the kernel never touches it).  The frame's vector already says
 * TF_VEC_SYSCALL (or _FPU_OWNER): every frame leaves through
 * arch_enter_user or here, and iret_to sets it on the way out.
 */
    .global syscall_entry
    .balign 16
syscall_entry:
    swapgs
    mov %rsp, %gs:PCPU_SCRATCH
    mov %gs:PCPU_FRAME, %rsp
    store_saved %rsp
    mov %rcx, TF_RIP(%rsp)
    mov %r11, TF_RFLAGS(%rsp)
    mov %gs:PCPU_SCRATCH, %rcx
    mov %rcx, TF_RSP(%rsp)
    mov %rsp, %rdi
    mov %gs:PCPU_KSTACK, %rsp
    lea -SYSCALL_MESSAGE_FIRST(%rax), %rcx
    cmp $SYSCALL_MESSAGE_COUNT, %rcx
    jb syscall_ipc
    mov %rdi, %rsi                  /* the frame */
    mov %rax, %rdi                  /* the number */
    call kernel_entry_syscall
    test %rax, %rax
    jg syscall_failed
    mov sched_cpu(%rip), %rax       /* sched_resume_frame */
syscall_exit:
    cmp %gs:PCPU_FRAME, %rax        /* the caller continues: its rip, saved */
    jne syscall_switch              /* above, is canonical (ARCH_USER_TOP) */
    mov TF_RIP(%rax), %rcx
    mov TF_RFLAGS(%rax), %r11
    load_saved_rest %rax
    mov TF_RSP(%rax), %rsp
    mov FRAME_RAX(%rax), %rax
    swapgs
    sysretq

/* The call failed: rax is the error. */
syscall_failed:
    mov %rax, %rsi
    mov %gs:PCPU_FRAME, %rdi
    call kernel_syscall_failed
    jmp syscall_exit

/* Another thread runs next (rax: its frame, or NULL for the scheduler): what C kept goes into ours. */
syscall_switch:
    mov %gs:PCPU_FRAME, %rdi
    store_kept %rdi
    test %rax, %rax
    jz kernel_syscall_switch
    mov %rax, %rdi
    jmp arch_enter_user

/*
 * The message syscalls (the IPC register fast path, kernel/include/arch.h).
 * The message words are in rdi, rbx, r12..r15, r8, r9: kernel_ipc_fast
 * keeps rbx and r12..r15 live, and rdi, r8, r9 (which C may clobber) are
 * in our frame from the entry.  On a switch only rbp is saved (rsp, rip and
 * rflags are in already); the next thread gets its rbp, rsp, rip, rflags
 * and results from its frame, the words from the CPU and our frame, and
 * rsi zeroed.  Its SSE registers are not touched: CR0.TS goes on or off
 * (see "SSE state" below), told by the vectors of the two frames.
 *
 * The kernel stack is empty here, its top 16-byte aligned as the call
 * wants, and pcpu.frame still names our frame afterwards: no push or pop.
 * rcx is number - SYSCALL_MESSAGE_FIRST from the range test, so one
 * indirect call picks the call's or the reply-receive's fast path.
 */
syscall_ipc:
    call *ipc_fast_paths(, %rcx, 8)
    mov %gs:PCPU_FRAME, %rdi
    test %rax, %rax
    jz syscall_ipc_slow
    store_message_kept %rdi
    cmpq $TF_VEC_SYSCALL, TF_VECTOR(%rax)
    jne ipc_next_special            /* it owns the SSE registers, or needs iretq */
    cmpq $TF_VEC_SYSCALL, TF_VECTOR(%rdi)
    je .Lipc_exit
    mov %cr0, %rcx                  /* we own them: hide them from it */
    or $CR0_TS, %rcx
    mov %rcx, %cr0
.Lipc_exit:                         /* its rip, saved by its syscall, is canonical (ARCH_USER_TOP) */
    mov %rax, %gs:PCPU_FRAME
#if SYSCALL_MESSAGE_RESULTS != 3
#error "syscall_ipc enters with three result words (rax, rdx, r10)"
#endif
    load_message_in_frame %rdi
    mov TF_RIP(%rax), %rcx
    mov TF_RFLAGS(%rax), %r11
    load_message_kept %rax
    load_message_results_rest %rax
    clear_message_clobbers
    mov TF_RSP(%rax), %rsp
    mov FRAME_RAX(%rax), %rax
    swapgs
    sysretq

/* We are not the owner (we entered with TS set), so only clts can be needed. */
ipc_next_special:
    cmpq $TF_VEC_FPU_OWNER, TF_VECTOR(%rax)
    jne ipc_enter_whole             /* an interrupt frame (never expected here) */
    clts
    jmp .Lipc_exit

/* The rare way out: the words into the next frame, which is entered whole.
 * pcpu.frame is still ours, as arch_enter_user wants for CR0.TS. */
ipc_enter_whole:
    copy_message_in_frame %rdi, %rax, %rcx
    mov %rax, %rdi
    store_message %rdi
    jmp arch_enter_user

/* Not for the fast path: the whole context into the frame, then the general path. */
syscall_ipc_slow:
    store_kept %rdi
    call kernel_entry_ipc
    mov %rax, %rdi
    jmp arch_enter_user

/*
 * SSE state, switched lazily.  pcpu.fpu_owner is the frame whose x87/SSE
 * state is in the registers (or none); every other thread's is in its
 * frame.  A thread runs with CR0.TS clear exactly when it is the owner, so
 * another thread's first SSE instruction traps (#NM, nm_entry), saves the
 * owner's state and loads its own: a switch costs nothing until then, and
 * nothing of one thread's registers is ever seen by another.  In the kernel
 * TS is clear only if pcpu.frame (who entered last) is the owner, which is
 * how arch_enter_user knows whether TS must change.  The owner's frame, if
 * it came from syscall, has vector TF_VEC_FPU_OWNER (nm_entry and iret_to
 * keep it so): syscall_ipc reads both frames' vectors anyway.  A dying
 * owner is forgotten by arch_frame_release (trap.c).
 *
 * arch_enter_user(f): frames saved by syscall go back with sysretq, which
 * restores rcx/r11 from rip/rflags (syscall clobbered them anyway).  sysretq
 * faults in ring 0 on a non-canonical rip, so such frames take iretq.  A
 * rip a syscall saved is always canonical (the page below 2^47 is never
 * user memory: ARCH_USER_TOP), so only here, where the frame may be a new
 * thread's with any pc, is it tested.
 */
    .global arch_enter_user
    .balign 16
arch_enter_user:
    mov %gs:PCPU_FPU_OWNER, %rax
    cmp %rax, %rdi
    je 2f
    cmp %rax, %gs:PCPU_FRAME
    jne 3f                          /* TS is on already */
    mov %cr0, %rax
    or $CR0_TS, %rax
    mov %rax, %cr0
    jmp 3f
2:  clts
3:  mov %rdi, %gs:PCPU_FRAME
    cmpq $TF_VEC_SYSCALL, TF_VECTOR(%rdi)
    jb iret_to                      /* an interrupt frame */
    btq $47, TF_RIP(%rdi)           /* a new thread's pc may be anything */
    jc iret_to
    mov TF_RIP(%rdi), %rcx
    mov TF_RFLAGS(%rdi), %r11
    load_all_rest %rdi
    mov TF_RSP(%rdi), %rsp
    mov FRAME_RDI(%rdi), %rdi
    swapgs
    sysretq

/* Return through a full interrupt frame; always correct.  The next trap of
 * this thread may be a syscall: the vector says so (and whether it owns
 * the SSE registers). */
iret_to:
    mov %rdi, %rsp
    movq $GDT_UCODE, TF_CS(%rsp)
    movq $GDT_UDATA, TF_SS(%rsp)
    movq $TF_VEC_SYSCALL, TF_VECTOR(%rsp)
    cmp %gs:PCPU_FPU_OWNER, %rsp
    jne 1f
    movq $TF_VEC_FPU_OWNER, TF_VECTOR(%rsp)
1:  pop_frame
    add $16, %rsp                   /* vector, error */
    swapgs
    iretq

/*
 * #NM from user mode: an x87/SSE instruction with TS set, so this thread
 * is not the owner.  Its state goes in, the owner's out, without the
 * general trap path: only rax is used, and the thread resumes at the same
 * instruction.  From kernel mode (never: the kernel's one SSE loop, in
 * arch_page_zero, clears TS first) it is an ordinary exception.
 */
nm_entry:
    testb $3, 8(%rsp)               /* cs: from user mode? */
    jz 2f
    swapgs
    push %rax
    clts
    mov %gs:PCPU_FPU_OWNER, %rax
    test %rax, %rax
    jz 1f
    fxsave64 TF_FPU(%rax)
    cmpq $TF_VEC_FPU_OWNER, TF_VECTOR(%rax)
    jne 1f                          /* an interrupt frame keeps its vector */
    movq $TF_VEC_SYSCALL, TF_VECTOR(%rax)
1:  mov %gs:PCPU_FRAME, %rax        /* in user mode, so a syscall vector */
    fxrstor64 TF_FPU(%rax)
    movq $TF_VEC_FPU_OWNER, TF_VECTOR(%rax)
    mov %rax, %gs:PCPU_FPU_OWNER
    pop %rax
    swapgs
    iretq
2:  pushq $0
    pushq $7
    jmp trap_common

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
    .if vec == 7
    jmp nm_entry
    .else
    .if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
    .else
    pushq $0
    .endif
    pushq $vec
    jmp trap_common
    .endif
    .set vec, vec + 1
    .endr

/*
 * The stack now holds vector, error, rip, cs, rflags, rsp, ss; pushing the
 * general registers completes a struct trap_frame on it (176 bytes, so rsp
 * stays 16-byte aligned for the call).
 *
 * An interrupt gate clears IF and TF but keeps the user's AC and DF: AC = 1
 * would switch SMAP off in the kernel, and C code assumes DF = 0.  So an
 * entry from ring 3 starts with RFLAGS = 2 (only the reserved bit), the same
 * on any CPU (clac would fault where SMAP is missing).  The user's RFLAGS is
 * in the frame.
 */
trap_common:
    testb $3, 24(%rsp)              /* cs: from user mode? */
    jz 1f
    swapgs
    pushq $2
    popfq
1:  push_frame
    mov %rsp, %rdi
    testb $3, TF_CS(%rsp)
    jz 2f
    call x86_user_trap              /* does not return; SSE stays in the registers */
    ud2

    /* Interrupted kernel: only arch_idle_wait's hlt, or a kernel bug that
     * x86_kernel_trap turns into a panic. */
2:  call x86_kernel_trap
    pop_frame
    add $16, %rsp
    iretq

    .section .rodata
    .balign 8
ipc_fast_paths:                     /* by number - SYSCALL_MESSAGE_FIRST (kernel/ipc_fast.c checks the order) */
    .quad kernel_ipc_fast_call
    .quad kernel_ipc_fast_reply_receive
