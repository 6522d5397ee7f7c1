/*
 * usercopy.h — the only way the kernel touches user memory.
 *
 * Handlers receive user buffers as user_in_t (the kernel may read it) or
 * user_out_t (the kernel may write it).  They are plain ranges, not
 * pointers, so dereferencing one is a compile error; the copy functions
 * translate through the caller's page tables and fail with
 * VOS_ERR_INVALID_ADDRESS instead of faulting.
 */
#pragma once

#include "kernel.h"

typedef struct { uaddr_t addr; uint64_t len; } user_in_t;
typedef struct { uaddr_t addr; uint64_t len; } user_out_t;

struct thread;

/* Range checks the generated shims apply to pointer arguments (inline: every syscall with a buffer runs them). */
static inline long user_range_check(uint64_t addr, uint64_t count, uint64_t elem_size, uint64_t max_count,
                                    uint64_t align, uaddr_t *a, uint64_t *len)
{
    if (count > max_count)
        return VOS_ERR_INVALID_PARAMETER;
    *a = addr;
    *len = count * elem_size; /* no overflow: max_count * elem_size is small */
    if (count == 0)
        return VOS_OK;
    /* Not NULL and inside the user half, end included, in one unsigned comparison: addr - 1 wraps for
     * NULL, and ARCH_USER_TOP - 1 - len does not: each generated shim asserts max_count * elem_size
     * below the top. */
    if ((addr - 1 > ARCH_USER_TOP - 1 - *len) || (addr & (align - 1)))
        return VOS_ERR_INVALID_ADDRESS;
    return VOS_OK;
}

static inline long user_in_check(uint64_t addr, uint64_t count, uint64_t elem_size, uint64_t max_count,
                                 uint64_t align, user_in_t *out)
{
    return user_range_check(addr, count, elem_size, max_count, align, &out->addr, &out->len);
}

static inline long user_out_check(uint64_t addr, uint64_t count, uint64_t elem_size, uint64_t max_count,
                                  uint64_t align, user_out_t *out)
{
    return user_range_check(addr, count, elem_size, max_count, align, &out->addr, &out->len);
}

/* Copy n bytes at offset off of the range; VOS_OK or VOS_ERR_INVALID_ADDRESS (also if off+n exceeds the range). */
long copy_from_user(void *dst, user_in_t src, uint64_t off, uint64_t n);
long copy_to_user(user_out_t dst, uint64_t off, const void *src, uint64_t n);
