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
#include "process.h"
#include "syscall_support.h"

struct sched_cpu sched_cpu;

static struct list ready[NUM_PRIORITIES];
uint32_t ready_bitmap;
static struct vspace idle_space;        /* kernel half only: used while idle; nobody's */
static uint64_t slice_end;
static struct list sleepers;             /* blocked threads with a timeout, by wake_at */
static uint64_t armed;                   /* the deadline the timer is set for */

static void arm(uint64_t deadline)
{
    armed = deadline;
    arch_timer_set(deadline);
}

void sched_init(void)
{
    for (unsigned i = 0; i < NUM_PRIORITIES; i++)
        list_init(&ready[i]);
    list_init(&sleepers);
    if (vspace_init(&idle_space, NULL))
        panic("no memory for the idle address space");
    active_vspace = &idle_space.arch;
    arch_vspace_activate(&idle_space.arch);
}

void sched_ready(struct thread *t)
{
    if (current && t->priority > current->priority)
        sched_resume_frame = NULL; /* current is preempted at its syscall's end */
    t->state = THREAD_READY;
    list_add_tail(&ready[t->priority], &t->run_link);
    ready_bitmap |= 1u << t->priority;
}

void sched_block(struct thread *t)
{
    if (t->state == THREAD_READY) {
        list_del(&t->run_link);
        if (list_empty(&ready[t->priority]))
            ready_bitmap &= ~(1u << t->priority);
    }
    t->state = THREAD_BLOCKED;
}

static struct thread *pick(void)
{
    unsigned prio = arch_highest_bit(ready_bitmap);
    struct thread *t = list_first(&ready[prio], struct thread, run_link);
    list_del(&t->run_link);
    if (list_empty(&ready[prio]))
        ready_bitmap &= ~(1u << prio);
    return t;
}

void sched_leave_vspace(struct vspace *vs)
{
    if (active_vspace == &vs->arch) {
        active_vspace = &idle_space.arch;
        arch_vspace_activate(&idle_space.arch);
    }
}

void sched_wait(struct thread *t, struct list *queue, uint64_t timeout_ns, long timeout_result)
{
    sched_block(t);
    if (current == t)
        sched_set_current(NULL);
    if (queue)
        list_add_tail(queue, &t->wait_link);
    t->timeout_result = timeout_result;
    t->wake_at = 0;
    if (timeout_ns == VOS_TIMEOUT_INFINITE)
        return;
    uint64_t now = arch_time_ns();
    t->wake_at = timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
    struct list *it, *tmp;
    list_for_each_safe(it, tmp, &sleepers) {
        if (container_of(it, struct thread, timer_link)->wake_at > t->wake_at)
            break;
    }
    list_add_tail(it, &t->timer_link); /* before the first later one */
    if (t->wake_at < armed)
        arm(t->wake_at); /* wake on time, not at the end of the slice */
}

void sched_unwait(struct thread *t)
{
    if (t->wait_link.next)
        list_del(&t->wait_link);
    if (t->timer_link.next)
        list_del(&t->timer_link);
    t->wake_at = 0;
}

void sched_wake(struct thread *t)
{
    sched_unwait(t);
    sched_ready(t);
}

/*
 * The IPC hand-off (kernel/channel.c): the caller has blocked, the
 * receiver it woke runs on the rest of its time slice.  No run queue is
 * touched; sched_return_to_user still yields to a higher priority.
 */
void sched_switch_to(struct thread *t)
{
    if (current && current->state == THREAD_RUNNING)
        sched_ready(current);
    sched_unwait(t);
    t->state = THREAD_RUNNING;
    sched_set_current(t);
    sched_use_vspace(&t->proc->vspace);
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
        if (current && current->state == THREAD_RUNNING && (ready_bitmap >> current->priority)) {
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

void sched_return_to_user(void)
{
    struct thread *t = current;
    if (thread_dying)
        thread_release_dying();
    if (t && sched_caller_continues(t)) {
        sched_resume_frame = &t->frame;
        arch_enter_user(&t->frame);
    }
    if (t && t->state == THREAD_RUNNING)
        sched_ready(t); /* preempted by a higher priority */
    while (!ready_bitmap) {
        sched_set_current(NULL);
        arch_idle_wait();
        sched_tick();
    }
    t = pick();
    t->state = THREAD_RUNNING;
    current = t;
    sched_resume_frame = &t->frame; /* the highest priority: nothing ready outranks it */
    sched_use_vspace(&t->proc->vspace);
    arch_enter_user(&t->frame);
}
