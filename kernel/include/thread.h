/*
 * thread.h — threads.
 *
 * A thread is a saved user context plus scheduling state; it runs in its
 * process's address space (process.h) when the scheduler (sched.h) picks it.
 */
#pragma once

#include "process.h"

#define DEFAULT_PRIORITY 16

enum thread_state { THREAD_NEW, THREAD_READY, THREAD_RUNNING, THREAD_BLOCKED, THREAD_DEAD };

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
    uint64_t spill[4];         /* spilled syscall arguments copied in (syscall_spill_slow); the shim reads them at once */
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
        struct checked_range ok_buf; /* the last receive buffer found writable (xlat.h) */
    } ipc;
};

struct thread *thread_new(struct process *p, uaddr_t pc, uaddr_t sp, uint64_t arg);
void thread_kill(struct thread *t);          /* dead now; a zombie until reaped */
void thread_reap(struct thread *t);          /* off its process's list: freed when unreferenced */
void thread_release_dying(void);             /* the kernel has left a thread that died running (thread_dying, sched.h) */
