/*
 * channel.c — channel objects and SYS_IPC_CALL.
 *
 * Invariants:
 *  - a channel is held by its source endpoint (one reference, from
 *    creation until that endpoint dies) and by its capabilities; it does
 *    not hold its destination, which clears `dest` when it dies, so no
 *    cycle of references can keep an endpoint alive;
 *  - a caller is in exactly one place while it blocks: its destination's
 *    `calls` queue until a receiver takes the request, then its reply
 *    object's `waiter` list until the reply; sched_unwait (timeout, death)
 *    takes it out of either, so nothing ever points to a caller that left.
 */
#include "ipc.h"
#include "syscall_frame.h"
#include "syscall_handlers.h"

long sys_ipc_channel_create(struct thread *self, struct cap *cap1, struct cap *cap2, vos_channel_t *result)
{
    long err;
    struct channel *ch = object_alloc(sizeof(*ch), VOS_OBJ_CHANNEL, self->proc, &err);
    if (!ch)
        return err;
    ch->src = container_of(cap1->obj, struct endpoint, obj);
    ch->dest = container_of(cap2->obj, struct endpoint, obj);
    list_add_tail(&ch->src->out, &ch->out_link); /* the allocation's reference is the source's */
    list_add_tail(&ch->dest->in, &ch->in_link);
    *result = ch->obj.id;
    return VOS_OK;
}

static void channel_destroy(struct object *o)
{
    struct channel *ch = container_of(o, struct channel, obj);
    KASSERT(!ch->src);
    if (ch->dest)
        list_del(&ch->in_link);
}

/* A channel capability is going: callers still queued through it are interrupted. */
static void channel_cap_removed(struct cap *c)
{
    struct endpoint *ep = container_of(c->obj, struct channel, obj)->dest;
    if (!ep)
        return;
    struct list *it, *tmp;
    list_for_each_safe(it, tmp, &ep->calls) {
        struct thread *t = container_of(it, struct thread, wait_link);
        if (t->ipc.via == c)
            ipc_fail(t, VOS_ERR_INTERRUPTED);
    }
}

const struct object_type channel_type = { .destroy = channel_destroy, .cap_removed = channel_cap_removed };

/* The request of t, a caller whose request is queued (w: room for a register message). */
void call_src(struct thread *t, struct ipc_src *s, ipc_words_t w)
{
    if (t->ipc.regs) {
        ipc_src_registers(s, t, t->ipc.req_len, w);
        s->caller = t;
        return;
    }
    struct cap *c = NULL;
    if (t->ipc.xfer && cap_lookup(&t->proc->cspace, t->ipc.xfer, &c))
        c = NULL; /* revoked while queued: the request arrives without it */
    *s = (struct ipc_src){ t->proc, t->ipc.req, NULL, t->ipc.req_len, c, t, t->proc->obj.id };
}

/*
 * The fast path of a call: a receiver waits.  One copy from our pages (or
 * registers) to its buffer, then we block on our reply and the receiver
 * runs at once in our place, with no scheduler pass and no run queue.
 * SYSCALL_BLOCKED when delivered, TIMEOUT when no receiver waits, or the
 * caller's INVALID_ADDRESS.
 */
static inline __attribute__((always_inline)) long call_meet(struct thread *self, struct endpoint *ep, const struct ipc_src *s, uint64_t timeout_ns)
{
    while (!list_empty(&ep->receivers)) {
        struct thread *r = list_first(&ep->receivers, struct thread, wait_link);
        struct vos_ipc_receive_result res;
        long err = ipc_deliver(r, s, &res);
        if (err == IPC_SENDER_FAULT)
            return VOS_ERR_INVALID_ADDRESS;
        if (err) {
            ipc_finish_receive(r, err, &res); /* r cannot take it; try the next receiver */
            continue;
        }
        ipc_receive_result(r, &res);
        /* Timeout 0 asked only that a receiver be waiting; the reply may take its time. */
        sched_wait(self, &self->ipc.reply->waiter, timeout_ns ? timeout_ns : VOS_TIMEOUT_INFINITE, VOS_ERR_TIMEOUT);
        sched_switch_to(r);
        return SYSCALL_BLOCKED;
    }
    return VOS_ERR_TIMEOUT;
}

/* No receiver: the caller itself queues; its request is read when one comes. */
static long call_queue(struct thread *self, struct endpoint *ep, uint64_t timeout_ns)
{
    if (timeout_ns == 0)
        return VOS_ERR_TIMEOUT;
    self->ipc.seq = ep->next_seq++;
    sched_wait(self, &ep->calls, timeout_ns, VOS_ERR_TIMEOUT);
    return SYSCALL_BLOCKED;
}

/* What every call needs first: a destination someone can receive at, and a reply object no token names. */
static inline __attribute__((always_inline)) long call_prepare(struct thread *self, struct cap *channel_cap,
                                                               struct endpoint **ep)
{
    *ep = container_of(channel_cap->obj, struct channel, obj)->dest;
    if (!*ep || !(*ep)->readers)
        return VOS_ERR_NOT_FOUND;
    self->ipc.via = channel_cap;
    return reply_prepare(self);
}

/*
 * Everything of SYS_IPC_CALL but its common case: a reply object or a slot
 * to make first, a capability to carry, no receiver waiting, or one that
 * cannot take the request.  The call's arguments are in self->ipc already
 * (sys_ipc_call), the capability found again by its token.
 */
static __attribute__((noinline)) long call_general(struct thread *self, struct endpoint *ep, uint64_t timeout_ns)
{
    long err = reply_prepare(self);
    if (!err)
        err = ipc_reserve(self, false, true); /* room for a capability in the reply, before anything is sent */
    if (err)
        return err;
    ipc_words_t w;
    struct ipc_src s;
    call_src(self, &s, w);
    err = call_meet(self, ep, &s, timeout_ns);
    if (err != VOS_ERR_TIMEOUT)
        return err;
    /* The response is written later still: both buffers are checked now, not after the wait. */
    err = ipc_check_range(&self->proc->vspace, self->ipc.req, self->ipc.req_len, VOS_PROT_READ);
    if (!err)
        err = ipc_check_range(&self->proc->vspace, self->ipc.buf, self->ipc.buf_len, VOS_PROT_WRITE);
    return err ? err : call_queue(self, ep, timeout_ns);
}

/*
 * r has taken our request (self->ipc): its reply token and result words,
 * and we wait for the reply.  Timeout 0 asked only that a receiver be
 * waiting; the reply may take its time.  Then r runs (the caller switches).
 */
static inline __attribute__((always_inline)) void call_taken(struct thread *self, struct thread *r, uint64_t timeout_ns)
{
    struct cap *token = ipc_take_reply_token(r, self);
    syscall_result_ipc_receive(&r->frame, &(struct vos_ipc_receive_result){ self->proc->obj.id, self->ipc.req_len, 0,
                                                                            cap_token(token) });
    sched_wait(self, &self->ipc.reply->waiter, timeout_ns ? timeout_ns : VOS_TIMEOUT_INFINITE, VOS_ERR_TIMEOUT);
}

/* sys_ipc_call's common case with a request ipc_copy_small does not take (sys_ipc_call checked the rest). */
static __attribute__((noinline)) long call_copy_general(struct thread *self, struct endpoint *ep, struct thread *r,
                                                        uint64_t timeout_ns)
{
    if (ipc_copy_general(r->proc, r->ipc.buf, self->proc, self->ipc.req, self->ipc.req_len))
        return call_general(self, ep, timeout_ns); /* it meets the same fault and decides who learns of it */
    call_taken(self, r, timeout_ns);
    sched_switch_to(r);
    return SYSCALL_BLOCKED;
}

/*
 * The common case in one straight line that calls nothing: our reply
 * object and reserved slot are ready (reply_prepare and ipc_reserve would
 * do nothing), no capability travels, no time limit to set, the first
 * waiting receiver takes the request into its buffer and nothing more
 * important is ready.  Then it is call_meet's first round, with the same
 * primitives: one copy, the reply token into the receiver's reserved
 * slot, its result words, we wait (sched_wait), it runs (sched_unwait,
 * sched_run: what sched_switch_to does when it has decided).
 */
long sys_ipc_call(struct thread *self, user_in_t request, user_out_t response, uint64_t timeout_ns,
                  struct cap *capability, struct cap *channel_cap)
{
    const uint64_t request_len = request.len, response_len = response.len;
    struct endpoint *ep = container_of(channel_cap->obj, struct channel, obj)->dest;
    if (!ep || !ep->readers)
        return VOS_ERR_NOT_FOUND;
    self->ipc.via = channel_cap;
    self->ipc.regs = false;
    self->ipc.buf = response.addr;
    self->ipc.buf_len = response_len;
    self->ipc.req = request.addr;
    self->ipc.req_len = request_len;
    self->ipc.xfer = capability ? cap_token(capability) : 0;
    struct reply *rp = self->ipc.reply;
    struct thread *r = list_empty(&ep->receivers) ? NULL : list_first(&ep->receivers, struct thread, wait_link);
    if (unlikely(!rp || rp->caps || !self->ipc.spare || capability || !r || r->ipc.regs ||
                 request_len > r->ipc.buf_len || timeout_ns + 1 > 1 || (uint64_t)ready_bitmap >> (r->priority + 1)))
        return call_general(self, ep, timeout_ns);
    if (request_len && unlikely(!ipc_copy_small(r->proc, r->ipc.buf, self->proc, request.addr, request_len)))
        return call_copy_general(self, ep, r, timeout_ns); /* longer, or a page to look up or fill in */
    call_taken(self, r, VOS_TIMEOUT_INFINITE); /* timeout_ns is 0 or infinite: no limit either way */
    sched_unwait(r);
    sched_run(r);
    return SYSCALL_BLOCKED;
}

/*
 * The general path of SYS_IPC_CALL_SHORT: a call whose request and
 * response are the message registers (kernel/ipc_fast.c takes the common
 * case before this).
 */
long sys_ipc_call_short(struct thread *self, struct cap *channel_cap, uint64_t length, uint64_t *result)
{
    (void)result; /* the replier writes it into our frame */
    struct endpoint *ep;
    long err = call_prepare(self, channel_cap, &ep);
    if (err)
        return err;
    self->ipc.regs = true;
    self->ipc.buf = 0;
    self->ipc.buf_len = VOS_IPC_REGISTER_MESSAGE;
    self->ipc.req = 0;
    self->ipc.req_len = length;
    self->ipc.xfer = 0;
    ipc_words_t w;
    struct ipc_src s;
    ipc_src_registers(&s, self, length, w);
    s.caller = self;
    err = call_meet(self, ep, &s, VOS_TIMEOUT_INFINITE);
    return err != VOS_ERR_TIMEOUT ? err : call_queue(self, ep, VOS_TIMEOUT_INFINITE);
}
