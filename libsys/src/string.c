/*
 * string.c — the few libc functions compilers call on their own, for the
 * freestanding kernel (kernel/CMakeLists.txt builds it from here; the host
 * build uses the host's libc, user programs newlib's).
 */
#include <stddef.h>
#include <stdint.h>

int strcmp(const char *a, const char *b);

#ifdef VOS_KERNEL_BULK_COPY
/*
 * Kernels whose arch copies large blocks with registers user code cannot
 * see (riscv64's vector unit, aarch64's SIMD registers; arch/<arch>/):
 * copies a prefix of the n >= 256 bytes and returns its length.
 */
size_t arch_memcpy_bulk(void *dst, const void *src, size_t n);
#endif

static inline __attribute__((always_inline)) void *copy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    /* Same alignment: bytes up to a word boundary, then words, then the tail. */
    if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
        while (n && ((uintptr_t)d & 7)) {
            *d++ = *s++;
            n--;
        }
        uint64_t *dw = (uint64_t *)d;
        const uint64_t *sw = (const uint64_t *)s;
#if defined(__x86_64__)
        /* The string instruction (direction flag cleared: an interrupt does not clear it). */
        size_t words = n / 8;
        __asm__ volatile("cld; rep movsq" : "+D"(dw), "+S"(sw), "+c"(words) : : "memory", "cc");
        n &= 7;
#else
        /* 64 bytes a round: loads and stores, one pointer step each, one branch. */
        for (; n >= 64; n -= 64, dw += 8, sw += 8) {
            uint64_t w0 = sw[0], w1 = sw[1], w2 = sw[2], w3 = sw[3];
            uint64_t w4 = sw[4], w5 = sw[5], w6 = sw[6], w7 = sw[7];
            dw[0] = w0, dw[1] = w1, dw[2] = w2, dw[3] = w3;
            dw[4] = w4, dw[5] = w5, dw[6] = w6, dw[7] = w7;
        }
#endif
        for (; n >= 8; n -= 8)
            *dw++ = *sw++;
        d = (unsigned char *)dw;
        s = (const unsigned char *)sw;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

#ifdef VOS_KERNEL_BULK_COPY
/*
 * Out of line and tail-called, so that small copies stay a leaf function.
 * (The empty asm hides that the result is dst: knowing it, the compiler
 * would keep dst across a plain call instead of tail-calling.)
 */
static __attribute__((noinline)) void *copy_large(void *dst, const void *src, size_t n)
{
    size_t done = arch_memcpy_bulk(dst, src, n);
    if (done < n)
        copy((char *)dst + done, (const char *)src + done, n - done);
    __asm__("" : "+r"(dst));
    return dst;
}
#endif

void *memcpy(void *dst, const void *src, size_t n)
{
#ifdef VOS_KERNEL_BULK_COPY
    if (n >= 256)
        return copy_large(dst, src, n);
#endif
    return copy(dst, src, n);
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    if (c == 0 && (((uintptr_t)d | n) & 7) == 0) {
        /* Zeroing whole words (kmem_alloc's objects): 64 bytes a round, as memcpy. */
        uint64_t *dw = dst;
        for (; n >= 64; n -= 64, dw += 8) {
            dw[0] = 0, dw[1] = 0, dw[2] = 0, dw[3] = 0;
            dw[4] = 0, dw[5] = 0, dw[6] = 0, dw[7] = 0;
        }
        for (; n; n -= 8)
            *dw++ = 0;
        return dst;
    }
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}
