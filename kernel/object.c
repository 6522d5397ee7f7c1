/* object.c — ids and reference counts shared by all kernel objects. */
#include "object.h"

/* Ids count per type, from 1, and are never reused: pid 1 is init. */
static uint64_t next_id[VOS_OBJ_COUNT];

void object_init(struct object *o, uint32_t type)
{
    KASSERT(type < VOS_OBJ_COUNT);
    o->type = type;
    o->refcount = 1;
    o->id = ++next_id[type];
}

void object_get(struct object *o)
{
    o->refcount++;
}

void object_put(struct object *o)
{
    KASSERT(o->refcount > 0);
    if (--o->refcount)
        return;
    switch (o->type) {
    case VOS_OBJ_PROCESS: process_destroy(o); break;
    case VOS_OBJ_THREAD: thread_destroy(o); break;
    case VOS_OBJ_MEMORY: memobj_destroy(o); break;
    case VOS_OBJ_DEVICE: device_destroy(o); break;
    default: panic("object_put: no destructor for type %u", o->type);
    }
}
