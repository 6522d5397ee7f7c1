/*
 * float128.c — the two conversions between double and IEEE binary128 that
 * the compiler calls for `long double` on riscv64 and aarch64 (where long
 * double is binary128 and the FPU has no instructions for it).  newlib's
 * printf converts a %Lf argument to double with __trunctfdf2.  The compiler
 * runtime (compiler-rt's builtins) is not packaged for these bare-metal
 * targets, so libsys supplies these two; any other binary128 arithmetic a
 * program uses fails at link time, naming the missing routine.
 *
 * binary128: sign, 15-bit exponent (bias 16383), 112-bit fraction.
 * double:    sign, 11-bit exponent (bias 1023),  52-bit fraction.
 * Narrowing rounds to nearest, ties to even, as the FPU would by default.
 */
#if __LDBL_MANT_DIG__ == 113
#include <stdint.h>
#include <string.h>

typedef unsigned __int128 u128;

static u128 bits_of(long double x)
{
    u128 b;
    memcpy(&b, &x, sizeof(b));
    return b;
}

static long double from_bits(u128 b)
{
    long double x;
    memcpy(&x, &b, sizeof(x));
    return x;
}

static double double_from_bits(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof(x));
    return x;
}

long double __extenddftf2(double a)
{
    uint64_t b;
    memcpy(&b, &a, sizeof(b));
    u128 sign = (u128)(b >> 63) << 127;
    uint64_t exp = (b >> 52) & 0x7ff, frac = b & ((1ull << 52) - 1);
    if (exp == 0x7ff) /* inf, nan (the payload and quiet bit move up) */
        return from_bits(sign | (u128)0x7fff << 112 | (u128)frac << 60);
    if (exp == 0) {
        if (!frac)
            return from_bits(sign);
        /* Subnormal double: frac * 2^-1074, normal in binary128. */
        int top = 63 - __builtin_clzll(frac); /* its highest set bit, 0..51 */
        u128 mant = ((u128)frac << (112 - top)) & (((u128)1 << 112) - 1);
        return from_bits(sign | (u128)(top - 1074 + 16383) << 112 | mant);
    }
    return from_bits(sign | (u128)(exp - 1023 + 16383) << 112 | (u128)frac << 60);
}

/* sig >> shift rounded to nearest, ties to even (1 <= shift <= 127). */
static uint64_t round_shift(u128 sig, int shift)
{
    u128 keep = sig >> shift, rem = sig & (((u128)1 << shift) - 1), half = (u128)1 << (shift - 1);
    if (rem > half || (rem == half && (keep & 1)))
        keep++;
    return (uint64_t)keep;
}

double __trunctfdf2(long double a)
{
    u128 b = bits_of(a);
    uint64_t sign = (uint64_t)(b >> 127) << 63;
    int exp = (int)((b >> 112) & 0x7fff);
    u128 frac = b & (((u128)1 << 112) - 1);
    if (exp == 0x7fff) {
        if (!frac)
            return double_from_bits(sign | 0x7ffull << 52);
        return double_from_bits(sign | 0x7ffull << 52 | 1ull << 51 | (uint64_t)(frac >> 60)); /* a quiet nan */
    }
    int e = exp - 16383;
    if (exp == 0 || e < -1022 - 53) /* far below the smallest subnormal double */
        return double_from_bits(sign);
    if (e > 1023)
        return double_from_bits(sign | 0x7ffull << 52);
    u128 sig = frac | (u128)1 << 112; /* with the leading 1 */
    if (e >= -1022) {
        /* Normal: 113 significant bits to 53; a carry out of the top bumps the exponent. */
        uint64_t m = round_shift(sig, 60);
        uint64_t biased = (uint64_t)(e + 1023);
        if (m >> 53) {
            m >>= 1;
            biased++;
        }
        if (biased >= 0x7ff)
            return double_from_bits(sign | 0x7ffull << 52);
        return double_from_bits(sign | biased << 52 | (m & ((1ull << 52) - 1)));
    }
    /* Subnormal double: the value is m * 2^-1074; rounding up may reach the smallest normal, whose bits follow on. */
    return double_from_bits(sign | round_shift(sig, 112 - (e + 1074)));
}
#endif
