/*
 * riscv_fp_save(a0 = frame) / riscv_fp_load(a0 = frame): f0..f31 and fcsr
 * into or out of a trap frame (FRAME_F, FRAME_FCSR).  sstatus.FS must be
 * on.  The only kernel code with F/D instructions: the kernel is built for
 * rv64imac, so nothing else can touch a user's FP registers, and these are
 * spelled out as words (clang 14 has no per-file `.option arch`), as in
 * page.S:
 *   fsd f<r>, off(a0)   S-type: off[11:5] r a0 011 off[4:0] 0100111
 *   fld f<r>, off(a0)   I-type: off       a0 011 r        0000111
 *   fcsr is CSR 0x003, reached with the base csrr/csrw.
 */
#include <arch_defs.h>

#define A0 10

.macro fsd_a0 r, off
    .word ((((\off) >> 5) & 0x7f) << 25) | ((\r) << 20) | (A0 << 15) | (3 << 12) | (((\off) & 0x1f) << 7) | 0x27
.endm
.macro fld_a0 r, off
    .word (((\off) & 0xfff) << 20) | (A0 << 15) | (3 << 12) | ((\r) << 7) | 0x07
.endm

    .text
    .globl riscv_fp_save
    .type riscv_fp_save, @function
riscv_fp_save:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fsd_a0 \n, FRAME_F + \n * 8
    .endr
    csrr t0, 0x003
    sd t0, FRAME_FCSR(a0)
    ret
    .size riscv_fp_save, . - riscv_fp_save

    .globl riscv_fp_load
    .type riscv_fp_load, @function
riscv_fp_load:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fld_a0 \n, FRAME_F + \n * 8
    .endr
    ld t0, FRAME_FCSR(a0)
    csrw 0x003, t0
    ret
    .size riscv_fp_load, . - riscv_fp_load
