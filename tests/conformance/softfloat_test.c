/*
 * softfloat_test.c — libsys's __adddf3 (libsys/src/softfloat.c, used by
 * cmocka on riscv64 and aarch64, whose user code has no FP registers)
 * against the host's FPU: random operands from every class (normal,
 * subnormal, zero, infinity, NaN, near-cancelling pairs), bit-exact except
 * that any NaN matches any NaN.  Deterministic: a fixed xorshift seed.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

uint64_t __adddf3(uint64_t a, uint64_t b);

static uint64_t seed = 88172645463325252ull;

static uint64_t next(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
}

static uint64_t operand(void)
{
    uint64_t r = next();
    switch (next() % 8) {
    case 0: return r & 0x800fffffffffffffull;                          /* subnormal */
    case 1: return (r & 0x800fffffffffffffull) | 0x7ff0000000000000ull; /* infinity or NaN */
    case 2: return r & 0x8000000000000000ull;                          /* zero */
    case 3: return (r & 0x80000000000000ffull) | ((1000 + next() % 40) << 52);
    default: return r;
    }
}

int main(void)
{
    long bad = 0, n = 2000000;
    for (long i = 0; i < n; i++) {
        uint64_t a = operand(), b = operand();
        if (next() % 4 == 0) /* near-cancelling */
            b = (a ^ (next() % 2 ? 0x8000000000000000ull : 0)) + next() % 5 - 2;
        double da, db, dc;
        memcpy(&da, &a, 8);
        memcpy(&db, &b, 8);
        dc = da + db;
        uint64_t want, got = __adddf3(a, b);
        memcpy(&want, &dc, 8);
        int got_nan = (got & 0x7fffffffffffffffull) > 0x7ff0000000000000ull;
        if (got != want && !(isnan(dc) && got_nan) && bad++ < 5)
            printf("%016llx + %016llx = %016llx, want %016llx\n", (unsigned long long)a, (unsigned long long)b,
                   (unsigned long long)got, (unsigned long long)want);
    }
    printf("softfloat: %ld additions, %ld wrong\n", n, bad);
    return bad != 0;
}
