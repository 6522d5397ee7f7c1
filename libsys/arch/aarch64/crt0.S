/* User entry: x0 = const struct vos_start_info *, sp 16-byte aligned by
 * the kernel.  Zero fp/lr so backtraces end here. */
    .section .text.start, "ax"
    .global _start
_start:
    mov     x29, #0
    mov     x30, #0
    bl      __vos_start
1:  brk     #0
    b       1b
