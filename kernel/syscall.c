/*
 * syscall.c — from the trap to the generated shim, and the capability
 * check every shim uses.  This is the hot path: keep it short.
 */
#include "syscall_frame.h"
#include "syscall_support.h"

long syscall_dispatch(struct thread *self, struct trap_frame *f)
{
    uint64_t nr = syscall_number(f);
    if (nr >= VOS_SYSCALL_TABLE_SIZE || !syscall_table[nr])
        return VOS_ERR_INVALID_SYSCALL;
    return syscall_table[nr](self, f);
}

void kernel_entry_syscall(struct trap_frame *f)
{
    long err = syscall_dispatch(current, f);
    if (err > 0)
        syscall_return_error(f, err);
    sched_return_to_user();
}

long cap_check(struct thread *self, vos_cap_t token, uint32_t object_mask, uint64_t rights, bool optional,
               struct cap **out)
{
    if (token == VOS_CAP_NULL && optional) {
        *out = NULL;
        return VOS_OK;
    }
    struct cap *c;
    long err = cap_lookup(&self->proc->cspace, token, &c);
    if (err)
        return err;
    if (!(object_mask & CAP_OBJ_BIT(c->obj->type)))
        return VOS_ERR_INVALID_CAPABILITY;
    if ((c->rights & rights) != rights)
        return VOS_ERR_PERMISSION_DENIED;
    *out = c;
    return VOS_OK;
}
