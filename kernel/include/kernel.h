/* kernel.h — small things every kernel file uses. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vos/abi.h>
#include "arch.h"
#include "format.h" /* vos_snprintf */

#define VOS_VERSION "0.1.0"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define ALIGN_UP(x, a) ALIGN_DOWN((x) + (a) - 1, (a))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))

/* What the kernel tells QEMU when it powers off (cmake/VosBootTests.cmake). */
enum poweroff_status {
    POWEROFF_OK = 0,          /* first process exited with code 0 */
    POWEROFF_INIT_FAILED = 1, /* ... with another code */
    POWEROFF_INIT_FAULTED = 2,/* ... was killed by a fault */
    POWEROFF_PANIC = 3,
};

void kvprintf(const char *fmt, va_list ap);

#define KASSERT(c)                                                        \
    do {                                                                  \
        if (!(c))                                                         \
            panic("assertion failed: %s (%s:%d)", #c, __FILE__, __LINE__); \
    } while (0)

/* The hot paths' early exits (shims' argument checks, the IPC fast path): the rare case, off the straight line. */
#define unlikely(c) __builtin_expect(!!(c), 0)
#define likely(c) __builtin_expect(!!(c), 1)

/* A check too costly for a hot path: debug builds only (the host target's). */
#ifdef NDEBUG
#define KASSERT_DEBUG(c) ((void)sizeof(c))
#else
#define KASSERT_DEBUG(c) KASSERT(c)
#endif

/* Libc-like helpers: the freestanding build provides them (kernel/freestanding), the host build uses libc. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/*
 * A short copy in line (an IPC message): whole words, eight a round (a
 * 64-byte message is one round); dst, src and n word-aligned.  No call and
 * no setup; long copies belong to memcpy, which hands them to the arch.
 * Each word is stored before the next is loaded: the copy then needs one
 * register, not eight, so its caller saves no callee-saved ones for it.
 */
static inline __attribute__((always_inline)) void memcpy_words(void *dst, const void *src, size_t n)
{
    uint64_t *d = dst;
    const uint64_t *s = src;
    for (; n % 64; n -= 8) /* the words past the whole 64-byte blocks first: then n counts blocks only */
        *d++ = *s++;
    for (; n; n -= 64, d += 8, s += 8) {
        d[0] = s[0], d[1] = s[1], d[2] = s[2], d[3] = s[3];
        d[4] = s[4], d[5] = s[5], d[6] = s[6], d[7] = s[7];
    }
}

/* Doubly linked intrusive lists. */
struct list {
    struct list *prev, *next;
};

static inline void list_init(struct list *l) { l->prev = l->next = l; }
static inline bool list_empty(const struct list *l) { return l->next == l; }
/* The neighbours are read before any store, so the compiler need not read them again after one. */
static inline void list_add_tail(struct list *l, struct list *n)
{
    struct list *last = l->prev;
    n->prev = last;
    n->next = l;
    last->next = n;
    l->prev = n;
}
static inline void list_del(struct list *n)
{
    struct list *prev = n->prev, *next = n->next;
    prev->next = next;
    next->prev = prev;
    n->prev = n->next = n;
}
#define list_first(l, type, member) container_of((l)->next, type, member)
#define list_for_each_safe(it, tmp, head) \
    for ((it) = (head)->next, (tmp) = (it)->next; (it) != (head); (it) = (tmp), (tmp) = (it)->next)
