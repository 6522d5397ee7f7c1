/*
 * usercopy.c — range checks for pointer arguments and the copy functions
 * handlers use.  All access goes through the current process's page
 * tables (vspace_read/vspace_write), so a bad pointer is an error code,
 * never a kernel fault.
 */
#include "process.h"
#include "syscall_support.h"

static long range_check(uint64_t addr, uint64_t count, uint64_t elem_size, uint64_t max_count, uint64_t align,
                        uaddr_t *a, uint64_t *len)
{
    if (count > max_count)
        return VOS_ERR_INVALID_PARAMETER;
    *a = addr;
    *len = count * elem_size; /* no overflow: max_count * elem_size is small */
    if (count == 0)
        return VOS_OK;
    if (addr == 0 || (addr & (align - 1)) || addr >= ARCH_USER_TOP || *len > ARCH_USER_TOP - addr)
        return VOS_ERR_INVALID_ADDRESS;
    return VOS_OK;
}

long user_in_check(uint64_t addr, uint64_t count, uint64_t elem_size, uint64_t max_count, uint64_t align, user_in_t *out)
{
    return range_check(addr, count, elem_size, max_count, align, &out->addr, &out->len);
}

long user_out_check(uint64_t addr, uint64_t count, uint64_t elem_size, uint64_t max_count, uint64_t align, user_out_t *out)
{
    return range_check(addr, count, elem_size, max_count, align, &out->addr, &out->len);
}

long copy_from_user(void *dst, user_in_t src, uint64_t off, uint64_t n)
{
    if (off > src.len || n > src.len - off)
        return VOS_ERR_INVALID_ADDRESS;
    return vspace_read(&current->proc->vspace, dst, src.addr + off, n);
}

long copy_to_user(user_out_t dst, uint64_t off, const void *src, uint64_t n)
{
    if (off > dst.len || n > dst.len - off)
        return VOS_ERR_INVALID_ADDRESS;
    return vspace_write(&current->proc->vspace, dst.addr + off, src, n);
}

long syscall_copy_spill(struct thread *self, uint64_t addr, uint64_t *words, unsigned n)
{
    if (addr & 7)
        return VOS_ERR_INVALID_ADDRESS;
    return vspace_read(&self->proc->vspace, words, addr, (uint64_t)n * 8);
}
