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
#include "object.h"
#include "vspace.h"

#define NUM_PRIORITIES 32
#define DEFAULT_PRIORITY 16
#define TIME_SLICE_NS 10000000ull      /* 10 ms */

#define USER_STACK_TOP 0x3f00000000ull /* below every arch's ARCH_USER_TOP */
#define USER_STACK_SIZE (64 * 1024ull)

enum process_state { PROC_CREATED, PROC_RUNNING, PROC_EXITED };
enum thread_state { THREAD_NEW, THREAD_READY, THREAD_RUNNING, THREAD_BLOCKED, THREAD_DEAD };

struct process {
    struct object obj;
    enum process_state state;
    char name[24];
    struct cspace cspace;
    struct vspace vspace;
    struct process *parent;
    struct list threads;       /* struct thread.proc_link */
    uint32_t live_threads;
    struct vos_process_exit_info exit_info;
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
};

extern struct thread *current;

struct process *process_new(const char *name, struct process *parent);
/*
 * Load an ELF image and give the process its first thread, stack and start
 * info listing the capabilities it holds now (not yet runnable).
 */
long process_load(struct process *p, const void *image, uint64_t len);
void process_start_threads(struct process *p);
/* Ends p: every thread dies, its spaces are released, its exit is recorded. */
void process_exit(struct process *p, uint64_t reason, uint64_t code);

/* Ends p with a fault: reports it on the console, then process_exit. */
void process_kill(struct process *p, uint64_t reason, uaddr_t addr, const char *what);
const char *exit_reason_name(uint64_t reason);

struct thread *thread_new(struct process *p, uaddr_t pc, uaddr_t sp, uint64_t arg);
void thread_kill(struct thread *t);          /* dead now; freed when unreferenced */

/* Scheduler. */
void sched_init(void);
void sched_ready(struct thread *t);          /* make runnable, at the back of its queue */
void sched_block(struct thread *t);          /* take off the CPU / queue */
_Noreturn void sched_return_to_user(void);   /* run current if it can, else the next thread */
void sched_tick(void);                       /* timer interrupt */
void sched_leave_vspace(struct vspace *vs);  /* stop using vs before it is destroyed */
