/*
 * The only kernel code that touches the FP/SIMD registers (the C is built
 * -mgeneral-regs-only).  CPACR_EL1.FPEN must be 11 around each use; fp.c
 * explains who owns the registers.
 */
#include <arch_defs.h>
#include "aarch64.h"

    .arch armv8-a+fp+simd

// q0..q31, fpcr and fpsr into the frame at base; clobbers tmp, x2, x3.
.macro fp_store base, tmp
    add     \tmp, \base, #TF_Q
    stp     q0, q1, [\tmp, #0]
    stp     q2, q3, [\tmp, #32]
    stp     q4, q5, [\tmp, #64]
    stp     q6, q7, [\tmp, #96]
    stp     q8, q9, [\tmp, #128]
    stp     q10, q11, [\tmp, #160]
    stp     q12, q13, [\tmp, #192]
    stp     q14, q15, [\tmp, #224]
    stp     q16, q17, [\tmp, #256]
    stp     q18, q19, [\tmp, #288]
    stp     q20, q21, [\tmp, #320]
    stp     q22, q23, [\tmp, #352]
    stp     q24, q25, [\tmp, #384]
    stp     q26, q27, [\tmp, #416]
    stp     q28, q29, [\tmp, #448]
    stp     q30, q31, [\tmp, #480]
    mrs     x2, fpcr
    mrs     x3, fpsr
    stp     x2, x3, [\base, #TF_FPCR]
.endm

    .text
// aarch64_fp_save(x0 = frame), aarch64_fp_load(x0 = frame)
    .global aarch64_fp_save
    .type aarch64_fp_save, %function
aarch64_fp_save:
    fp_store x0, x1
    ret
    .size aarch64_fp_save, . - aarch64_fp_save

    .global aarch64_fp_load
    .type aarch64_fp_load, %function
aarch64_fp_load:
    add     x1, x0, #TF_Q
    ldp     q0, q1, [x1, #0]
    ldp     q2, q3, [x1, #32]
    ldp     q4, q5, [x1, #64]
    ldp     q6, q7, [x1, #96]
    ldp     q8, q9, [x1, #128]
    ldp     q10, q11, [x1, #160]
    ldp     q12, q13, [x1, #192]
    ldp     q14, q15, [x1, #224]
    ldp     q16, q17, [x1, #256]
    ldp     q18, q19, [x1, #288]
    ldp     q20, q21, [x1, #320]
    ldp     q22, q23, [x1, #352]
    ldp     q24, q25, [x1, #384]
    ldp     q26, q27, [x1, #416]
    ldp     q28, q29, [x1, #448]
    ldp     q30, q31, [x1, #480]
    ldp     x2, x3, [x0, #TF_FPCR]
    msr     fpcr, x2
    msr     fpsr, x3
    ret
    .size aarch64_fp_load, . - aarch64_fp_load

/*
 * arch_memcpy_bulk(x0 = dst, x1 = src, x2 = n >= 256): the kernel's memcpy
 * for large copies (libsys/src/string.c) copies the first n & ~127 bytes
 * here, 128 a round through q0..q7, and the rest itself; returns the count
 * copied.  The registers may hold a thread's state: that goes into its
 * frame first and the thread loses the unit (its next FP/SIMD instruction
 * traps and loads it back, fp.c).  Afterwards they hold nobody's state, so
 * FPEN = 00 for whoever runs next, as every frame without the unit says.
 * Cheaper than a loop in general registers, which copies half as much a
 * round (docs/performance.md, "FP/SIMD and the kernel's copies").  Each
 * round loads before it stores: forward copies with dst < src may overlap
 * (memmove relies on it).
 */
    .global arch_memcpy_bulk
    .type arch_memcpy_bulk, %function
arch_memcpy_bulk:
    mov     x5, #(3 << 20)             // CPACR_FPEN
    msr     cpacr_el1, x5
    isb
    adrp    x5, aarch64_fp_owner
    ldr     x6, [x5, :lo12:aarch64_fp_owner]
    cbz     x6, 1f
    str     xzr, [x5, :lo12:aarch64_fp_owner]
    str     xzr, [x6, #TF_CPACR]
    mov     x7, x2
    fp_store x6, x4
    mov     x2, x7
1:  and     x3, x2, #~127
    mov     x4, x3
2:  ldp     q0, q1, [x1]
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
    b.ne    2b
    msr     cpacr_el1, xzr
    mov     x0, x3
    ret
    .size arch_memcpy_bulk, . - arch_memcpy_bulk
