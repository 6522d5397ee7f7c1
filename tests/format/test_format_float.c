/*
 * the kernel formatter's %f (kernel/format.c, VOS_FORMAT_FLOAT) against the host C
 * library's printf, which rounds exactly too: fixed cases (ties, tiny and
 * huge values, subnormals, infinities, NaN, widths), then random doubles
 * of every magnitude at precisions 0..20.  Deterministic: a fixed seed.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "format.h"

static unsigned failures, checked;

static void check(const char *fmt, double x)
{
    char mine[512], want[512];
    vos_snprintf(mine, sizeof(mine), fmt, x);
    snprintf(want, sizeof(want), fmt, x);
    checked++;
    if (strcmp(mine, want) && failures++ < 20)
        printf("FAIL %s of %a: got \"%s\", expected \"%s\"\n", fmt, x, mine, want);
}

static uint64_t state = 0x9e3779b97f4a7c15u;
static uint64_t next(void) /* xorshift64 */
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

int main(void)
{
    static const double fixed[] = {
        0.0, -0.0, 1.0, -1.0, 0.5, 1.5, 2.5, -2.5, 0.125, 0.375, 3.14159265358979, 0.1, 1e-7, 5e-7,
        123456789.987654321, 1e15, 1e22, 1e300, 1.7976931348623157e308, 2.2250738585072014e-308,
        4.9406564584124654e-324, 0.05, 0.15, 0.25, 0.35, 9.9999995, 999999.5, INFINITY, -INFINITY, NAN,
    };
    static const char *const formats[] = {
        "%f", "%.0f", "%.1f", "%.2f", "%.3f", "%.10f", "%.17f", "%.20f", "%.40f", "%12.3f", "%012.3f",
        "%#.0f", "%3f", "%F",
    };
    for (unsigned i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        for (unsigned j = 0; j < sizeof(formats) / sizeof(formats[0]); j++)
            check(formats[j], fixed[i]);
    for (unsigned i = 0; i < 20000; i++) {
        union { uint64_t u; double d; } r = { next() };
        if (isnan(r.d))
            continue;
        /* Half the values near 1 (where the fraction matters), half of any exponent. */
        if (i & 1)
            r.d = ldexp(r.d - floor(r.d), (int)(next() % 80) - 40);
        char fmt[8];
        snprintf(fmt, sizeof(fmt), "%%.%uf", (unsigned)(next() % 21));
        check(fmt, r.d);
    }
    printf("format_float: %u checked, %u failed\n", checked, failures);
    return failures != 0;
}
