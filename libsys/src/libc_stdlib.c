/*
 * libc_stdlib.c — <stdlib.h>: a heap on anonymous SYS_MMAP memory, exit and
 * abort through SYS_EXIT, strtol and friends.
 *
 * The heap: blocks carry a 16-byte header (size, free-list link).  Small
 * requests are carved from 1 MiB arenas mapped on demand; requests of
 * 256 KiB or more get a mapping of their own, returned with SYS_MUNMAP on
 * free.  Freed small blocks go on a first-fit free list (no coalescing: the
 * runtime serves test programs, not long-running servers).  Not thread-safe.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <vos/libsys.h>
#include <vos/syscalls.h>

#define ALIGN 16u
#define ARENA (1u << 20)
#define BIG (256u << 10)

struct block {
    size_t size;        /* usable bytes after the header */
    struct block *next; /* free list; (struct block *)1 marks a block with its own mapping */
};
#define OWN_MAPPING ((struct block *)1)

static struct block *free_list;
static char *arena_cur, *arena_end;

static void *map(size_t len)
{
    int64_t r = vos_sys_mmap(0, len, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, VOS_CAP_NULL, 0);
    return r < 0 ? NULL : (void *)(uintptr_t)r;
}

static size_t round_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }

void *malloc(size_t size)
{
    if (size > ((size_t)1 << 40))
        return NULL;
    size = round_up(size ? size : 1, ALIGN);
    if (size >= BIG) {
        size_t len = round_up(size + sizeof(struct block), VOS_PAGE_SIZE);
        struct block *b = map(len);
        if (!b)
            return NULL;
        b->size = len - sizeof(struct block);
        b->next = OWN_MAPPING;
        return b + 1;
    }
    for (struct block **pp = &free_list; *pp; pp = &(*pp)->next)
        if ((*pp)->size >= size) {
            struct block *b = *pp;
            *pp = b->next;
            b->next = NULL;
            return b + 1;
        }
    size_t need = size + sizeof(struct block);
    if (!arena_cur || (size_t)(arena_end - arena_cur) < need) {
        char *a = map(ARENA);
        if (!a)
            return NULL;
        arena_cur = a;
        arena_end = a + ARENA;
    }
    struct block *b = (struct block *)arena_cur;
    arena_cur += need;
    b->size = size;
    b->next = NULL;
    return b + 1;
}

void free(void *ptr)
{
    if (!ptr)
        return;
    struct block *b = (struct block *)ptr - 1;
    if (b->next == OWN_MAPPING) {
        vos_sys_munmap((uint64_t)(uintptr_t)b, b->size + sizeof(struct block));
        return;
    }
    b->next = free_list;
    free_list = b;
}

void *calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *realloc(void *ptr, size_t size)
{
    if (!ptr)
        return malloc(size);
    struct block *b = (struct block *)ptr - 1;
    if (size <= b->size)
        return ptr;
    void *n = malloc(size);
    if (n) {
        memcpy(n, ptr, b->size);
        free(ptr);
    }
    return n;
}

#define MAX_ATEXIT 8
static void (*atexit_fns[MAX_ATEXIT])(void);
static int atexit_count;

int atexit(void (*fn)(void))
{
    if (atexit_count == MAX_ATEXIT)
        return -1;
    atexit_fns[atexit_count++] = fn;
    return 0;
}

void _Exit(int status) { vos_sys_exit(status); }

void exit(int status)
{
    while (atexit_count)
        atexit_fns[--atexit_count]();
    vos_sys_exit(status);
}

void abort(void) { vos_sys_exit(134); /* 128 + SIGABRT, as a shell would report it */ }

char *getenv(const char *name)
{
    (void)name;
    return NULL; /* no environment */
}

static int digit(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

/* The shared part: sign, base prefix, digits; saturates at `limit` (magnitude). */
static unsigned long long parse(const char *s, char **end, int base, int *neg)
{
    const char *p = s;
    while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
        p++;
    *neg = 0;
    if (*p == '-' || *p == '+')
        *neg = *p++ == '-';
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit(p[2]) < 16) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = *p == '0' ? 8 : 10;
    }
    unsigned long long v = 0;
    const char *start = p;
    for (; digit(*p) < base; p++) {
        unsigned long long nv = v * (unsigned)base + (unsigned)digit(*p);
        v = nv < v ? ~0ull : nv;
    }
    if (end)
        *end = (char *)(uintptr_t)(p == start ? s : p);
    return v;
}

unsigned long long strtoull(const char *s, char **end, int base)
{
    int neg;
    unsigned long long v = parse(s, end, base, &neg);
    return neg ? -v : v;
}

long long strtoll(const char *s, char **end, int base)
{
    int neg;
    unsigned long long v = parse(s, end, base, &neg);
    if (neg)
        return v > (unsigned long long)INT64_MAX + 1 ? INT64_MIN : (long long)(0 - v);
    return v > INT64_MAX ? INT64_MAX : (long long)v;
}

unsigned long strtoul(const char *s, char **end, int base) { return strtoull(s, end, base); }
long strtol(const char *s, char **end, int base) { return strtoll(s, end, base); }
int atoi(const char *s) { return (int)strtol(s, NULL, 10); }
long labs(long v) { return v < 0 ? -v : v; }
int abs(int v) { return v < 0 ? -v : v; }

void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    /* insertion sort: small inputs only */
    char *b = base;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && cmp(b + (j - 1) * size, b + j * size) > 0; j--)
            for (size_t k = 0; k < size; k++) {
                char t = b[(j - 1) * size + k];
                b[(j - 1) * size + k] = b[j * size + k];
                b[j * size + k] = t;
            }
}
