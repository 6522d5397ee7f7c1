/*
 * capability.c — the capability-management syscalls.  The generated shims
 * have looked every capability up and checked its rights already; what
 * remains is the derivation-tree work in cspace.c.
 */
#include "ioport.h"
#include "irq.h"
#include "memobj.h"
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

/*
 * Deleting one's own capability takes nothing from anyone else, so holding
 * it suffices when it has no children: a server can always drop what a
 * client sent it (else a client sending capabilities in a loop would fill
 * the server's space).  Reaching descendants is what REVOKE authorises.
 */
long sys_capability_revoke(struct thread *self, struct cap *capability)
{
    (void)self;
    if (capability->first_child && !(capability->rights & VOS_RIGHT_REVOKE))
        return VOS_ERR_PERMISSION_DENIED;
    cap_revoke(capability);
    cap_delete(capability); /* the revoked token itself becomes unusable too */
    return VOS_OK;
}

/* sys_capability_validate is inlined into its shim: see syscall_support.h. */

/*
 * A capability to (type, id) may be made from one to the object itself or
 * from one to the process that created it (a process owns what it made).
 * A MEMORY capability from a memory pool instead carves a new region out of
 * the pool: object_id is then the region's size in bytes (memobj.c).  The
 * driver objects are made the same way from what init holds (docs/abi.md,
 * "Drivers"): an interrupt line from the interrupt-control capability
 * (irq.c), device registers from the device-memory pool (devmem.c), I/O
 * ports from an I/O port range (ioport.c).
 */
long sys_capability_create(struct thread *self, uint64_t object_type, vos_object_t object_id, uint64_t rights,
                           struct cap *parent, vos_cap_t *result)
{
    if (object_type == VOS_OBJ_NONE)
        return VOS_ERR_INVALID_PARAMETER;
    if (rights & ~(uint64_t)parent->rights)
        return VOS_ERR_PERMISSION_DENIED;
    if (object_type == VOS_OBJ_MEMORY && memobj_is_pool(parent->obj))
        return memobj_carve(self, parent, object_id, rights, result);
    uint32_t from = parent->obj->type;
    if (object_type == VOS_OBJ_IRQ && from == VOS_OBJ_IRQ_CONTROL)
        return irq_create(self, parent, object_id, rights, result);
    if (object_type == VOS_OBJ_DEVICE_MEMORY && from == VOS_OBJ_DEVICE_MEMORY &&
        container_of(parent->obj, struct memobj, obj)->pool)
        return devmem_carve(self, parent, object_id, rights, result);
    if (object_type == VOS_OBJ_IO_PORT && from == VOS_OBJ_IO_PORT)
        return ioport_carve(self, parent, object_id, rights, result);
    struct object *obj = object_find((uint32_t)object_type, object_id);
    if (!obj)
        return VOS_ERR_NOT_FOUND;
    if (parent->obj != obj && !(obj->owner && &obj->owner->obj == parent->obj))
        return VOS_ERR_PERMISSION_DENIED;
    struct cap *c;
    long err = cap_insert(&self->proc->cspace, obj, rights, parent, &c);
    if (err)
        return err;
    *result = cap_token(c);
    return VOS_OK;
}
