/*
 * crt0.S — x86_64 user entry.  The kernel enters with rdi = the start info
 * and rsp as at a function's entry (rsp + 8 16-byte aligned); realigning
 * and calling leaves __vos_start the alignment the System V ABI promises.
 */
    .section .text.start, "ax"
    .global _start
_start:
    xor %ebp, %ebp              /* end of the frame-pointer chain */
    and $-16, %rsp
    call __vos_start
    ud2
