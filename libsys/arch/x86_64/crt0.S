/*
 * crt0.S — x86_64 user entry.  The kernel enters with rdi = the start info
 * and rsp 16-byte aligned; the call pushes the return address, leaving
 * __vos_start the alignment the System V ABI promises a function.
 */
    .section .text.start, "ax"
    .global _start
_start:
    xor %ebp, %ebp              /* end of the frame-pointer chain */
    call __vos_start
    ud2
