/* setjmp/longjmp (x86_64 SysV): rbx, rbp, r12-r15, rsp (after return) and
 * the return address in jmp_buf words 0-7.
 *
 * These replace newlib's x86_64 pair, whose longjmp(env, 0) makes setjmp
 * return 0 (C11 7.13.2.1: it must return 1; tests/libc's setjmp check
 * catches it).  libsys.a comes before libc.a on every link, so these are the
 * ones a program gets.  riscv64 and aarch64 use newlib's. */
    .text
    .global setjmp
    .type setjmp, @function
setjmp:
    movq %rbx, 0(%rdi)
    movq %rbp, 8(%rdi)
    movq %r12, 16(%rdi)
    movq %r13, 24(%rdi)
    movq %r14, 32(%rdi)
    movq %r15, 40(%rdi)
    leaq 8(%rsp), %rdx      /* rsp as it will be after setjmp returns */
    movq %rdx, 48(%rdi)
    movq (%rsp), %rdx       /* return address */
    movq %rdx, 56(%rdi)
    xorl %eax, %eax
    ret
    .size setjmp, . - setjmp

    .global longjmp
    .type longjmp, @function
longjmp:
    movl %esi, %eax
    testl %eax, %eax
    jnz 1f
    movl $1, %eax           /* longjmp(env, 0) returns 1 */
1:  movq 0(%rdi), %rbx
    movq 8(%rdi), %rbp
    movq 16(%rdi), %r12
    movq 24(%rdi), %r13
    movq 32(%rdi), %r14
    movq 40(%rdi), %r15
    movq 48(%rdi), %rsp
    jmpq *56(%rdi)
    .size longjmp, . - longjmp
