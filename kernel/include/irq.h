/* irq.h — interrupt control and interrupt lines (kernel/irq.c). */
#pragma once

#include "object.h"

struct cap;
struct endpoint;
struct thread;
struct vos_ipc_receive_result;

struct irq {
    struct object obj;
    unsigned line;
    struct arch_irq_ack ack; /* what SYS_IRQ_ACK stores (arch.h) */
    bool pending;           /* fired, notification not yet received */
    struct endpoint *ep;    /* bound to, or NULL (not referenced: its death unbinds) */
    uint64_t badge;
    struct list ep_link;    /* in ep->irqs while bound */
};

struct object *irq_control(void);   /* the interrupt-control object, granted to init */
long irq_create(struct thread *self, struct cap *control_cap, uint64_t line, uint64_t rights, vos_cap_t *result);
void irq_fire(unsigned line);
bool irq_line_held(unsigned line);  /* a driver holds a capability to the line */
long irq_take_pending(struct thread *self, struct endpoint *ep, struct vos_ipc_receive_result *res);
void irq_endpoint_gone(struct endpoint *ep);

