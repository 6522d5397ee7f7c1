/*
 * object.h — what every kernel object has in common.
 *
 * Invariants:
 *  - an object is reference counted: each capability naming it holds one
 *    reference, and so does every kernel structure pointing to it (a
 *    thread's process, a blocked thread's endpoint); it is destroyed when
 *    the count reaches zero, so nothing can point to freed memory;
 *  - while alive, an object is findable by (type, id) in the object table,
 *    which is what SYS_CAPABILITY_CREATE names objects by;
 *  - an object created on behalf of a process lives in that process's
 *    kmem cache, so its memory is charged to the process's quota
 *    (kmem.c), and holds a reference on it until destroyed.
 */
#pragma once

#include "kernel.h"

struct process;

struct object {
    uint32_t type;            /* VOS_OBJ_* */
    uint32_t refcount;
    uint64_t id;              /* per type, from 1, never reused */
    struct process *owner;    /* charged for it, or NULL for the kernel's own */
    uint32_t size;            /* bytes allocated and freed; 0 for static objects */
    struct object *hash_next; /* object table chain */
};

/*
 * A new object of size bytes (the struct embedding `struct object` first),
 * charged to owner (may be NULL).  *err is OUT_OF_MEMORY or
 * RESOURCE_EXHAUSTED (quota) when it returns NULL.
 */
void *object_alloc(size_t size, uint32_t type, struct process *owner, long *err);
void object_init_static(struct object *o, uint32_t type);
void object_destroy(struct object *o); /* object_put's slow path: the last reference went */
static inline void object_get(struct object *o) { o->refcount++; }
static inline void object_put(struct object *o) /* destroys and frees at zero */
{
    KASSERT(o->refcount > 0);
    if (!--o->refcount)
        object_destroy(o);
}
struct object *object_find(uint32_t type, uint64_t id);
/* fn(o, arg) for every live object of type (slow: a walk of the table; for rare events). */
void object_for_each(uint32_t type, void (*fn)(struct object *o, void *arg), void *arg);

/* Per-type destructors called by object_put before the memory is freed. */
void process_destroy(struct object *o);
void thread_destroy(struct object *o);
void memobj_destroy(struct object *o);
void device_destroy(struct object *o);
void endpoint_destroy(struct object *o); /* IPC: endpoint.c, channel.c, reply.c */
void channel_destroy(struct object *o);
void reply_destroy(struct object *o);
void irq_destroy(struct object *o);         /* irq.c */
void ioport_destroy(struct object *o);      /* ioport.c */

/* Kernel-memory quotas: quota_charge and quota_release are in process.h (who pays for what: kmem.c). */
