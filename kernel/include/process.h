/*
 * process.h — processes, threads and the scheduler.
 *
 * A process owns a capability space, an address space and its threads.
 * A thread is a saved user context plus scheduling state; it runs in its
 * process's address space.  The scheduler keeps one FIFO per priority and a
 * bitmap of non-empty ones, so picking the next thread is O(1).
 */
#pragma once

#include "cap.h"
#include "memory.h"
#include "object.h"
#include "vspace.h"

struct reply;

#define NUM_PRIORITIES 32
#define DEFAULT_PRIORITY 16
#define TIME_SLICE_NS 10000000ull      /* 10 ms */

#define USER_STACK_TOP 0x3f00000000ull /* below every arch's ARCH_USER_TOP */
#define USER_STACK_SIZE (64 * 1024ull)

enum process_state { PROC_CREATED, PROC_RUNNING, PROC_EXITED };
enum thread_state { THREAD_NEW, THREAD_READY, THREAD_RUNNING, THREAD_BLOCKED, THREAD_DEAD };

/*
 * One remembered translation of a user page to its direct-map address.  It
 * stays right while the address space has lost no mapping or permission
 * (vspace.shrinks unchanged): a present page's frame and permissions
 * change only by unmap or protect, which bump it.
 */
struct xlat {
    uaddr_t page;
    uint64_t shrinks;       /* UINT64_MAX: empty (process_new) */
    intptr_t delta;         /* direct-map address minus user address */
    uint64_t unused;        /* a power-of-two size: indexing is a shift */
};

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
    struct xlat xlat[8];       /* process_direct's cache: [4 * writing + page number mod 4] */
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

/*
 * vspace_direct (va's direct-map address if its page is present with the
 * single permission need, else NULL) remembering the last pages read and
 * written, four each, by page number: IPC copies and spilled syscall
 * arguments touch the same buffers call after call, and a hit costs a few
 * instructions instead of a page-table walk.  The miss is out of line
 * (kernel/ipc.c).
 */
void *process_direct_miss(struct process *p, uaddr_t va, unsigned need);
/* Only the remembered answer: NULL when it would take a walk. */
static inline void *process_direct_cached(struct process *p, uaddr_t va, unsigned need)
{
    uaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
    struct xlat *x = &p->xlat[(need == VOS_PROT_WRITE) * 4 + ((page / PAGE_SIZE) & 3)];
    return x->page == page && x->shrinks == p->vspace.shrinks ? (char *)(va + x->delta) : NULL;
}
static inline void *process_direct(struct process *p, uaddr_t va, unsigned need)
{
    void *k = process_direct_cached(p, va, need);
    return k ? k : process_direct_miss(p, va, need);
}

/*
 * A capability the IPC fast path has checked for one use (type, rights,
 * and for a reply token that it is a root): while slot->key is still
 * token, the slot holds that same capability, because a slot's object and
 * rights change only with its key (cap.h).  So a hit is two compares.
 */
struct cap_hint {
    struct cap *slot;
    vos_cap_t token;
};

struct thread {
    struct object obj;
    struct trap_frame frame;   /* the user context while not running */
    struct process *proc;
    enum thread_state state;
    uint32_t priority;
    struct list run_link;      /* ready queue */
    struct list proc_link;
    int32_t exit_code;
    uint64_t syscall_nr;       /* the number of the call it is in, for the error check only (VOS_CHECK_ERRORS) */
    struct list joiners;       /* the thread waiting in SYS_THREAD_JOIN (at most one) */

    /* While BLOCKED in a syscall: what it waits on and how to finish it. */
    struct list wait_link;     /* in the queue of what it waits for */
    struct list timer_link;    /* in the sleepers list, by wake_at */
    uint64_t wake_at;          /* 0: no timeout */
    long timeout_result;       /* VOS_OK (nanosleep) or VOS_ERR_TIMEOUT */
    uint64_t wait_args[4];     /* the blocked call's arguments, for its waker */

    /* IPC (kernel/ipc.c): what a blocked receive or call needs when a peer completes it. */
    struct {
        struct reply *reply;   /* this thread's reply object for its calls (cached, one reference) */
        struct cap *parked;    /* a slot reserved for the next reply token (cap.h), or NULL */
        struct cap *spare;     /* a slot reserved for a capability arriving with a message or reply, or NULL */
        /* What the fast path found last for each of its capability arguments (ipc_fast.c). */
        struct cap_hint call_channel, rr_reply, rr_endpoint;
        struct cap *via;       /* the capability the blocked receive/call waits through */
        uint64_t seq;          /* a queued call's place in its endpoint's FIFO */
        bool regs;             /* the receive buffer or response buffer is the message registers (buf unused) */
        uaddr_t buf, req;      /* receive buffer or call response buffer; a call's request */
        uint64_t buf_len, req_len;
        vos_cap_t xfer;        /* a queued call's capability to transfer (caller's token), or 0 */
        uaddr_t ok_buf;        /* the last receive buffer found writable, while vspace.shrinks == ok_shrinks */
        uint64_t ok_len, ok_shrinks;
    } ipc;
};

/*
 * The scheduler's hot state, in one place so the IPC fast path and the
 * syscall exit reach all of it from one base address (one address
 * computation instead of one per variable on riscv64 and aarch64).
 */
struct sched_cpu {
    struct thread *current;                 /* the running thread, or NULL (idle) */
    struct trap_frame *resume_frame;        /* sched_resume_frame, below */
    struct arch_vspace *active_vspace;      /* the address space the MMU uses now */
};
extern struct sched_cpu sched_cpu;
#define current (sched_cpu.current)

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

struct thread *thread_new(struct process *p, uaddr_t pc, uaddr_t sp, uint64_t arg);
void thread_kill(struct thread *t);          /* dead now; a zombie until reaped */
void thread_reap(struct thread *t);          /* off its process's list: freed when unreferenced */
void thread_release_dying(void);             /* the kernel has left a thread that died running */
extern struct thread *thread_dying;          /* that thread, until then */

/* Scheduler. */
void sched_init(void);
void sched_ready(struct thread *t);          /* make runnable, at the back of its queue */
void sched_block(struct thread *t);          /* take off the CPU / queue */
_Noreturn void sched_return_to_user(void);   /* run current if it can, else the next thread */

extern uint32_t ready_bitmap;                /* bit p: a READY thread of priority p waits */

/*
 * The frame of the running thread while it may go straight back to user
 * mode when its syscall ends, else NULL: set on the way out of the
 * scheduler, cleared by anything that changes `current` or makes a more
 * important thread ready.  kernel_entry_syscall returns it, so the common
 * case costs one load.  It may be NULL when the caller could continue
 * after all (the scheduler then decides exactly), never the reverse.
 */
#define sched_resume_frame (sched_cpu.resume_frame)

static inline void sched_set_current(struct thread *t)
{
    current = t;
    sched_resume_frame = NULL;
}

/*
 * The exact test behind sched_resume_frame: t, which made the
 * syscall, is still the running thread and nothing of higher priority
 * waits, so it goes straight back to user mode.  (A non-NULL current is
 * always RUNNING: whatever takes it off the CPU also clears current.)
 */
static inline __attribute__((always_inline)) bool sched_caller_continues(struct thread *t)
{
    return t == current && !((uint64_t)ready_bitmap >> (t->priority + 1));
}
void sched_tick(void);                       /* timer interrupt */
/*
 * Block t (the caller of a blocking syscall) on queue (may be NULL) for at
 * most timeout_ns (VOS_TIMEOUT_INFINITE: no limit).  When the time is up
 * the call returns timeout_result.  The handler then returns SYSCALL_BLOCKED.
 */
void sched_wait(struct thread *t, struct list *queue, uint64_t timeout_ns, long timeout_result);
void sched_wake(struct thread *t);           /* the waker has written t's results */
/* IPC fast path: blocked t runs next, at once, in place of current (which has just blocked). */
void sched_switch_to(struct thread *t);
void sched_unwait(struct thread *t);         /* off its queue and the sleepers, state unchanged */

#define active_vspace (sched_cpu.active_vspace)
static inline __attribute__((always_inline)) void sched_use_vspace(struct vspace *vs)
{
    if (active_vspace != &vs->arch) {
        active_vspace = &vs->arch;
        arch_vspace_activate(active_vspace);
    }
}
void sched_leave_vspace(struct vspace *vs);  /* stop using vs before it is destroyed */
