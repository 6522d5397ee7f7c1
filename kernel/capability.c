/*
 * capability.c — the capability-management syscalls.  The generated shims
 * have looked every capability up and checked its rights already; what
 * remains is the derivation-tree work in cspace.c.
 */
#include "syscall_handlers.h"

long sys_capability_derive(struct thread *self, struct cap *parent, uint64_t new_rights, vos_cap_t *result)
{
    struct cap *c;
    long err = cap_derive(&self->proc->cspace, parent, new_rights, &c);
    if (err)
        return err;
    *result = cap_token(c);
    return VOS_OK;
}

long sys_capability_revoke(struct thread *self, struct cap *capability)
{
    (void)self;
    cap_revoke(capability);
    cap_delete(capability); /* the revoked token itself becomes unusable too */
    return VOS_OK;
}

long sys_capability_validate(struct thread *self, struct cap *capability, uint64_t required_rights)
{
    (void)self;
    return (capability->rights & required_rights) == required_rights ? VOS_OK : VOS_ERR_PERMISSION_DENIED;
}
