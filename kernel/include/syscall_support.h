/*
 * syscall_support.h — what the generated dispatch table and shims need
 * from the kernel (gen/kernel/syscall_*.c include it).
 */
#pragma once

#include "cap.h"
#include "irq.h"
#include "process.h"
#include "syscall_frame.h"
#include "usercopy.h"

/* A handler's "the thread now waits; its results are written when it wakes". */
#define SYSCALL_BLOCKED (-1L)

typedef long (*syscall_shim_t)(struct thread *self, struct trap_frame *f);
extern const syscall_shim_t syscall_table[VOS_SYSCALL_TABLE_SIZE];
long syscall_invalid(struct thread *self, struct trap_frame *f); /* the entry of a number without a syscall */
/* A shim's refusal of an argument: err, from a cold function, so that the
 * compiler materialises the error code on the refusal's branch and not
 * before every check on the usual path. */
long shim_refuse(long err) __attribute__((cold, noinline));

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
    if (unlikely(err))
        return err;
    if (object_mask != CAP_OBJ_ANY && unlikely(!(object_mask & CAP_OBJ_BIT(c->obj->type))))
        return VOS_ERR_INVALID_CAPABILITY; /* (any live object passes CAP_OBJ_ANY: no load) */
    if (unlikely((c->rights & rights) != rights))
        return VOS_ERR_PERMISSION_DENIED;
    *out = c;
    return VOS_OK;
}

/*
 * Handlers of a few instructions are defined here, static inline, instead of
 * in their object's .c file, so the shim holds the whole syscall.  The
 * generated prototype in syscall_handlers.h (included after this header)
 * then names this same internal function.
 */
static inline long sys_capability_validate(struct thread *self, struct cap *capability, uint64_t required_rights)
{
    (void)self;
    return (capability->rights & required_rights) == required_rights ? VOS_OK : VOS_ERR_PERMISSION_DENIED;
}

/* SYS_IRQ_ACK, on every interrupt's path: the driver has served the line, let it fire again (kernel/irq.c). */
static inline long sys_irq_ack(struct thread *self, struct cap *irq)
{
    (void)self;
    arch_irq_ack(&container_of(irq->obj, struct irq, obj)->ack); /* one or two stores (arch_defs.h) */
    return VOS_OK;
}

/*
 * The error-list check (VOS_CHECK_ERRORS; generated into syscall_table.c
 * from each call's spec `errors`): an error the spec does not list for the
 * call panics, naming both.  Off, it costs nothing: the benchmark image.
 */
#if VOS_CHECK_ERRORS
void syscall_check_error(uint64_t nr, long err);
static inline void syscall_note(struct thread *t, uint64_t nr) { t->syscall_nr = nr; }
#else
static inline void syscall_check_error(uint64_t nr, long err) { (void)nr, (void)err; }
static inline void syscall_note(struct thread *t, uint64_t nr) { (void)t, (void)nr; }
#endif

/* End t's blocked call with err: every waker fails a call this way, so the error check sees it. */
static inline void syscall_fail_blocked(struct thread *t, long err)
{
    syscall_check_error(t->syscall_nr, err);
    syscall_return_error(&t->frame, err);
}

/*
 * The overflow rule: the n spilled argument words at addr in user memory.
 * Usually they lie in one page whose translation is remembered (xlat.h),
 * and the shim reads them where they are, through the direct map, each
 * once (syscall_spill_direct; NULL otherwise); else the shim's _copied
 * path has syscall_spill_slow copy them into self->spill.  NULL (the call
 * fails with INVALID_ADDRESS) when they cannot be read.
 */
const uint64_t *syscall_spill_slow(struct thread *self, uint64_t addr, unsigned n);
static inline __attribute__((always_inline)) const uint64_t *syscall_spill_direct(struct thread *self, uint64_t addr,
                                                                                  unsigned n)
{
    /* No test against ARCH_USER_TOP: a remembered translation is of a user page (xlat.h), and a miss
     * takes the _copied path, whose syscall_spill_slow tests it. */
    if (__builtin_expect(!(addr & 7) && (addr & (PAGE_SIZE - 1)) <= PAGE_SIZE - n * 8, 1))
        return process_direct_cached(self->proc, addr, VOS_PROT_READ);
    return NULL;
}

