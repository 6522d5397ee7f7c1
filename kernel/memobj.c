/*
 * memobj.c — memory region objects.  For now the one that matters is the
 * pool init receives: "all remaining memory", the authority to allocate
 * frames.  Mapping them (SYS_MMAP) comes with the memory issue.
 */
#include "memobj.h"
#include "memory.h"

struct memobj *memobj_new(uint64_t size)
{
    struct memobj *m = kmem_alloc(sizeof(*m));
    if (!m)
        return NULL;
    object_init(&m->obj, VOS_OBJ_MEMORY);
    m->size = size;
    return m;
}

void memobj_destroy(struct object *o)
{
    kmem_free(container_of(o, struct memobj, obj), sizeof(struct memobj));
}
