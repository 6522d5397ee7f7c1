/*
 * riscv_vector_zero(a0 = page): clear one 4 KiB page with vector stores.
 *
 * The kernel is built for rv64imac, so the three vector instructions are
 * spelled out as words (clang 14 has no per-file `.option arch`):
 *   0x0c35f357  vsetvli t1, a1, e8, m8, ta, ma
 *   0x5e003057  vmv.v.i v0, 0          (v0..v7: one group of m8)
 *   0x02050027  vse8.v  v0, (a0)
 * With AVL = 4096 the hart picks vl = min(VLMAX, 4096) bytes, a power of two
 * that divides the page (VLMAX = VLEN bytes at e8/m8, VLEN >= 128).
 *
 * The unit is the kernel's between the two sstatus writes, after
 * borrow_unit has sent its owner's state home: whatever the loop leaves in
 * v0..v7, vl and vtype is overwritten by the next thread to take the unit,
 * which loads all of its own (vector.c).  vsetvli also clears vstart.
 */
#define SSTATUS_VS_INITIAL (1 << 9)
#define SSTATUS_VS (3 << 9)

/*
 * The unit may be a user thread's (vector.c): if so, its state goes home
 * first (riscv_v_borrow_slow saves it and disowns the thread, whose next
 * vector instruction loads it back).  Three instructions when nobody owns
 * it; here rather than in page.c's C, which would need a stack frame.
 */
.macro borrow_unit
    ld t0, riscv_v_owner
    beqz t0, 8f
    addi sp, sp, -32
    sd ra, 0(sp)
    sd a0, 8(sp)
    sd a1, 16(sp)
    sd a2, 24(sp)
    call riscv_v_borrow_slow
    ld ra, 0(sp)
    ld a0, 8(sp)
    ld a1, 16(sp)
    ld a2, 24(sp)
    addi sp, sp, 32
8:
.endm

    .text
    .globl riscv_vector_zero
    .type riscv_vector_zero, @function
riscv_vector_zero:
    borrow_unit
    li t0, SSTATUS_VS_INITIAL
    csrs sstatus, t0
    li a1, 4096
    .word 0x0c35f357            /* vsetvli t1, a1, e8, m8, ta, ma: t1 = bytes a store */
    .word 0x5e003057            /* vmv.v.i v0, 0 */
    add a1, a0, a1              /* end of the page */
    li t3, 1024
    bgtu t1, t3, 2f             /* VLEN > 8192: fewer than four stores in all */
1:  .word 0x02050027            /* four stores a round */
    add a0, a0, t1
    .word 0x02050027
    add a0, a0, t1
    .word 0x02050027
    add a0, a0, t1
    .word 0x02050027
    add a0, a0, t1
    bltu a0, a1, 1b
    j 3f
2:  .word 0x02050027            /* one store a round */
    add a0, a0, t1
    bltu a0, a1, 2b
3:  li t0, SSTATUS_VS
    csrc sstatus, t0            /* VS = Off again (the stores made it Dirty) */
    ret
    .size riscv_vector_zero, . - riscv_vector_zero

/*
 * riscv_vector_copy(a0 = dst, a1 = src, a2 = n > 0): memcpy with vector
 * loads and stores, VLEN bytes a round (strip-mined: vsetvli picks each
 * round's length).  Forward, each round loaded before it is stored, so it
 * also serves memmove's dst < src case.  Same borrowing and sstatus.VS
 * discipline as above.
 *   0x0c367357  vsetvli t1, a2, e8, m8, ta, ma
 *   0x02058007  vle8.v  v0, (a1)
 *   0x02068027  vse8.v  v0, (a3)
 */
    .globl riscv_vector_copy
    .type riscv_vector_copy, @function
riscv_vector_copy:
    borrow_unit
    li t0, SSTATUS_VS_INITIAL
    csrs sstatus, t0
    mv a3, a0
1:  .word 0x0c367357            /* vsetvli t1, a2, e8, m8, ta, ma */
    .word 0x02058007            /* vle8.v v0, (a1) */
    .word 0x02068027            /* vse8.v v0, (a3) */
    add a1, a1, t1
    add a3, a3, t1
    sub a2, a2, t1
    bnez a2, 1b
    li t0, SSTATUS_VS
    csrc sstatus, t0
    ret
    .size riscv_vector_copy, . - riscv_vector_copy
