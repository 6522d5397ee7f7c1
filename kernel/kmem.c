/*
 * kmem.c — kernel memory and who pays for it: small objects in
 * power-of-two size classes (32 B to 1 KiB) cut from pages, whole pages,
 * and frames, each charged to the process it is made for.
 *
 * Invariants:
 *  - every page the kernel takes for a process (a frame it maps, a page
 *    table, a page cut into objects, a whole-page table or buffer) is
 *    charged to that process's quota, PAGE_SIZE each, from allocation to
 *    release; so a process can hold at most its quota of memory, whatever
 *    the mix, and a fragmented object page costs only its owner;
 *  - a page cut into objects belongs to one cache (a process's, or the
 *    kernel's for objects of no process) and its header, in its first
 *    object slot, says which: freeing returns an object to its own page,
 *    whoever frees it;
 *  - a cache keeps at most one empty page per class (so an alloc/free
 *    pair does not take and return a frame each time); every other page
 *    with no object left goes back to the frame allocator at once, and a
 *    process's cache is drained when the process is destroyed.
 */
#include "memory.h"
#include "object.h"
#include "process.h"

#define MIN_SHIFT 5
#define SLAB_MAX (PAGE_SIZE / 4) /* larger: a page of its own (a 2 KiB class would lose half to the header) */

struct free_obj {
    struct free_obj *next;
};

/* The first object slot of a page cut into objects. */
struct slab {
    struct slab *next, *prev;  /* the cache's pages of this class with a free object */
    struct free_obj *free;
    struct kmem_cache *cache;
    uint32_t used;             /* objects handed out */
    uint32_t shift;            /* the class: objects of 1 << shift bytes */
};
_Static_assert(sizeof(struct slab) <= (1u << (MIN_SHIFT + 1)), "the header fits one slot of every class but the smallest");

static struct kmem_cache kernel_cache;

static unsigned class_of(size_t size)
{
    unsigned s = MIN_SHIFT;
    while (((size_t)1 << s) < size)
        s++;
    return s;
}

/* The header takes as many slots as it needs (two of 32 B, one of anything larger). */
static size_t header_bytes(unsigned shift)
{
    return ALIGN_UP(sizeof(struct slab), (size_t)1 << shift);
}

static void slab_link(struct slab **head, struct slab *s)
{
    s->prev = NULL;
    s->next = *head;
    if (*head)
        (*head)->prev = s;
    *head = s;
}

static void slab_unlink(struct slab **head, struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        *head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

static struct slab *slab_new(struct kmem_cache *cache, unsigned shift, long *err)
{
    paddr_t pa = frame_alloc_for(cache->owner, err);
    if (!pa)
        return NULL;
    struct slab *s = arch_phys_to_virt(pa);
    *s = (struct slab){ .cache = cache, .shift = shift };
    size_t size = (size_t)1 << shift;
    for (size_t off = PAGE_SIZE - size; off >= header_bytes(shift); off -= size) {
        struct free_obj *o = (struct free_obj *)((char *)s + off);
        o->next = s->free;
        s->free = o;
    }
    slab_link(&cache->partial[shift], s);
    return s;
}

void *kmem_alloc_for(struct process *p, size_t size, long *err)
{
    if (size == 0 || size > PAGE_SIZE)
        panic("kmem_alloc: bad size %zu", size);
    struct kmem_cache *cache = p ? &p->kmem : &kernel_cache;
    if (size > SLAB_MAX) {
        paddr_t pa = frame_alloc_for(p, err);
        return pa ? arch_phys_to_virt(pa) : NULL;
    }
    unsigned c = class_of(size);
    struct slab *s = cache->partial[c];
    if (!s && !(s = slab_new(cache, c, err)))
        return NULL;
    struct free_obj *o = s->free;
    s->free = o->next;
    s->used++;
    if (!s->free)
        slab_unlink(&cache->partial[c], s); /* full: found again when an object comes back */
    memset(o, 0, (size_t)1 << c);
    return o;
}

void kmem_free_for(struct process *p, void *obj, size_t size)
{
    if (!obj)
        return;
    if (size > SLAB_MAX) {
        frame_free_for(p, arch_virt_to_phys(obj));
        return;
    }
    struct slab *s = (struct slab *)ALIGN_DOWN((uintptr_t)obj, PAGE_SIZE);
    struct kmem_cache *cache = s->cache;
    KASSERT(s->shift == class_of(size) && cache->owner == p && s->used);
    struct free_obj *o = obj;
    if (!s->free)
        slab_link(&cache->partial[s->shift], s);
    o->next = s->free;
    s->free = o;
    if (--s->used == 0 && (cache->partial[s->shift] != s || s->next)) {
        slab_unlink(&cache->partial[s->shift], s);
        frame_free_for(p, arch_virt_to_phys(s));
    }
}

void kmem_cache_drain(struct kmem_cache *cache)
{
    for (unsigned c = 0; c < ARRAY_SIZE(cache->partial); c++) {
        while (cache->partial[c]) {
            struct slab *s = cache->partial[c];
            KASSERT(s->used == 0);
            slab_unlink(&cache->partial[c], s);
            frame_free_for(cache->owner, arch_virt_to_phys(s));
        }
    }
}

void *kmem_alloc(size_t size)
{
    long err;
    return kmem_alloc_for(NULL, size, &err);
}

void kmem_free(void *p, size_t size)
{
    kmem_free_for(NULL, p, size);
}
