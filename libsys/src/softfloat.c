/*
 * softfloat.c — the one soft-float helper the C runtime's users need.
 *
 * User code on riscv64 (lp64, rv64imac) and aarch64 (-mgeneral-regs-only)
 * has no FP registers, so the compiler turns double arithmetic into calls
 * with the operands in integer registers.  cmocka adds up test run times
 * in a double (always 0.0 here: it is built without a clock), which needs
 * __adddf3; nothing else in the image uses floating point.  IEEE 754
 * binary64 addition, round to nearest even, with subnormals, infinities
 * and NaNs (tests/conformance/softfloat_test.c checks it against the
 * host's FPU: ctest softfloat on the host preset).
 */
#include <stdint.h>

#if defined(__riscv) || defined(__aarch64__) || defined(VOS_SOFTFLOAT_TEST)

#define FRAC_BITS 52
#define IMPLICIT (UINT64_C(1) << FRAC_BITS)
#define FRAC_MASK (IMPLICIT - 1)
#define SIGN_BIT (UINT64_C(1) << 63)
#define ABS_MASK (SIGN_BIT - 1)
#define EXP_MAX 0x7ff
#define INF_REP ((uint64_t)EXP_MAX << FRAC_BITS)
#define QUIET_BIT (IMPLICIT >> 1)

/* Shift a subnormal's fraction up until the implicit bit is set; the exponent it stands for. */
static int normalize(uint64_t *frac)
{
    int shift = __builtin_clzll(*frac) - __builtin_clzll(IMPLICIT);
    *frac <<= shift;
    return 1 - shift;
}

/* x >> n, with every bit shifted out ORed into bit 0 (sticky). */
static uint64_t shift_right_sticky(uint64_t x, unsigned n)
{
    if (n == 0)
        return x;
    if (n >= 64)
        return x != 0;
    return x >> n | ((x << (64 - n)) != 0);
}

uint64_t __adddf3(uint64_t a, uint64_t b);

uint64_t __adddf3(uint64_t a, uint64_t b)
{
    uint64_t a_abs = a & ABS_MASK, b_abs = b & ABS_MASK;
    /* Zeros, infinities and NaNs. */
    if (a_abs - 1 >= INF_REP - 1 || b_abs - 1 >= INF_REP - 1) {
        if (a_abs > INF_REP)
            return a | QUIET_BIT;
        if (b_abs > INF_REP)
            return b | QUIET_BIT;
        if (a_abs == INF_REP)
            return (a ^ b) == SIGN_BIT ? INF_REP | QUIET_BIT : a; /* inf - inf is NaN */
        if (b_abs == INF_REP)
            return b;
        if (!a_abs)
            return b_abs ? b : a & b; /* -0 + -0 is -0, else +0 */
        if (!b_abs)
            return a;
    }
    if (b_abs > a_abs) { /* a has the larger magnitude */
        uint64_t t = a;
        a = b;
        b = t;
    }
    int a_exp = (int)(a >> FRAC_BITS & EXP_MAX), b_exp = (int)(b >> FRAC_BITS & EXP_MAX);
    uint64_t a_frac = a & FRAC_MASK, b_frac = b & FRAC_MASK;
    if (a_exp == 0)
        a_exp = normalize(&a_frac);
    if (b_exp == 0)
        b_exp = normalize(&b_frac);
    uint64_t sign = a & SIGN_BIT;
    int subtract = ((a ^ b) & SIGN_BIT) != 0;
    /* Three extra low bits: guard, round, sticky. */
    a_frac = (a_frac | IMPLICIT) << 3;
    b_frac = shift_right_sticky((b_frac | IMPLICIT) << 3, (unsigned)(a_exp - b_exp));
    if (subtract) {
        a_frac -= b_frac;
        if (a_frac == 0)
            return 0; /* x - x is +0 */
        if (a_frac < IMPLICIT << 3) {
            int shift = __builtin_clzll(a_frac) - __builtin_clzll(IMPLICIT << 3);
            a_frac <<= shift;
            a_exp -= shift;
        }
    } else {
        a_frac += b_frac;
        if (a_frac & IMPLICIT << 4) {
            a_frac = shift_right_sticky(a_frac, 1);
            a_exp++;
        }
    }
    if (a_exp >= EXP_MAX)
        return INF_REP | sign;
    if (a_exp <= 0) { /* subnormal result */
        a_frac = shift_right_sticky(a_frac, (unsigned)(1 - a_exp));
        a_exp = 0;
    }
    unsigned grs = (unsigned)(a_frac & 7);
    uint64_t r = (a_frac >> 3 & FRAC_MASK) | (uint64_t)a_exp << FRAC_BITS | sign;
    if (grs > 4 || (grs == 4 && (r & 1)))
        r++; /* a carry into the exponent is the right answer too */
    return r;
}

#endif
