/*
 * riscv_v_save(a0 = state) / riscv_v_load(a0 = state): a thread's vector
 * state (struct riscv_vstate, vector.c: vstart, vl, vtype, vcsr, then
 * v0..v31 at VLEN bits each) out of or into the vector unit.  sstatus.VS
 * must be on.  The kernel is built for rv64imac, so the vector instructions
 * are spelled out as words (clang 14 has no per-file `.option arch`), as in
 * page.S and fp.S:
 *   vs8r.v  v<r>, (a1)   111 0 00 1 01000 a1 000 r 0100111 (whole registers, vl/vtype ignored)
 *   vl8re8.v v<r>, (a1)  111 0 00 1 01000 a1 000 r 0000111
 *   vsetvl  zero, t0, t2 1000000 t2 t0 111 00000 1010111
 * The CSRs by number: vstart 0x008, vcsr 0x00f, vl 0xc20, vtype 0xc21,
 * vlenb 0xc22.  Whole-register stores start at vstart, so the save clears
 * it (after reading it) and the load writes it last: vsetvl zeroes it.
 * vsetvl with the saved vl as AVL gives back exactly that vl (vl <= VLMAX
 * for the saved vtype), and a saved vtype with vill set gives vill and vl 0
 * again.
 */
#define A1 11
#define VS8R(r) .word 0xe2000027 | (8 << 20) | (A1 << 15) | ((r) << 7)
#define VL8R(r) .word 0xe2000007 | (8 << 20) | (A1 << 15) | ((r) << 7)
#define VSETVL_ZERO_T0_T2 .word 0x80000057 | (7 << 20) | (5 << 15) | (7 << 12)

    .text
    .globl riscv_v_save
    .type riscv_v_save, @function
riscv_v_save:
    csrr t0, 0x008
    sd t0, 0(a0)
    csrr t0, 0xc20
    sd t0, 8(a0)
    csrr t0, 0xc21
    sd t0, 16(a0)
    csrr t0, 0x00f
    sd t0, 24(a0)
    csrw 0x008, zero
    csrr t1, 0xc22
    slli t1, t1, 3              /* eight registers a store */
    addi a1, a0, 32
    VS8R(0)
    add a1, a1, t1
    VS8R(8)
    add a1, a1, t1
    VS8R(16)
    add a1, a1, t1
    VS8R(24)
    ret
    .size riscv_v_save, . - riscv_v_save

    .globl riscv_v_load
    .type riscv_v_load, @function
riscv_v_load:
    csrr t1, 0xc22
    slli t1, t1, 3
    addi a1, a0, 32
    VL8R(0)
    add a1, a1, t1
    VL8R(8)
    add a1, a1, t1
    VL8R(16)
    add a1, a1, t1
    VL8R(24)
    ld t0, 8(a0)
    ld t2, 16(a0)
    VSETVL_ZERO_T0_T2
    ld t0, 24(a0)
    csrw 0x00f, t0
    ld t0, 0(a0)
    csrw 0x008, t0
    ret
    .size riscv_v_load, . - riscv_v_load
