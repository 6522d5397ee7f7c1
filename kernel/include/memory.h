/* memory.h — physical frames and small kernel objects. */
#pragma once

#include "kernel.h"

void frame_init(const struct boot_info *bi);
/* One zeroed frame, 0 when none is left.  Arch code goes through vspace_table_alloc (arch.h). */
paddr_t frame_alloc(void);
void frame_free(paddr_t pa);
uint64_t frame_free_count(void);
uint64_t frame_total_count(void);

/*
 * Kernel memory in power-of-two size classes carved from pages (whole
 * pages above 1 KiB).  Memory is zeroed.  The free calls need the size it
 * was allocated with.  kmem_alloc/kmem_free are the kernel's own; the
 * _for variants charge p's quota (NULL: the kernel's own) and set *err to
 * RESOURCE_EXHAUSTED (quota) or OUT_OF_MEMORY when they return nothing.
 * The rules of who pays for what are in kmem.c and docs/abi.md (Quotas).
 */
struct process;
struct slab;
struct kmem_cache {                /* one per process, one for the kernel */
    struct process *owner;         /* charged for every page of it */
    struct slab *partial[11];      /* per class (index = log2 of the object size): pages with a free object */
};

void *kmem_alloc(size_t size);
void kmem_free(void *p, size_t size);
void *kmem_alloc_for(struct process *p, size_t size, long *err);
void kmem_free_for(struct process *p, void *obj, size_t size);
void kmem_cache_drain(struct kmem_cache *cache);  /* its owner is being destroyed: every object is back */
/* frame_alloc/frame_free charged to p: inline in process.h (a page fault's path), with quota_charge/release. */
