/*
 * format.c — printf-style formatting for the kernel (kprintf,
 * vos_snprintf): %d %i %u %x %X
 * %p %s %c %%, with l/ll/z, width, '0' and '#'.  It writes through a
 * callback and needs nothing else.
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
        if (*fmt == '.') /* a precision: accepted and ignored (no conversion here uses one) */
            for (fmt++; *fmt >= '0' && *fmt <= '9';)
                fmt++;
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
