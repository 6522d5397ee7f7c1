/*
 * faults.c — fault injection: make the Nth kernel allocation fail.
 *
 * The kernel's allocators (frame_alloc, kmem_alloc, kmem_alloc_for) are
 * wrapped at link time (arch.cmake: -Wl,--wrap), so kernel/ stays as it
 * is on hardware: every call from another kernel file comes here first,
 * is counted, and the armed one returns "nothing" the way an exhausted
 * allocator would (kmem_alloc_for says OUT_OF_MEMORY).  A kmem allocation
 * that needs a new page is two counted allocations, so both ways of
 * failing are reached.
 */
#include "host_machine.h"
#include "memory.h"

paddr_t __real_frame_alloc(void);
void *__real_kmem_alloc(size_t size);
void *__real_kmem_alloc_for(struct process *p, size_t size, long *err);
paddr_t __wrap_frame_alloc(void);
void *__wrap_kmem_alloc(size_t size);
void *__wrap_kmem_alloc_for(struct process *p, size_t size, long *err);

static uint64_t seen, fail_at;
static bool failed;

void host_fail_alloc_at(uint64_t n)
{
    fail_at = n;
    if (n) { /* disarming keeps the record of what happened */
        seen = 0;
        failed = false;
    }
}

uint64_t host_alloc_count(void) { return seen; }
bool host_alloc_failed(void) { return failed; }

/* Count one allocation: true if it is the one to fail. */
static bool fail_this(void)
{
    if (++seen != fail_at)
        return false;
    failed = true;
    return true;
}

paddr_t __wrap_frame_alloc(void)
{
    return fail_this() ? 0 : __real_frame_alloc();
}

void *__wrap_kmem_alloc(size_t size)
{
    return fail_this() ? NULL : __real_kmem_alloc(size);
}

void *__wrap_kmem_alloc_for(struct process *p, size_t size, long *err)
{
    if (fail_this()) {
        *err = VOS_ERR_OUT_OF_MEMORY;
        return NULL;
    }
    return __real_kmem_alloc_for(p, size, err);
}
