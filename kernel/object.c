/*
 * object.c — ids, reference counts, quotas and the object table shared by
 * all kernel objects.
 */
#include "memory.h"
#include "object.h"
#include "process.h"

#define TABLE_BUCKETS 1024

static uint64_t next_id[VOS_OBJ_COUNT];
static struct object *table[TABLE_BUCKETS];

static unsigned bucket(uint32_t type, uint64_t id)
{
    return (unsigned)((id * 0x9e3779b97f4a7c15ull + type) >> 54) % TABLE_BUCKETS;
}

static void table_insert(struct object *o)
{
    unsigned b = bucket(o->type, o->id);
    o->hash_next = table[b];
    table[b] = o;
}

static void table_remove(struct object *o)
{
    struct object **pp = &table[bucket(o->type, o->id)];
    while (*pp != o)
        pp = &(*pp)->hash_next;
    *pp = o->hash_next;
}

struct object *object_find(uint32_t type, uint64_t id)
{
    for (struct object *o = table[bucket(type, id)]; o; o = o->hash_next)
        if (o->type == type && o->id == id)
            return o;
    return NULL;
}

void object_for_each(uint32_t type, void (*fn)(struct object *o, void *arg), void *arg)
{
    for (unsigned b = 0; b < TABLE_BUCKETS; b++)
        for (struct object *o = table[b], *next; o; o = next) {
            next = o->hash_next; /* fn may not free o: it holds a reference for us */
            if (o->type == type)
                fn(o, arg);
        }
}

static void init(struct object *o, uint32_t type)
{
    KASSERT(type < VOS_OBJ_COUNT);
    o->type = type;
    o->refcount = 1;
    o->id = ++next_id[type];
    table_insert(o);
}

void object_init_static(struct object *o, uint32_t type)
{
    init(o, type);
}

void *object_alloc(size_t size, uint32_t type, struct process *owner, long *err)
{
    struct object *o = kmem_alloc_for(owner, size, err);
    if (!o)
        return NULL;
    init(o, type);
    o->size = (uint32_t)size;
    o->owner = owner;
    if (owner)
        object_get(&owner->obj);
    return o;
}

void object_destroy(struct object *o)
{
    table_remove(o);
    switch (o->type) {
    case VOS_OBJ_PROCESS: process_destroy(o); break;
    case VOS_OBJ_THREAD: thread_destroy(o); break;
    case VOS_OBJ_MEMORY: memobj_destroy(o); break;
    case VOS_OBJ_DEVICE: device_destroy(o); break;
    case VOS_OBJ_ENDPOINT: endpoint_destroy(o); break;
    case VOS_OBJ_CHANNEL: channel_destroy(o); break;
    case VOS_OBJ_REPLY: reply_destroy(o); break;
    case VOS_OBJ_IRQ: irq_destroy(o); break;
    case VOS_OBJ_DEVICE_MEMORY: memobj_destroy(o); break;
    case VOS_OBJ_IO_PORT: ioport_destroy(o); break;
    default: panic("object_put: no destructor for type %u", o->type);
    }
    struct process *owner = o->owner;
    if (o->size)
        kmem_free_for(owner, o, o->size);
    if (owner)
        object_put(&owner->obj);
}
