/*
 * xlat.c — the remembered answers about user address spaces (xlat.h
 * states the invariant: each is still true, because the operations that
 * could falsify one forget it).
 */
#include "ipc.h"
#include "xlat.h"

__attribute__((noinline)) void *process_direct_miss(struct process *p, uaddr_t va, unsigned need)
{
    uaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
    char *k = vspace_direct(&p->vspace, page, need);
    if (!k)
        return NULL;
    p->vspace.xlat[xlat_index(page, need)] =
        (struct xlat){ page / PAGE_SIZE, (intptr_t)k - (intptr_t)page };
    return k + (va - page);
}

long checked_range_write_miss(struct checked_range *c, struct vspace *vs, uaddr_t va, uint64_t n)
{
    long err = ipc_check_range(vs, va, n, VOS_PROT_WRITE);
    if (!err)
        *c = (struct checked_range){ va, n, vs->shrinks };
    return err;
}
