/*
 * sched.c — the scheduler: priorities, round robin inside a priority.
 *
 * One FIFO of READY threads per priority and a bitmap of the non-empty
 * ones: picking is "highest set bit, first in that queue", O(1) however
 * many threads are runnable.  The running thread is `current` and is on
 * no queue.  The kernel never blocks inside itself: sched_return_to_user()
 * is the one way out of the kernel, and it decides who runs.
 */
#include "device.h"
#include "sched.h"
#include "syscall_support.h"

struct sched_cpu sched_cpu;

struct list sched_ready_queue[NUM_PRIORITIES];
static struct vspace idle_space;        /* kernel half only: used while idle; nobody's */
static uint64_t slice_end;
static struct list sleepers;             /* blocked threads with a timeout, by wake_at */
static uint64_t armed;                   /* the deadline the timer is set for */
static uint64_t idle_cycles;             /* the cycle counter's advance while idle (CLOCK_IDLE) */

static void arm(uint64_t deadline)
{
    armed = deadline;
    arch_timer_set(deadline);
}

void sched_init(void)
{
    for (unsigned i = 0; i < NUM_PRIORITIES; i++)
        list_init(&sched_ready_queue[i]);
    list_init(&sleepers);
    if (vspace_init(&idle_space, NULL))
        panic("no memory for the idle address space");
    active_vspace = &idle_space.arch;
    arch_vspace_activate(&idle_space.arch);
}

void sched_block(struct thread *t)
{
    if (t->state == THREAD_READY) {
        list_del(&t->run_link);
        if (list_empty(&sched_ready_queue[t->priority]))
            ready_bitmap &= ~(1u << t->priority);
    }
    t->state = THREAD_BLOCKED;
}

void sched_leave_vspace(struct vspace *vs)
{
    if (active_vspace == &vs->arch) {
        active_vspace = &idle_space.arch;
        arch_vspace_activate(&idle_space.arch);
    }
}

void sched_sleep(struct thread *t, uint64_t timeout_ns)
{
    uint64_t now = arch_time_ns();
    t->wake_at = timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
    if (!t->wake_at)
        t->wake_at = 1; /* 0 means "not among the sleepers" (sched_unwait) */
    struct list *it, *tmp;
    list_for_each_safe(it, tmp, &sleepers) {
        if (container_of(it, struct thread, timer_link)->wake_at > t->wake_at)
            break;
    }
    list_add_tail(it, &t->timer_link); /* before the first later one */
    if (t->wake_at < armed)
        arm(t->wake_at); /* wake on time, not at the end of the slice */
}

static void expire_sleepers(uint64_t now)
{
    while (!list_empty(&sleepers)) {
        struct thread *t = list_first(&sleepers, struct thread, timer_link);
        if (t->wake_at > now)
            break;
        if (t->timeout_result == VOS_OK)
            syscall_return1(&t->frame, 0);
        else
            syscall_fail_blocked(t, t->timeout_result);
        sched_wake(t);
    }
}

/*
 * Time slices are a fixed period: whoever runs when it ends goes to the
 * back of its queue.  A thread switched in mid-period gets the rest of it
 * (as with xv6's tick), which keeps the clock off the switch path.
 */
void sched_tick(void)
{
    uint64_t now = arch_time_ns();
    expire_sleepers(now);
    if (now >= slice_end) {
        /* Time is up: the running thread goes to the back of its queue. */
        if (current && (ready_bitmap >> current->priority)) { /* a non-NULL current is RUNNING (sched.h) */
            sched_ready(current);
            sched_set_current(NULL);
        }
        slice_end = now + TIME_SLICE_NS;
    }
    uint64_t next = slice_end;
    if (!list_empty(&sleepers))
        next = MIN(next, list_first(&sleepers, struct thread, timer_link)->wake_at);
    arm(next);
}

/* sched_return_to_user's cases but the usual one: a dying thread to free, the caller going on or preempted, idling. */
static __attribute__((noinline, noreturn)) void return_general(void)
{
    struct thread *t = current;
    if (thread_dying)
        thread_release_dying();
    if (t && sched_caller_continues(t)) {
        sched_resume_frame = &t->frame;
        arch_enter_user(&t->frame);
    }
    if (t)
        sched_ready(t); /* preempted by a higher priority (a non-NULL current is RUNNING) */
    while (!ready_bitmap) {
        sched_set_current(NULL);
        uint64_t before = arch_cycles();
        arch_idle_wait();
        idle_cycles += arch_cycles() - before;
        sched_tick();
    }
    arch_enter_user(sched_run(sched_pick())); /* the highest priority: nothing ready outranks it */
}

uint64_t sched_idle_cycles(void) { return idle_cycles; }

/*
 * The usual case first, in a leaf: the thread that made the syscall has
 * blocked (current is NULL), nothing dies, and a thread is ready: the first
 * of the highest priority runs.
 */
void sched_return_to_user(void)
{
    if (unlikely(current || thread_dying) || unlikely(!ready_bitmap))
        return_general();
    arch_enter_user(sched_run(sched_pick()));
}

/* The arch's way in after a syscall that switches (arch.h) is the scheduler itself: no layer between. */
void kernel_syscall_switch(void) __attribute__((alias("sched_return_to_user")));
