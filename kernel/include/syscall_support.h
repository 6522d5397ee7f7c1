/*
 * syscall_support.h — what the generated dispatch table and shims need
 * from the kernel (gen/kernel/syscall_*.c include it).
 */
#pragma once

#include "cap.h"
#include "process.h"
#include "usercopy.h"

/* A handler's "the thread now waits; its results are written when it wakes". */
#define SYSCALL_BLOCKED (-1L)

typedef long (*syscall_shim_t)(struct thread *self, struct trap_frame *f);
extern const syscall_shim_t syscall_table[VOS_SYSCALL_TABLE_SIZE];

/* Look up a capability argument (see the shims' header comment for the errors). */
static inline __attribute__((always_inline)) long cap_check(struct thread *self, vos_cap_t token,
                                                             uint32_t object_mask, uint64_t rights, bool optional,
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

/* The overflow rule: copy the spilled argument words in from user memory. */
long syscall_copy_spill(struct thread *self, uint64_t addr, uint64_t *words, unsigned n);

/* Run one syscall from f; returns VOS_OK, an error already, or SYSCALL_BLOCKED. */
long syscall_dispatch(struct thread *self, struct trap_frame *f);
