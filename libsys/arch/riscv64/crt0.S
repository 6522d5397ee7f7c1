/* User program entry (riscv64): a0 = const struct vos_start_info *, sp set
 * and 16-byte aligned by the kernel.  A zero ra and fp end backtraces. */
    .section .text.start, "ax"
    .global _start
_start:
    li ra, 0
    li fp, 0
    call __vos_start
1:  ebreak                  /* __vos_start does not return */
    j 1b
