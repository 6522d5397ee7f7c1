/* memory.h — physical frames and small kernel objects. */
#pragma once

#include "kernel.h"

void frame_init(const struct boot_info *bi);
/* frame_alloc()/frame_free() are declared in arch.h (arch code uses them too). */
uint64_t frame_free_count(void);
uint64_t frame_total_count(void);

/*
 * Kernel object memory, in power-of-two size classes carved from frames.
 * Objects are zeroed.  kmem_free needs the size it was allocated with.
 */
void *kmem_alloc(size_t size);
void kmem_free(void *p, size_t size);
/*
 * Bytes sitting free in the size classes: memory no one holds, though only
 * small objects can use it.  Free frames plus this is conserved by any
 * sequence of allocations that is undone (what PoolInfo.free_bytes reports,
 * so user programs can check that tearing something down returned it all).
 */
uint64_t kmem_cached_bytes(void);
