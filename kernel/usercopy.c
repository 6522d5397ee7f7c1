/*
 * usercopy.c — range checks for pointer arguments and the copy functions
 * handlers use.  All access goes through the current process's page
 * tables (vspace_read/vspace_write), so a bad pointer is an error code,
 * never a kernel fault.
 */
#include "process.h"
#include "syscall_support.h"

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

/*
 * syscall_spill_direct's rest: misaligned, a translation to make, two
 * pages, or an error.  Copied words go into self->spill, not the shim's
 * stack: a shim with no local whose address escapes can tail-call its
 * handler.  (n fits: each generated caller asserts it at compile time.)
 */
const uint64_t *syscall_spill_slow(struct thread *self, uint64_t addr, unsigned n)
{
    struct process *p = self->proc;
    const uint64_t *k = NULL;
    if (addr & 7)
        return NULL;
    if (n && addr < ARCH_USER_TOP && ALIGN_DOWN(addr, PAGE_SIZE) == ALIGN_DOWN(addr + n * 8 - 1, PAGE_SIZE))
        k = process_direct(p, addr, VOS_PROT_READ);
    if (k)
        return k;
    return vspace_read(&p->vspace, self->spill, addr, (uint64_t)n * 8) ? NULL : self->spill;
}
