/*
 * irq.c — interrupt control and interrupt-line objects (docs/abi.md,
 * "Drivers").
 *
 * The kernel's interrupt handler only masks a line and signals; the driver
 * acknowledges.  Invariants:
 *  - a line has at most one irq object (held[line]), created from the
 *    interrupt-control capability and alive while any capability names it;
 *    when the last goes (revoke, the holder's death) the line is unbound,
 *    masked and free to be created again;
 *  - a line is unmasked only by irq_bind and by an acknowledgement, and
 *    masked (or kept in service) by the arch the moment it fires: so it
 *    fires at most once per acknowledgement, and a storm costs its
 *    driver's acknowledgements only (arch.h says what each call does);
 *  - a line nobody holds is as at boot (arch_irq_release): masked;
 *  - a fired line is `pending` until one notification has been delivered:
 *    at once to a receiver waiting on the bound endpoint, else to the next
 *    receive there (endpoint.c asks irq_take_pending first); an unbound
 *    line stays pending until it is bound;
 *  - pending lines bound to an endpoint are counted in ep->irq_pending, so
 *    the receive paths test one word;
 *  - a binding does not hold its endpoint: the endpoint's death unbinds
 *    (irq_endpoint_gone) and masks the line.
 */
#include "ipc.h"
#include "irq.h"
#include "syscall_handlers.h"

static struct object control;             /* the one interrupt-control object: init's */
static struct irq *held[ARCH_IRQ_LINES];  /* the live irq object of each line, or NULL */

bool irq_line_held(unsigned line)
{
    return line < ARCH_IRQ_LINES && held[line];
}

struct object *irq_control(void)
{
    if (!control.type)
        object_init_static(&control, VOS_OBJ_IRQ_CONTROL);
    return &control;
}

static void unbind(struct irq *q)
{
    if (!q->ep)
        return;
    if (q->pending)
        q->ep->irq_pending--;
    list_del(&q->ep_link);
    q->ep = NULL;
}

/* SYS_CAPABILITY_CREATE(IRQ, line) from the interrupt-control capability. */
long irq_create(struct thread *self, struct cap *control_cap, uint64_t line, uint64_t rights, vos_cap_t *result)
{
    if (line >= ARCH_IRQ_LINES || !arch_irq_valid((unsigned)line))
        return VOS_ERR_NOT_FOUND;
    if (held[line])
        return VOS_ERR_ALREADY_EXISTS;
    long err;
    struct irq *q = object_alloc(sizeof(*q), VOS_OBJ_IRQ, self->proc, &err);
    if (!q)
        return err;
    q->line = (unsigned)line;
    arch_irq_ack_prepare(q->line, &q->ack); /* masked: released, or never held */
    held[line] = q;
    struct cap *c;
    err = cap_insert(&self->proc->cspace, &q->obj, rights, control_cap, &c);
    object_put(&q->obj); /* the capability holds it now, or it goes (and the line with it) */
    if (err)
        return err;
    *result = cap_token(c);
    return VOS_OK;
}

static void irq_destroy(struct object *o)
{
    struct irq *q = container_of(o, struct irq, obj);
    unbind(q);
    arch_irq_release(q->line);
    held[q->line] = NULL;
}

const struct object_type irq_type = { .destroy = irq_destroy };

static struct vos_ipc_receive_result notification(const struct irq *q, struct thread *r, struct ipc_src *s)
{
    (void)r;
    *s = (struct ipc_src){ .kbuf = &q->badge, .len = sizeof(q->badge), .sender_pid = VOS_IRQ_SENDER };
    return (struct vos_ipc_receive_result){ VOS_IRQ_SENDER, sizeof(q->badge), 0, 0 };
}

/*
 * The badge into r's receive buffer.  A driver receives into the same
 * buffer every time, so its direct-map address is usually remembered
 * (process_direct): 8 bytes stored, no page-table walk.  Anything else
 * (the register path, a buffer across a page end or not writable) takes
 * the general delivery, which also says what is wrong.
 */
static long put_badge(const struct irq *q, struct thread *r, struct vos_ipc_receive_result *res)
{
    struct ipc_src s;
    *res = notification(q, r, &s);
    uaddr_t buf = r->ipc.buf;
    if (!r->ipc.regs && r->ipc.buf_len >= sizeof(q->badge) && buf % PAGE_SIZE <= PAGE_SIZE - sizeof(q->badge)) {
        void *k = process_direct(r->proc, buf, VOS_PROT_WRITE);
        if (k) {
            memcpy(k, &q->badge, sizeof(q->badge));
            return VOS_OK;
        }
    }
    return ipc_deliver(r, &s, res);
}

/*
 * Hand q's notification to the first receiver waiting on its endpoint that
 * can take it (one whose buffer cannot learns why, as with a message).  The
 * receiver runs at once if it is at least as urgent as the interrupted
 * thread: a driver's latency is the kernel's path, not a time slice.
 */
static bool deliver_to_waiter(struct irq *q, bool preempt)
{
    struct endpoint *ep = q->ep;
    while (!list_empty(&ep->receivers)) {
        struct thread *r = list_first(&ep->receivers, struct thread, wait_link);
        struct vos_ipc_receive_result res;
        long err = put_badge(q, r, &res);
        if (err) {
            ipc_finish_receive(r, err, &res);
            continue;
        }
        ipc_receive_result(r, &res);
        if (preempt && current && r->priority >= current->priority) {
            sched_ready(current); /* the interrupted thread waits its turn */
            sched_set_current(NULL);
            sched_switch_to(r);
        } else
            sched_wake(r);
        return true;
    }
    return false;
}

/* q fired: signal it once (preempt: from an interrupt, where the woken driver may run at once). */
static void signal(struct irq *q, bool preempt)
{
    if (q->pending)
        return; /* already signalled, not yet received */
    if (q->ep && deliver_to_waiter(q, preempt))
        return;
    q->pending = true;
    if (q->ep)
        q->ep->irq_pending++;
}

/* The arch took line (IRQ_LINE): a driver's is signalled; nobody's goes back to its boot state. */
void irq_fire(unsigned line)
{
    struct irq *q = line < ARCH_IRQ_LINES ? held[line] : NULL;
    if (q)
        signal(q, true);
    else
        arch_irq_release(line);
}

/* A receive on ep found ep->irq_pending: the oldest-bound pending line's notification, or an error for self. */
long irq_take_pending(struct thread *self, struct endpoint *ep, struct vos_ipc_receive_result *res)
{
    for (struct list *it = ep->irqs.next; it != &ep->irqs; it = it->next) {
        struct irq *q = container_of(it, struct irq, ep_link);
        if (!q->pending)
            continue;
        struct ipc_src s;
        *res = notification(q, self, &s);
        long err = ipc_deliver(self, &s, res);
        if (err)
            return err; /* BufferTooSmall: the notification stays pending */
        q->pending = false;
        ep->irq_pending--;
        return VOS_OK;
    }
    KASSERT(false);
    return VOS_ERR_TIMEOUT;
}

void irq_endpoint_gone(struct endpoint *ep)
{
    while (!list_empty(&ep->irqs)) {
        struct irq *q = list_first(&ep->irqs, struct irq, ep_link);
        unbind(q);
        arch_irq_mask(q->line);
    }
}

long sys_irq_bind(struct thread *self, struct cap *irq, struct cap *endpoint_cap, uint64_t badge)
{
    (void)self;
    struct irq *q = container_of(irq->obj, struct irq, obj);
    if (!endpoint_cap) {
        unbind(q);
        arch_irq_mask(q->line);
        return VOS_OK;
    }
    if (q->ep)
        return VOS_ERR_ALREADY_EXISTS;
    struct endpoint *ep = container_of(endpoint_cap->obj, struct endpoint, obj);
    q->ep = ep;
    q->badge = badge;
    list_add_tail(&ep->irqs, &q->ep_link);
    if (q->pending) {
        q->pending = false; /* fired while unbound: signal it now (it stays masked) */
        signal(q, false);
        return VOS_OK;
    }
    arch_irq_unmask(q->line);
    return VOS_OK;
}

/* SYS_IRQ_ACK is inline in syscall_support.h: the shim holds it whole. */
