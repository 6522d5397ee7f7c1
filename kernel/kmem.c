/*
 * kmem.c — small kernel objects in size classes (32 B to 2032 B), cut
 * from slabs: one frame per slab, a header (struct slab) and then as many
 * objects as fit, each class sized to leave little over (the sizes are
 * multiples of 16, so every object is 16-byte aligned).  Each class lists the slabs that have a
 * free object, and a slab whose objects are all free goes straight back
 * to the frame allocator: the frames a flood of one kind of object took
 * are free for anything once the objects go, so no process can turn
 * memory into a cache only its kind of object may use.  Whole pages
 * (capability tables, region directories) come from and go straight back
 * to the frame allocator.
 *
 * Invariants: a slab is on its class's list iff it has a free object; a
 * slab exists iff at least one of its objects is handed out (`used`).
 */
#include "memory.h"

struct free_obj {
    struct free_obj *next;
};

struct slab {
    struct slab *next, *prev; /* its class's slabs with a free object */
    struct free_obj *free;    /* its free objects */
    uint64_t used;            /* its objects handed out */
};

_Static_assert(sizeof(struct slab) % 16 == 0, "objects after the header stay 16-byte aligned");

/* Object sizes: (PAGE_SIZE - 32) / n rounded down to 16, for n = 127, 63, 42, 31, ... 2 objects a slab. */
static const uint16_t class_size[] = { 32, 64, 96, 128, 160, 192, 240, 336, 400, 496, 672, 800, 1008, 1344, 2032 };
#define CLASSES (sizeof(class_size) / sizeof(class_size[0]))
#define LARGEST 2032 /* bigger ones take a whole frame */

static struct slab *with_room[CLASSES];

static unsigned class_of(size_t size)
{
    unsigned c = 0;
    while (class_size[c] < size)
        c++;
    return c;
}

static size_t per_slab(unsigned c)
{
    return (PAGE_SIZE - sizeof(struct slab)) / class_size[c];
}

size_t kmem_size(size_t size)
{
    if (size > LARGEST)
        return PAGE_SIZE;
    size_t n = per_slab(class_of(size));
    return (PAGE_SIZE + n - 1) / n; /* its share of the slab: n shares cover the frame */
}

static void link_slab(unsigned c, struct slab *s)
{
    s->prev = NULL;
    s->next = with_room[c];
    if (s->next)
        s->next->prev = s;
    with_room[c] = s;
}

static void unlink_slab(unsigned c, struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        with_room[c] = s->next;
    if (s->next)
        s->next->prev = s->prev;
}

static struct slab *slab_new(unsigned c)
{
    paddr_t pa = frame_alloc();
    if (!pa)
        return NULL;
    struct slab *s = arch_phys_to_virt(pa); /* zeroed */
    for (size_t i = per_slab(c); i-- > 0;) {
        struct free_obj *o = (struct free_obj *)((char *)(s + 1) + i * class_size[c]);
        o->next = s->free;
        s->free = o;
    }
    link_slab(c, s);
    return s;
}

void *kmem_alloc(size_t size)
{
    if (size == 0 || size > PAGE_SIZE)
        panic("kmem_alloc: bad size %zu", size);
    if (size > LARGEST) {
        paddr_t pa = frame_alloc();
        return pa ? arch_phys_to_virt(pa) : NULL;
    }
    unsigned c = class_of(size);
    struct slab *s = with_room[c] ? with_room[c] : slab_new(c);
    if (!s)
        return NULL;
    struct free_obj *o = s->free;
    s->free = o->next;
    s->used++;
    if (!s->free)
        unlink_slab(c, s);
    memset(o, 0, class_size[c]);
    return o;
}

void kmem_free(void *p, size_t size)
{
    if (!p)
        return;
    if (size > LARGEST) {
        frame_free(arch_virt_to_phys(p));
        return;
    }
    unsigned c = class_of(size);
    struct slab *s = (struct slab *)ALIGN_DOWN((uintptr_t)p, PAGE_SIZE);
    struct free_obj *o = p;
    if (!s->free)
        link_slab(c, s);
    o->next = s->free;
    s->free = o;
    if (--s->used == 0) {
        unlink_slab(c, s);
        frame_free(arch_virt_to_phys(s));
    }
}
