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
 * Frames the size classes hold (they never give them back) and bytes of
 * small objects in use: with frame_free_count(), what a leak check needs
 * to tell memory in use from memory merely cached.
 */
uint64_t kmem_class_frames(void);
uint64_t kmem_small_bytes_used(void);
