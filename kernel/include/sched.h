/*
 * sched.h — the scheduler.
 *
 * One FIFO of READY threads per priority and a bitmap of the non-empty
 * ones, so picking the next thread is O(1) (kernel/sched.c).
 */
#pragma once

#include "process.h"
#include "thread.h"

#define NUM_PRIORITIES 32
#define TIME_SLICE_NS 10000000ull      /* 10 ms */

/*
 * The scheduler's hot state, in one place so the IPC fast path and the
 * syscall exit reach all of it from one base address (one address
 * computation instead of one per variable on riscv64 and aarch64).
 */
struct sched_cpu {
    struct trap_frame *resume_frame;        /* sched_resume_frame, below: first, where the arch's syscall exit loads it */
    struct thread *current;                 /* the running thread (state RUNNING), or NULL (idle) */
    struct arch_vspace *active_vspace;      /* the address space the MMU uses now */
    uint32_t ready_bitmap;                  /* bit p: a READY thread of priority p waits */
    struct thread *dying;                   /* thread_dying (thread.c) */
};
extern struct sched_cpu sched_cpu;
_Static_assert(offsetof(struct sched_cpu, resume_frame) == 0, "arch.h: the syscall exit loads sched_cpu's first word");
#define current (sched_cpu.current)
#define ready_bitmap (sched_cpu.ready_bitmap)
#define thread_dying (sched_cpu.dying)          /* the thread that died while running, until the kernel has left it */

/* Scheduler. */
void sched_init(void);
/* How far the cycle counter (arch_cycles) advanced while the CPU waited for
 * an interrupt with nothing to run, since boot: SYS_CLOCK_GET(CLOCK_IDLE). */
uint64_t sched_idle_cycles(void);
void sched_block(struct thread *t);          /* take off the CPU / queue */
_Noreturn void sched_return_to_user(void);   /* run current if it can, else the next thread */

extern struct list sched_ready_queue[NUM_PRIORITIES]; /* the READY threads of each priority (run_link), FIFO */

/*
 * The frame of the running thread while it may go straight back to user
 * mode when its syscall ends, else NULL: set on the way out of the
 * scheduler, cleared by anything that changes `current` or makes a more
 * important thread ready.  kernel_entry_syscall returns it, so the common
 * case costs one load.  It may be NULL when the caller could continue
 * after all (the scheduler then decides exactly), never the reverse.
 */
#define sched_resume_frame (sched_cpu.resume_frame)

/* Make t runnable, at the back of its queue (in line: every wake-up ends here). */
static inline void sched_ready(struct thread *t)
{
    if (current && t->priority > current->priority)
        sched_resume_frame = NULL; /* current is preempted at its syscall's end */
    t->state = THREAD_READY;
    list_add_tail(&sched_ready_queue[t->priority], &t->run_link);
    ready_bitmap |= 1u << t->priority;
}

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
void sched_sleep(struct thread *t, uint64_t timeout_ns); /* sched_wait's timer: onto the sleepers list */
/*
 * Block self, the running thread (the caller of a blocking syscall), on
 * queue (may be NULL) for at most timeout_ns (VOS_TIMEOUT_INFINITE: no
 * limit).  When the time is up the call returns timeout_result.  The
 * handler then returns SYSCALL_BLOCKED.
 */
static inline void sched_wait(struct thread *self, struct list *queue, uint64_t timeout_ns, long timeout_result)
{
    KASSERT_DEBUG(self == current && self->state == THREAD_RUNNING && !self->wake_at); /* sched_unwait cleared it */
    self->state = THREAD_BLOCKED;
    sched_set_current(NULL);
    if (queue)
        list_add_tail(queue, &self->wait_link);
    self->timeout_result = timeout_result;
    if (timeout_ns != VOS_TIMEOUT_INFINITE)
        sched_sleep(self, timeout_ns);
}
/* Off its queue and the sleepers, state unchanged. */
static inline void sched_unwait(struct thread *t)
{
    if (t->wait_link.next)
        list_del(&t->wait_link);
    if (t->wake_at) { /* among the sleepers (sched_sleep) */
        list_del(&t->timer_link);
        t->wake_at = 0;
    }
}
/* The waker has written t's results: t is runnable again. */
static inline void sched_wake(struct thread *t)
{
    sched_unwait(t);
    sched_ready(t);
}

#define active_vspace (sched_cpu.active_vspace)
static inline __attribute__((always_inline)) void sched_use_vspace(struct vspace *vs)
{
    if (active_vspace != &vs->arch) {
        active_vspace = &vs->arch;
        arch_vspace_activate(active_vspace);
    }
}
void sched_leave_vspace(struct vspace *vs);  /* stop using vs before it is destroyed */

/*
 * Run t now, on the rest of the time slice (no run queue, no timer): the
 * one way a thread gets the CPU, used by the scheduler, the IPC switch
 * and the IPC fast path.  t is on no queue, and nothing ready outranks
 * it, so its frame is the one to resume.  Returns that frame.
 */
static inline __attribute__((always_inline)) struct trap_frame *sched_run(struct thread *t)
{
    KASSERT_DEBUG(!t->wake_at && !((uint64_t)ready_bitmap >> (t->priority + 1)));
    t->state = THREAD_RUNNING;
    current = t;
    sched_resume_frame = &t->frame;
    /* Unconditionally: a switch is usually between two processes (an IPC client and its server). */
    active_vspace = &t->proc->vspace.arch;
    arch_vspace_activate(active_vspace);
    return &t->frame;
}

/* The first READY thread of the highest priority, taken off its queue (ready_bitmap is not 0). */
static inline struct thread *sched_pick(void)
{
    unsigned prio = arch_highest_bit(ready_bitmap);
    struct thread *t = list_first(&sched_ready_queue[prio], struct thread, run_link);
    list_del(&t->run_link);
    if (list_empty(&sched_ready_queue[prio]))
        ready_bitmap &= ~(1u << prio);
    return t;
}

/*
 * The caller has just blocked (sched_wait): the thread the scheduler would
 * choose runs now, so the syscall's exit enters it with no scheduler pass
 * (its frame is now the one to resume: arch.h).  With none ready, the exit
 * goes to the scheduler, which idles.  (A thread that died running is let
 * go at the next scheduler pass instead: the next tick's at the latest.)
 */
static inline __attribute__((always_inline)) void sched_switch_to_next(void)
{
    KASSERT_DEBUG(!current);
    if (likely(ready_bitmap))
        sched_run(sched_pick());
}

/*
 * The IPC hand-off (kernel/channel.c, irq.c): the caller has blocked, the
 * receiver t it woke runs on the rest of its time slice, unless a higher
 * priority is ready: then t waits its turn in the run queue.
 */
static inline __attribute__((always_inline)) void sched_switch_to(struct thread *t)
{
    KASSERT_DEBUG(!current);
    sched_unwait(t);
    if (unlikely((uint64_t)ready_bitmap >> (t->priority + 1))) {
        sched_ready(t);
        return;
    }
    sched_run(t); /* kernel_entry_syscall returns t's frame: the arch enters it (arch.h) */
}
