/*
 * endpoint.c — endpoint objects, SYS_IPC_SEND and SYS_IPC_RECEIVE.
 *
 * Invariants:
 *  - if a thread waits in `receivers`, `calls` and `msgs` are empty: a
 *    message meets a waiting receiver at once, a receiver takes the oldest
 *    queued message at once;
 *  - `calls` and `msgs` together are one FIFO, ordered by seq;
 *  - while `readers` is 0 nothing is queued: the last READ capability
 *    held by a process (capabilities in flight do not count) going away
 *    fails the queued callers (NotFound) and frees queued messages, and
 *    later sends and calls fail with NotFound;
 *  - the endpoint is referenced by its capabilities only (channels do not
 *    hold it), so it dies with its last capability; a blocked receiver
 *    waits through a capability, and deleting that capability interrupts it.
 */
#include "ipc.h"
#include "irq.h"
#include "memory.h"
#include "syscall_frame.h"
#include "syscall_handlers.h"

static struct endpoint *ep_of(struct cap *c) { return container_of(c->obj, struct endpoint, obj); }

static void msg_free(struct ipc_msg *m)
{
    struct cap *c;
    if (m->xfer && cap_lookup(ipc_transit(), m->xfer, &c) == VOS_OK)
        cap_delete(c);
    struct process *sender = m->sender;
    if (m->data != (uint8_t *)(m + 1))
        kmem_free_for(sender, m->data, PAGE_SIZE);
    kmem_free_for(sender, m, m->size);
    object_put(&sender->obj); /* last: the memory was in its cache */
}

/* Nobody can receive any more: fail the callers, drop the messages. */
static void orphan(struct endpoint *ep)
{
    while (!list_empty(&ep->calls))
        ipc_fail(list_first(&ep->calls, struct thread, wait_link), VOS_ERR_NOT_FOUND);
    while (!list_empty(&ep->msgs)) {
        struct ipc_msg *m = list_first(&ep->msgs, struct ipc_msg, link);
        list_del(&m->link); /* first: freeing may delete capabilities, which may come back here */
        ep->nmsgs--;
        msg_free(m);
    }
}

/*
 * Does c count in readers?  A capability in flight is nobody's to receive
 * with: counted, one queued at this very endpoint would keep it, and
 * itself, alive for ever.
 */
static bool is_reader(const struct cap *c)
{
    return (c->rights & VOS_RIGHT_READ) && c->space != ipc_transit();
}

static void endpoint_cap_added(struct cap *c)
{
    if (is_reader(c))
        ep_of(c)->readers++;
}

static void endpoint_cap_removed(struct cap *c)
{
    struct endpoint *ep = ep_of(c);
    struct list *it, *tmp;
    list_for_each_safe(it, tmp, &ep->receivers) {
        struct thread *t = container_of(it, struct thread, wait_link);
        if (t->ipc.via == c)
            ipc_fail(t, VOS_ERR_INTERRUPTED);
    }
    if (is_reader(c) && !--ep->readers)
        orphan(ep);
}

static void endpoint_destroy(struct object *o)
{
    struct endpoint *ep = container_of(o, struct endpoint, obj);
    KASSERT(list_empty(&ep->receivers) && list_empty(&ep->calls) && list_empty(&ep->msgs));
    irq_endpoint_gone(ep);
    while (!list_empty(&ep->in)) {
        struct channel *ch = list_first(&ep->in, struct channel, in_link);
        list_del(&ch->in_link);
        ch->dest = NULL; /* sending on it is NotFound from now on */
    }
    while (!list_empty(&ep->out)) {
        struct channel *ch = list_first(&ep->out, struct channel, out_link);
        list_del(&ch->out_link);
        ch->src = NULL;
        object_put(&ch->obj);
    }
}

const struct object_type endpoint_type = { endpoint_destroy, endpoint_cap_added, endpoint_cap_removed };

long sys_ipc_endpoint_create(struct thread *self, struct vos_endpoint_create_result *result)
{
    long err;
    struct endpoint *ep = object_alloc(sizeof(*ep), VOS_OBJ_ENDPOINT, self->proc, &err);
    if (!ep)
        return err;
    list_init(&ep->receivers);
    list_init(&ep->calls);
    list_init(&ep->msgs);
    list_init(&ep->out);
    list_init(&ep->in);
    list_init(&ep->irqs);
    struct cap *c;
    err = cap_insert(&self->proc->cspace, &ep->obj, VOS_RIGHT_ALL, NULL, &c);
    object_put(&ep->obj); /* the capability holds it now (or it goes) */
    if (err)
        return err;
    *result = (struct vos_endpoint_create_result){ ep->obj.id, cap_token(c) };
    return VOS_OK;
}

/* No receiver waits: copy the message into the kernel, charged to the sender. */
static long enqueue(struct thread *self, struct endpoint *ep, user_in_t message, uint64_t len, struct cap *cap)
{
    if (ep->nmsgs >= IPC_QUEUE_MAX)
        return VOS_ERR_RESOURCE_EXHAUSTED;
    bool inline_data = sizeof(struct ipc_msg) + len <= PAGE_SIZE;
    uint32_t size = (uint32_t)(inline_data ? sizeof(struct ipc_msg) + len : sizeof(struct ipc_msg));
    long err;
    struct ipc_msg *m = kmem_alloc_for(self->proc, size, &err);
    uint8_t *data = !m ? NULL : inline_data ? (uint8_t *)(m + 1) : kmem_alloc_for(self->proc, PAGE_SIZE, &err);
    if (!data) {
        kmem_free_for(self->proc, m, size);
        return err;
    }
    m->data = data;
    m->sender = self->proc;
    object_get(&self->proc->obj);
    m->size = size;
    m->len = (uint32_t)len;
    struct cap *tc = NULL;
    err = copy_from_user(m->data, message, 0, len);
    if (!err && cap)
        err = cap_insert(ipc_transit(), cap->obj, cap->rights, cap, &tc);
    if (err) {
        msg_free(m);
        return err;
    }
    m->xfer = tc ? cap_token(tc) : 0;
    m->seq = ep->next_seq++;
    list_add_tail(&ep->msgs, &m->link);
    ep->nmsgs++;
    return VOS_OK;
}

long sys_ipc_send(struct thread *self, user_in_t message, struct cap *capability, struct cap *channel_cap)
{
    const uint64_t message_len = message.len;
    struct endpoint *ep = container_of(channel_cap->obj, struct channel, obj)->dest;
    if (!ep || !ep->readers)
        return VOS_ERR_NOT_FOUND;
    struct ipc_src s = { self->proc, message.addr, NULL, message_len, capability, NULL, self->proc->obj.id };
    while (!list_empty(&ep->receivers)) {
        struct thread *r = list_first(&ep->receivers, struct thread, wait_link);
        struct vos_ipc_receive_result res;
        long err = ipc_deliver(r, &s, &res);
        if (err == IPC_SENDER_FAULT)
            return VOS_ERR_INVALID_ADDRESS;
        ipc_finish_receive(r, err, &res); /* on error r learns why; the message tries the next */
        if (!err)
            return VOS_OK;
    }
    return enqueue(self, ep, message, message_len, capability);
}

/* Take the oldest queued message into self's buffer: VOS_OK, an error for self, or TIMEOUT if none. */
static inline __attribute__((always_inline)) long take(struct thread *self, struct endpoint *ep,
                                                       struct vos_ipc_receive_result *res)
{
    if (__builtin_expect(ep->irq_pending != 0, 0))
        return irq_take_pending(self, ep, res); /* interrupts first: their lines wait masked */
    for (;;) {
        struct ipc_msg *m = list_empty(&ep->msgs) ? NULL : list_first(&ep->msgs, struct ipc_msg, link);
        struct thread *t = list_empty(&ep->calls) ? NULL : list_first(&ep->calls, struct thread, wait_link);
        if (!m && !t)
            return VOS_ERR_TIMEOUT;
        struct ipc_src s;
        long err;
        if (m && (!t || m->seq < t->ipc.seq)) {
            struct cap *tc = NULL;
            if (m->xfer && cap_lookup(ipc_transit(), m->xfer, &tc))
                tc = NULL; /* revoked in flight: the message arrives without it */
            s = (struct ipc_src){ NULL, 0, m->data, m->len, tc, NULL, m->sender->obj.id };
            err = ipc_deliver(self, &s, res);
            if (err)
                return err;
            list_del(&m->link);
            ep->nmsgs--;
            msg_free(m); /* deletes the transit copy: ours moves up under the sender's */
            return VOS_OK;
        }
        ipc_words_t w;
        call_src(t, &s, w);
        err = ipc_deliver(self, &s, res);
        if (err == IPC_SENDER_FAULT) {
            ipc_fail(t, VOS_ERR_INVALID_ADDRESS); /* the caller's request is unreadable */
            continue;
        }
        if (err)
            return err;
        /* Received: the caller now waits for the reply, its deadline unchanged. */
        list_del(&t->wait_link);
        list_add_tail(&t->ipc.reply->waiter, &t->wait_link);
        return VOS_OK;
    }
}

/* Everything of SYS_IPC_RECEIVE but its common case (below). */
static __attribute__((noinline)) long receive_general(struct thread *self, struct cap *endpoint_cap, uaddr_t buffer,
                                                      uint64_t buffer_len, uint64_t timeout_ns)
{
    struct vos_ipc_receive_result res;
    long err = ipc_reserve(self, true, true); /* room for a reply token and a capability, before anything is taken */
    if (err)
        return err;
    struct endpoint *ep = ep_of(endpoint_cap);
    self->ipc.regs = false;
    self->ipc.buf = buffer;
    self->ipc.buf_len = buffer_len;
    self->ipc.via = endpoint_cap;
    err = take(self, ep, &res);
    if (err == VOS_OK)
        syscall_result_ipc_receive(&self->frame, &res);
    if (err == VOS_ERR_BUFFER_TOO_SMALL)
        syscall_return_word(&self->frame, 1, res.message_len); /* the message stays queued */
    /* A server receives into the same buffer every time: the answer is remembered (xlat.h). */
    if (err == VOS_ERR_TIMEOUT && checked_range_write(&self->ipc.ok_buf, &self->proc->vspace, buffer, buffer_len))
        return VOS_ERR_INVALID_ADDRESS; /* reported now rather than when a message comes */
    if (err != VOS_ERR_TIMEOUT || timeout_ns == 0)
        return err;
    sched_wait(self, &ep->receivers, timeout_ns, VOS_ERR_TIMEOUT);
    return SYSCALL_BLOCKED;
}

/*
 * The common case in one straight line that calls nothing: a server
 * waiting for its next call, with its slots reserved, nothing queued, the
 * same buffer as last time (checked_range_write's remembered answer), no
 * time limit.  Then it is receive_general's end: we wait on the endpoint,
 * and the thread the scheduler would choose runs at once.
 */
long sys_ipc_receive(struct thread *self, user_out_t buffer, uint64_t timeout_ns, struct cap *endpoint_cap)
{
    const uint64_t buffer_len = buffer.len;
    struct endpoint *ep = ep_of(endpoint_cap);
    const struct checked_range *ok = &self->ipc.ok_buf;
    if (unlikely(!self->ipc.parked || !self->ipc.spare || ep->irq_pending || !list_empty(&ep->msgs) ||
                 !list_empty(&ep->calls) || timeout_ns != VOS_TIMEOUT_INFINITE || buffer.addr != ok->va ||
                 buffer_len != ok->len || self->proc->vspace.shrinks != ok->shrinks))
        return receive_general(self, endpoint_cap, buffer.addr, buffer_len, timeout_ns);
    self->ipc.regs = false;
    self->ipc.buf = buffer.addr;
    self->ipc.buf_len = buffer_len;
    self->ipc.via = endpoint_cap;
    sched_wait(self, &ep->receivers, VOS_TIMEOUT_INFINITE, VOS_ERR_TIMEOUT);
    sched_switch_to_next();
    return SYSCALL_BLOCKED;
}

/*
 * The general path of SYS_IPC_REPLY_RECEIVE_SHORT (kernel/ipc_fast.c takes
 * the common case first): the reply, if any, from our message registers,
 * then a receive into them.  A failed reply ends the call: nothing is
 * received.
 */
long sys_ipc_reply_receive_short(struct thread *self, struct cap *reply_token, struct cap *endpoint_cap,
                                 uint64_t length)
{
    long err = ipc_reserve(self, true, false); /* room for the next reply token, before the reply is sent */
    if (err)
        return err;
    if (reply_token) {
        ipc_words_t w;
        struct ipc_src s;
        ipc_src_registers(&s, self, length, w);
        err = reply_send(self, reply_token, &s);
        if (err)
            return err;
    }
    struct endpoint *ep = ep_of(endpoint_cap);
    self->ipc.regs = true;
    self->ipc.buf = 0;
    self->ipc.buf_len = VOS_IPC_REGISTER_MESSAGE;
    self->ipc.via = endpoint_cap;
    struct vos_ipc_receive_result res;
    err = take(self, ep, &res);
    if (err == VOS_OK)
        syscall_result_ipc_reply_receive_short(
            &self->frame, &(struct vos_ipc_short_receive_result){ res.sender, res.message_len, res.reply_token });
    if (err == VOS_ERR_BUFFER_TOO_SMALL)
        syscall_return_word(&self->frame, 1, res.message_len); /* the message stays queued */
    if (err != VOS_ERR_TIMEOUT)
        return err;
    sched_wait(self, &ep->receivers, VOS_TIMEOUT_INFINITE, VOS_ERR_TIMEOUT);
    return SYSCALL_BLOCKED;
}
