/*
 * format.c — printf-style formatting for the kernel (kprintf,
 * vos_snprintf): %d %i %u %x %X
 * %p %s %c %%, with l/ll/z, width, '0' and '#'; with VOS_FORMAT_FLOAT (the
 * kernel has no FP registers; tests/format checks it on the host) also %f
 * with a precision.  It writes through a callback and needs nothing else.
 * User programs format with newlib's printf (docs/userland.md).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"

struct out {
    vos_format_put_t put;
    void *ctx;
    size_t len;
};

static void put(struct out *s, char c)
{
    s->put(s->ctx, c);
    s->len++;
}

static size_t length(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static void put_num(struct out *s, uint64_t v, unsigned base, bool neg, int width, bool zero, const char *prefix, bool upper)
{
    char tmp[24];
    int n = 0;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    int len = n + (neg ? 1 : 0) + (int)length(prefix);
    if (!zero)
        for (; width > len; width--)
            put(s, ' ');
    if (neg)
        put(s, '-');
    for (const char *p = prefix; *p; p++)
        put(s, *p);
    if (zero)
        for (; width > len; width--)
            put(s, '0');
    while (n)
        put(s, tmp[--n]);
}

#ifdef VOS_FORMAT_FLOAT
/*
 * %f, exactly: a double is m * 2^e, so x * 10^prec rounded to an integer is
 * big-number arithmetic on m, with the remainder deciding the rounding
 * (to nearest, ties to even: what glibc prints).  40 limbs of 32 bits hold
 * the largest double (2^1024) times 10^FLOAT_MAX_PRECISION.
 */
#define FLOAT_MAX_PRECISION 40
#define LIMBS 40

struct big {
    uint32_t w[LIMBS]; /* little-endian */
    unsigned n;        /* limbs in use; the top one non-zero */
};

/* b = b * mul + add */
static void big_mul_add(struct big *b, uint32_t mul, uint32_t add)
{
    uint64_t carry = add;
    for (unsigned i = 0; i < b->n; i++) {
        uint64_t t = (uint64_t)b->w[i] * mul + carry;
        b->w[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry)
        b->w[b->n++] = (uint32_t)carry;
}

/* b /= d; returns the remainder. */
static uint32_t big_div_small(struct big *b, uint32_t d)
{
    uint64_t r = 0;
    for (unsigned i = b->n; i-- > 0;) {
        uint64_t t = r << 32 | b->w[i];
        b->w[i] = (uint32_t)(t / d);
        r = t % d;
    }
    while (b->n && !b->w[b->n - 1])
        b->n--;
    return (uint32_t)r;
}

static void big_shl(struct big *b, unsigned k)
{
    unsigned words = k / 32;
    for (unsigned i = b->n; i-- > 0;)
        b->w[i + words] = b->w[i];
    for (unsigned i = 0; i < words; i++)
        b->w[i] = 0;
    b->n += words;
    big_mul_add(b, 1u << (k % 32), 0);
}

static bool big_bit(const struct big *b, unsigned k)
{
    return k / 32 < b->n && (b->w[k / 32] >> (k % 32) & 1);
}

/* b >>= k, rounded to nearest, ties to even. */
static void big_shr_round(struct big *b, unsigned k)
{
    bool half = k && big_bit(b, k - 1), rest = false;
    for (unsigned i = 0; k && i < k - 1 && !rest; i++)
        rest = big_bit(b, i);
    unsigned words = k / 32, bits = k % 32;
    for (unsigned i = 0; i < LIMBS; i++) {
        uint64_t lo = i + words < b->n ? b->w[i + words] : 0;
        uint64_t hi = i + words + 1 < b->n ? b->w[i + words + 1] : 0;
        b->w[i] = (uint32_t)((lo | hi << 32) >> bits);
    }
    b->n = b->n > words ? b->n - words : 0;
    while (b->n && !b->w[b->n - 1])
        b->n--;
    if (half && (rest || (b->n && (b->w[0] & 1)))) {
        if (!b->n)
            b->w[b->n++] = 0;
        big_mul_add(b, 1, 1);
    }
}

static void put_float(struct out *s, double x, int prec, int width, bool zero, bool alt, bool upper)
{
    union { double d; uint64_t u; } bits = { x };
    bool neg = bits.u >> 63;
    unsigned exp = (unsigned)(bits.u >> 52) & 0x7ff;
    uint64_t m = bits.u & ((UINT64_C(1) << 52) - 1);
    char digits[FLOAT_MAX_PRECISION + 330];
    int n = 0;
    if (exp == 0x7ff) {
        for (const char *p = m ? (upper ? "NAN" : "nan") : upper ? "INF" : "inf"; *p; p++)
            digits[n++] = *p;
        prec = -1;
        zero = false;
    } else {
        if (prec > FLOAT_MAX_PRECISION)
            prec = FLOAT_MAX_PRECISION;
        int e = exp ? (int)exp - 1075 : -1074;
        if (exp)
            m |= UINT64_C(1) << 52;
        struct big b = { { (uint32_t)m, (uint32_t)(m >> 32) }, m >> 32 ? 2 : m ? 1 : 0 };
        for (int i = 0; i < prec; i++)
            big_mul_add(&b, 10, 0);
        if (e >= 0)
            big_shl(&b, (unsigned)e);
        else
            big_shr_round(&b, (unsigned)-e);
        do /* least significant first */
            digits[n++] = (char)('0' + big_div_small(&b, 10));
        while (b.n || n <= prec);
        for (int i = 0; i < n / 2; i++) {
            char t = digits[i];
            digits[i] = digits[n - 1 - i];
            digits[n - 1 - i] = t;
        }
    }
    int point = prec > 0 || (prec == 0 && alt);
    int len = n + point + neg;
    if (!zero)
        for (; width > len; width--)
            put(s, ' ');
    if (neg)
        put(s, '-');
    if (zero)
        for (; width > len; width--)
            put(s, '0');
    for (int i = 0; i < n; i++) {
        if (point && i == n - prec)
            put(s, '.');
        put(s, digits[i]);
    }
    if (point && prec == 0)
        put(s, '.');
}
#endif

size_t vos_format(vos_format_put_t putc, void *ctx, const char *fmt, va_list ap)
{
    struct out o = { putc, ctx, 0 }, *s = &o;
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(s, *fmt);
            continue;
        }
        bool alt = false, zero = false;
        int width = 0, lng = 0;
        for (fmt++;; fmt++) {
            if (*fmt == '#') alt = true;
            else if (*fmt == '0') zero = true;
            else break;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        int prec = -1;
        if (*fmt == '.')
            for (prec = 0, fmt++; *fmt >= '0' && *fmt <= '9';)
                prec = prec * 10 + (*fmt++ - '0');
        while (*fmt == 'l' || *fmt == 'z') {
            lng++;
            fmt++;
        }
        switch (*fmt) {
        case 'd': case 'i': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            put_num(s, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width, zero, "", false);
            break;
        }
        case 'u': case 'x': case 'X': {
            uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            unsigned base = *fmt == 'u' ? 10 : 16;
            put_num(s, v, base, false, width, zero, alt && base == 16 ? "0x" : "", *fmt == 'X');
            break;
        }
        case 'p':
            put_num(s, (uintptr_t)va_arg(ap, void *), 16, false, width, zero, "0x", false);
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str) str = "(null)";
            int len = (int)length(str);
            for (; width > len; width--) put(s, ' ');
            while (*str) put(s, *str++);
            break;
        }
        case 'c':
            put(s, (char)va_arg(ap, int));
            break;
#ifdef VOS_FORMAT_FLOAT
        case 'f': case 'F':
            put_float(s, va_arg(ap, double), prec < 0 ? 6 : prec, width, zero, alt, *fmt == 'F');
            break;
#endif
        case '%':
            put(s, '%');
            break;
        default:
            put(s, '%');
            if (*fmt) put(s, *fmt);
            else fmt--;
        }
    }
    return o.len;
}

struct buffer {
    char *buf;
    size_t size, len;
};

static void buffer_put(void *ctx, char c)
{
    struct buffer *b = ctx;
    if (b->len + 1 < b->size)
        b->buf[b->len] = c;
    b->len++;
}

int vos_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buffer b = { buf, size, 0 };
    vos_format(buffer_put, &b, fmt, ap);
    if (size)
        buf[b.len < size ? b.len : size - 1] = 0;
    return (int)b.len;
}

int vos_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vos_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
