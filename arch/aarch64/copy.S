/*
 * arch_memcpy_bulk(x0 = dst, x1 = src, x2 = n >= 256): the kernel's memcpy
 * for large copies (libsys/src/string.c) copies the first n & ~127 bytes
 * here, 128 a round through q0..q7, and the rest itself; returns the count
 * copied.  EL1 may use the SIMD registers and EL0 may not (CPACR.FPEN = 01,
 * boot.S), so their contents are never anyone's state and nothing is saved.
 * Each round loads before it stores: forward copies with dst < src may
 * overlap (memmove relies on it).
 */
    .arch armv8-a+simd
    .text
    .global arch_memcpy_bulk
    .type arch_memcpy_bulk, %function
arch_memcpy_bulk:
    and     x3, x2, #~127
    mov     x4, x3
1:  ldp     q0, q1, [x1]
    ldp     q2, q3, [x1, #32]
    ldp     q4, q5, [x1, #64]
    ldp     q6, q7, [x1, #96]
    add     x1, x1, #128
    stp     q0, q1, [x0]
    stp     q2, q3, [x0, #32]
    stp     q4, q5, [x0, #64]
    stp     q6, q7, [x0, #96]
    add     x0, x0, #128
    subs    x4, x4, #128
    b.ne    1b
    mov     x0, x3
    ret
    .size arch_memcpy_bulk, . - arch_memcpy_bulk
