/*
 * The vector suite's register-level pieces (built -march=rv64gcv; see
 * vwork.h for what each one promises).
 */

/* v_around(a0 = fn, a1 = in, a2 = out): load the whole vector state from in, call fn, store it all to out. */
    .text
    .globl v_around
    .type v_around, @function
v_around:
    addi sp, sp, -32
    sd ra, 0(sp)
    sd s0, 8(sp)
    sd s1, 16(sp)
    mv s0, a2
    mv s1, a0
    csrr t1, vlenb
    slli t1, t1, 3
    addi t0, a1, 32
    vl8re8.v v0, (t0)
    add t0, t0, t1
    vl8re8.v v8, (t0)
    add t0, t0, t1
    vl8re8.v v16, (t0)
    add t0, t0, t1
    vl8re8.v v24, (t0)
    ld t2, 0(a1)
    ld t3, 8(a1)
    vsetvl zero, t2, t3
    ld t2, 16(a1)
    csrw vcsr, t2
    ld t2, 24(a1)
    csrw vstart, t2             /* last: every vector instruction clears it */
    jalr s1
    csrr t2, vstart             /* first, for the same reason */
    sd t2, 24(s0)
    csrr t2, vl
    sd t2, 0(s0)
    csrr t2, vtype
    sd t2, 8(s0)
    csrr t2, vcsr
    sd t2, 16(s0)
    csrw vstart, zero           /* whole-register stores start at vstart */
    csrr t1, vlenb
    slli t1, t1, 3
    addi t0, s0, 32
    vs8r.v v0, (t0)
    add t0, t0, t1
    vs8r.v v8, (t0)
    add t0, t0, t1
    vs8r.v v16, (t0)
    add t0, t0, t1
    vs8r.v v24, (t0)
    ld ra, 0(sp)
    ld s0, 8(sp)
    ld s1, 16(sp)
    addi sp, sp, 32
    ret
    .size v_around, . - v_around

/* v_read(a0 = out): the state as it is, without changing it (the first-use test's view). */
    .globl v_read
    .type v_read, @function
v_read:
    csrr t2, vstart
    sd t2, 24(a0)
    csrr t2, vl
    sd t2, 0(a0)
    csrr t2, vtype
    sd t2, 8(a0)
    csrr t2, vcsr
    sd t2, 16(a0)
    csrr t1, vlenb
    slli t1, t1, 3
    addi t0, a0, 32
    vs8r.v v0, (t0)
    add t0, t0, t1
    vs8r.v v8, (t0)
    add t0, t0, t1
    vs8r.v v16, (t0)
    add t0, t0, t1
    vs8r.v v24, (t0)
    ret
    .size v_read, . - v_read

/*
 * vwork_setup(a0 = seed, a1 = variant): this thread's vector configuration
 * for vwork_block, set once and relied on from then on: vtype and vl
 * (variant 0: e64 m1 ta ma, vl 2; 1: e64 m2 tu mu, vl 3), vxrm = seed & 3,
 * vxsat 0, frm = (seed >> 2) & 3, and the constants in v20, v24, v28.
 */
    .globl vwork_setup
    .type vwork_setup, @function
vwork_setup:
    bnez a1, 1f
    li t0, 2
    vsetvli t1, t0, e64, m1, ta, ma
    j 2f
1:  li t0, 3
    vsetvli t1, t0, e64, m2, tu, mu
2:  andi t2, a0, 3
    csrw vxrm, t2
    csrwi vxsat, 0
    srli t2, a0, 2
    andi t2, t2, 3
    fsrm t2
    csrwi fflags, 0
    vid.v v4
    vmv.v.x v24, a0
    vadd.vv v24, v24, v4
    vor.vi v24, v24, 1
    slli t2, a0, 1
    addi t2, t2, 3
    vmv.v.x v28, t2
    li t2, 0x3FEFF7CED916872B   /* 0.999 */
    fmv.d.x ft0, t2
    vfmv.v.f v20, ft0
    ret
    .size vwork_setup, . - vwork_setup

/*
 * vwork_block(a0 = struct vwork *w, a1 = iterations > 0, a2 = yield every
 * that many (0: never), a3 = variant, a4 = SYS_YIELD's number): iterate on
 * w's accumulators in v8 (integers: multiply, averaging add under vxrm,
 * xor; variant 0 also a saturating add, which sets vxsat), v12 (doubles
 * under frm) and ft0 (a scalar double), with the registers vwork_setup set;
 * yield now and then in the middle, with all of it live.
 */
    .globl vwork_block
    .type vwork_block, @function
vwork_block:
    addi sp, sp, -64
    sd ra, 0(sp)
    sd s0, 8(sp)
    sd s1, 16(sp)
    sd s2, 24(sp)
    sd s3, 32(sp)
    sd s4, 40(sp)
    sd s5, 48(sp)
    mv s0, a0
    mv s1, a1
    mv s2, a2
    mv s3, a3
    mv s4, a4
    li s5, 0
    vle64.v v8, (s0)
    addi t0, s0, 32
    vle64.v v12, (t0)
    fld ft0, 64(s0)
    li t0, 0x3FEFF7CED916872B   /* 0.999 */
    fmv.d.x ft1, t0
    li t0, 0x3FF8000000000000   /* 1.5 */
    fmv.d.x ft2, t0
    li t0, 0x3F50624DD2F1A9FC   /* 0.001 */
    fmv.d.x ft3, t0
1:  vmul.vv v8, v8, v24
    vaadd.vv v16, v8, v28
    vxor.vv v8, v8, v16
    vadd.vi v8, v8, 7
    beqz s3, 2f
    vsaddu.vv v16, v8, v8
2:  vfmul.vv v12, v12, v20
    vfadd.vf v12, v12, ft3
    fmadd.d ft0, ft0, ft1, ft2
    addi s5, s5, 1
    beqz s2, 3f
    remu t0, s5, s2
    bnez t0, 3f
    mv a7, s4
    ecall
3:  bltu s5, s1, 1b
    vse64.v v8, (s0)
    addi t0, s0, 32
    vse64.v v12, (t0)
    fsd ft0, 64(s0)
    ld ra, 0(sp)
    ld s0, 8(sp)
    ld s1, 16(sp)
    ld s2, 24(sp)
    ld s3, 32(sp)
    ld s4, 40(sp)
    ld s5, 48(sp)
    addi sp, sp, 64
    ret
    .size vwork_block, . - vwork_block

/* vwork_final(a0 = w): vl, vtype, vcsr and fcsr as the work left them. */
    .globl vwork_final
    .type vwork_final, @function
vwork_final:
    csrr t0, vl
    sd t0, 72(a0)
    csrr t0, vtype
    sd t0, 80(a0)
    csrr t0, vcsr
    sd t0, 88(a0)
    frcsr t0
    sd t0, 96(a0)
    ret
    .size vwork_final, . - vwork_final

/*
 * v_fill_and_die(a0 = byte, a1 = fault?, a2 = SYS_THREAD_EXIT's number):
 * every vector register filled with the byte, vl, vtype, vcsr and vstart
 * made nonzero, then (a1 != 0) a store to address 0, which kills the
 * process, or (a1 == 0) SYS_THREAD_EXIT(0): either way the thread dies
 * owning the unit.
 */
    .globl v_fill_and_die
    .type v_fill_and_die, @function
v_fill_and_die:
    li t0, 8
    vsetvli t1, t0, e8, m8, tu, mu
    csrwi vcsr, 7
    li t0, -1
    vsetvli t1, zero, e8, m8, ta, ma
    vmv.v.x v0, a0
    vmv.v.x v8, a0
    vmv.v.x v16, a0
    vmv.v.x v24, a0
    li t0, 5
    vsetvli t1, t0, e16, m2, tu, ma
    csrwi vstart, 3
    beqz a1, 1f
    sd zero, 0(zero)            /* a page fault: the process dies owning the unit */
1:  li a0, 0
    mv a7, a2
    ecall
    .size v_fill_and_die, . - v_fill_and_die
