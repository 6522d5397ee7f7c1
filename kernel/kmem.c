/*
 * kmem.c — small kernel objects in power-of-two size classes (32 B to
 * 2 KiB).  Each class keeps a free list; an empty class takes one frame
 * and cuts it into objects.  Freed objects go back to their class, so
 * memory cycles without fragmenting the frame allocator.  Whole pages
 * (capability tables, region directories) come from and go straight back
 * to the frame allocator, so a big space torn down returns its memory.
 */
#include "memory.h"

#define MIN_SHIFT 5
#define MAX_SHIFT 12

struct free_obj {
    struct free_obj *next;
};

static struct free_obj *classes[MAX_SHIFT + 1];
static uint64_t cached_bytes; /* the sum of the free lists' sizes */

static unsigned class_of(size_t size)
{
    unsigned s = MIN_SHIFT;
    while (((size_t)1 << s) < size)
        s++;
    return s;
}

void *kmem_alloc(size_t size)
{
    if (size == 0 || size > PAGE_SIZE)
        panic("kmem_alloc: bad size %zu", size);
    if (size > PAGE_SIZE / 2) {
        paddr_t pa = frame_alloc();
        return pa ? arch_phys_to_virt(pa) : NULL;
    }
    unsigned c = class_of(size);
    if (!classes[c]) {
        paddr_t pa = frame_alloc();
        if (!pa)
            return NULL;
        char *page = arch_phys_to_virt(pa);
        for (size_t off = 0; off < PAGE_SIZE; off += (size_t)1 << c) {
            struct free_obj *o = (struct free_obj *)(page + off);
            o->next = classes[c];
            classes[c] = o;
        }
        cached_bytes += PAGE_SIZE;
    }
    struct free_obj *o = classes[c];
    classes[c] = o->next;
    cached_bytes -= (size_t)1 << c;
    memset(o, 0, (size_t)1 << c);
    return o;
}

void kmem_free(void *p, size_t size)
{
    if (!p)
        return;
    if (size > PAGE_SIZE / 2) {
        frame_free(arch_virt_to_phys(p));
        return;
    }
    unsigned c = class_of(size);
    struct free_obj *o = p;
    o->next = classes[c];
    classes[c] = o;
    cached_bytes += (size_t)1 << c;
}

uint64_t kmem_cached_bytes(void)
{
    return cached_bytes;
}
