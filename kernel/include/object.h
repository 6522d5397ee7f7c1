/*
 * object.h — what every kernel object has in common.
 *
 * An object is reference counted: each capability naming it holds one
 * reference, and so does every kernel structure that points to it (a
 * thread's process, a blocked thread's endpoint).  The object is destroyed
 * when the count reaches zero, so nothing can point to freed memory.
 */
#pragma once

#include "kernel.h"

struct object {
    uint32_t type;     /* VOS_OBJ_* */
    uint32_t refcount;
    uint64_t id;       /* global, never reused */
};

void object_init(struct object *o, uint32_t type);
void object_get(struct object *o);
void object_put(struct object *o); /* destroys at zero */

/* Per-type destructors called by object_put (each object's own file). */
void process_destroy(struct object *o);
void thread_destroy(struct object *o);
void memobj_destroy(struct object *o);
void device_destroy(struct object *o);
