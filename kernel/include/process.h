/*
 * process.h — processes.
 *
 * A process owns a capability space, an address space and its threads
 * (thread.h); the scheduler (sched.h) runs the threads.  Including this
 * header includes those two as well.
 */
#pragma once

#include "cap.h"
#include "memory.h"
#include "object.h"
#include "vspace.h"
#include "xlat.h"

struct reply;
struct thread;

#define USER_STACK_TOP 0x3f00000000ull /* below every arch's ARCH_USER_TOP */
#define USER_STACK_SIZE (64 * 1024ull)

enum process_state { PROC_CREATED, PROC_RUNNING, PROC_EXITED };

struct process {
    struct object obj;
    enum process_state state;
    char name[24];
    struct cspace cspace;
    struct vspace vspace;
    struct process *parent;    /* kept alive by the owner reference */
    bool reapable;             /* parent still there to collect the exit */
    struct list children;      /* struct process.sibling_link, until reaped */
    struct list sibling_link;
    struct list waiters;       /* threads in SYS_PROCESS_WAIT on it */
    struct list threads;       /* struct thread.proc_link */
    uint32_t live_threads;
    struct vos_process_exit_info exit_info;
    uint64_t mem_limit;        /* kernel memory and frames it may hold, bytes */
    uint64_t mem_used;
    struct kmem_cache kmem;    /* the pages its kernel objects are cut from (charged to it) */
};

/*
 * Kernel-memory quotas (who pays for what: kmem.c).  p NULL is the kernel,
 * which has none.  quota_charge: VOS_OK or RESOURCE_EXHAUSTED.
 */
static inline long quota_charge(struct process *p, uint64_t bytes)
{
    if (!p)
        return VOS_OK;
    if (bytes > p->mem_limit - p->mem_used)
        return VOS_ERR_RESOURCE_EXHAUSTED;
    p->mem_used += bytes;
    return VOS_OK;
}

static inline void quota_release(struct process *p, uint64_t bytes)
{
    if (!p)
        return;
    KASSERT(bytes <= p->mem_used);
    p->mem_used -= bytes;
}

/* A zeroed frame charged to p, or 0 with *err RESOURCE_EXHAUSTED (quota) or OUT_OF_MEMORY. */
static inline paddr_t frame_alloc_for(struct process *p, long *err)
{
    if ((*err = quota_charge(p, PAGE_SIZE)))
        return 0;
    paddr_t pa = frame_alloc();
    if (!pa) {
        quota_release(p, PAGE_SIZE);
        *err = VOS_ERR_OUT_OF_MEMORY;
    }
    return pa;
}

static inline void frame_free_for(struct process *p, paddr_t pa)
{
    frame_free(pa);
    quota_release(p, PAGE_SIZE);
}

/* process_direct_cached and process_direct: xlat.h's translations of p's pages. */
static inline void *process_direct_cached(struct process *p, uaddr_t va, unsigned need)
{
    return xlat_lookup(&p->vspace, va, need);
}
static inline void *process_direct(struct process *p, uaddr_t va, unsigned need)
{
    void *k = process_direct_cached(p, va, need);
    return k ? k : process_direct_miss(p, va, need);
}

#define CHILD_MEM_QUOTA (32ull << 20) /* carved from the parent's quota */

/* A new, empty process; parent NULL makes the first process, owning all memory. */
struct process *process_new(const char *name, struct process *parent, long *err);
struct elf_source;
/*
 * Load an ELF image and give the process its first thread, stack and start
 * info: argc NUL-terminated strings packed in strings[0..strings_len), and
 * the capabilities it holds now.  Not yet runnable.
 */
long process_load(struct process *p, const struct elf_source *image, const char *strings, uint64_t strings_len,
                  uint64_t argc);
void process_discard(struct process *p);  /* undo a process that never ran */
void process_start_threads(struct process *p);
/* Ends p: every thread dies, its spaces are released, its exit is recorded. */
void process_exit(struct process *p, uint64_t reason, uint64_t code);

/* Ends p with a fault: reports it on the console, then process_exit. */
void process_kill(struct process *p, uint64_t reason, uaddr_t addr, const char *what);
const char *exit_reason_name(uint64_t reason);


#include "thread.h"
#include "sched.h"
