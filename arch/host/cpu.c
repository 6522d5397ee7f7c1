/*
 * cpu.c — the host target's CPU: user threads, traps and the kernel stack.
 *
 * Three kinds of host context (ucontext) exist:
 *   main    the test harness (cmocka), which starts and stops the machine;
 *   kernel  one kernel stack.  Every trap starts it afresh at a kernel_entry_*
 *           function, and arch_enter_user() abandons it, exactly as arch.h's
 *           execution model says: no kernel state survives on it between
 *           traps.  The one exception is arch_idle_wait(), which suspends it
 *           so the harness can decide how time passes;
 *   user    one per thread, created the first time arch_enter_user() runs it:
 *           the entry pc is a host function (host_user_fn) called with the
 *           first argument, on the stack the thread was given.
 * A syscall is vos_host_trap(): the registers go into the thread's trap
 * frame, the kernel runs, and when (if) arch_enter_user() picks the thread
 * again the results come back from the frame.
 *
 * ASan is told about every switch (__sanitizer_*_switch_fiber) so it knows
 * which stack is live; a context that will never run again says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "host_machine.h"
#include "kernel.h"
#include "process.h" /* sched_return_to_user: where a fresh kernel run starts */
#include "syscall_asm.h"
#include "syscall_frame.h"
#include <vos/syscalls.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define HOST_ASAN 1
#endif
#endif

#define KERNEL_STACK_SIZE (256u << 10)
#define USER_STACK_MIN (16u << 10)     /* less host-addressable stack than this: use a private one */
#define USER_STACK_MAX (1u << 20)

struct hctx {
    ucontext_t uc;
    void *fake_stack;          /* ASan's, while switched away */
    const void *stack;         /* bounds, for ASan; main's are learnt on the first switch */
    size_t stack_size;
};

struct host_uctx {
    struct hctx ctx;
    struct trap_frame *frame;
    void *private_stack;       /* host stack, when the thread's own is not host memory */
    struct host_uctx *next;    /* every context made, for host_forget_contexts */
};

enum entry_kind { ENTRY_SCHEDULE, ENTRY_SYSCALL, ENTRY_PAGE_FAULT, ENTRY_EXCEPTION, ENTRY_INTERRUPT };

struct entry {
    enum entry_kind kind;
    struct trap_frame *frame;
    uint64_t arg0, arg1;
};

struct arch_vspace *host_active_vspace(void);

static struct hctx main_ctx, kernel_ctx;
static struct hctx *running = &main_ctx, *previous;
static struct host_uctx *running_user, *all_users;
static char *kernel_stack;
static struct entry pending;       /* what a fresh kernel context does */
static bool kernel_idle;           /* suspended in arch_idle_wait */
static enum host_stop stop_reason;
static bool powered_off;
static int poweroff_status;
void (*host_poweroff_hook)(int status);

/* Now running in self: tell ASan, and learn main's stack the first time we leave it. */
static void landed(struct hctx *self)
{
#ifdef HOST_ASAN
    const void *old_stack;
    size_t old_size;
    __sanitizer_finish_switch_fiber(self->fake_stack, &old_stack, &old_size);
    if (previous && !previous->stack) {
        previous->stack = old_stack;
        previous->stack_size = old_size;
    }
#else
    (void)self;
#endif
}

/* Switch to `to`.  If the current context will never run again, it is not saved. */
static void switch_to(struct hctx *to, bool abandon)
{
    struct hctx *from = running;
    previous = from;
    running = to;
#ifdef HOST_ASAN
    __sanitizer_start_switch_fiber(abandon ? NULL : &from->fake_stack, to->stack, to->stack_size);
#endif
    if (abandon) {
        setcontext(&to->uc);
        abort(); /* setcontext does not return */
    }
    if (swapcontext(&from->uc, &to->uc))
        abort();
    landed(from);
}

/* ---- the kernel side ---- */

static _Noreturn void kernel_start(void)
{
    landed(&kernel_ctx);
    struct entry e = pending;
    switch (e.kind) {
    case ENTRY_SCHEDULE: sched_return_to_user();
    case ENTRY_SYSCALL:
        /* The whole simulated frame is always in memory: nothing to save either way. */
        if (e.frame->nr - SYSCALL_MESSAGE_FIRST < SYSCALL_MESSAGE_COUNT) {
            struct trap_frame *next = kernel_ipc_fast(e.frame);
            if (!next)
                arch_enter_user(kernel_entry_ipc(e.frame));
            syscall_message_copy(next, e.frame); /* what a CPU's message registers do */
            arch_enter_user(next);
        }
        struct trap_frame *next = syscall_run(e.frame);
        if (next)
            arch_enter_user(next); /* the caller, or the thread an IPC switch chose */
        kernel_syscall_switch();
    case ENTRY_PAGE_FAULT: kernel_entry_page_fault(e.frame, e.arg0, (unsigned)e.arg1);
    case ENTRY_EXCEPTION: kernel_entry_exception(e.frame, (unsigned)e.arg0, e.arg1);
    case ENTRY_INTERRUPT: kernel_entry_interrupt(e.frame, (unsigned)e.arg0);
    }
    abort();
}

/* A trap: start the kernel stack afresh at the entry e, saving the current context. */
static void enter_kernel(struct entry e)
{
    if (kernel_idle || powered_off) {
        fprintf(stderr, "arch/host: kernel entered while %s\n", kernel_idle ? "idle" : "powered off");
        abort();
    }
    if (!kernel_stack && !(kernel_stack = aligned_alloc(16, KERNEL_STACK_SIZE)))
        abort();
#ifdef HOST_ASAN
    /* Frames of the previous, abandoned kernel run may still be marked. */
    __asan_unpoison_memory_region(kernel_stack, KERNEL_STACK_SIZE);
#endif
    pending = e;
    if (getcontext(&kernel_ctx.uc))
        abort();
    kernel_ctx.uc.uc_stack.ss_sp = kernel_stack;
    kernel_ctx.uc.uc_stack.ss_size = KERNEL_STACK_SIZE;
    kernel_ctx.uc.uc_link = NULL;
    kernel_ctx.stack = kernel_stack;
    kernel_ctx.stack_size = KERNEL_STACK_SIZE;
    kernel_ctx.fake_stack = NULL;
    makecontext(&kernel_ctx.uc, (void (*)(void))kernel_start, 0);
    switch_to(&kernel_ctx, false);
}

enum host_stop host_run_kernel(void)
{
    if (running != &main_ctx) {
        fprintf(stderr, "arch/host: host_run_kernel called from inside the machine\n");
        abort();
    }
    if (powered_off)
        return HOST_STOP_POWEROFF;
    if (kernel_idle)
        switch_to(&kernel_ctx, false);
    else
        enter_kernel((struct entry){ ENTRY_SCHEDULE, NULL, 0, 0 });
    return stop_reason;
}

void arch_idle_wait(void)
{
    /* Hand the decision to the harness: it resumes us (time passes) or not. */
    kernel_idle = true;
    stop_reason = HOST_STOP_IDLE;
    switch_to(&main_ctx, false);
    kernel_idle = false;
    /* Woken: the timer interrupt fired, so the clock has reached its deadline. */
    if (host_timer_deadline() != UINT64_MAX && host_clock_now() < host_timer_deadline())
        host_clock_advance(host_timer_deadline() - host_clock_now());
}

void arch_poweroff(int status)
{
    powered_off = true;
    poweroff_status = status;
    if (running == &kernel_ctx) {
        stop_reason = HOST_STOP_POWEROFF;
        switch_to(&main_ctx, true);
    }
    /* Not in a trap: a kernel function called directly by the harness failed. */
    if (host_poweroff_hook && running == &main_ctx)
        host_poweroff_hook(status);
    fprintf(stderr, "arch/host: powered off with status %d outside a trap\n%s\n", status, host_console_text());
    abort();
}

bool host_powered_off(void) { return powered_off; }
int host_poweroff_status(void) { return poweroff_status; }

/* ---- the user side ---- */

/* The stack of a new thread: the run of pages below sp mapped writable at their own host address. */
static size_t user_stack_below(uaddr_t sp)
{
    struct arch_vspace *vs = host_active_vspace();
    size_t size = 0;
    while (size < USER_STACK_MAX && sp - size >= PAGE_SIZE + PAGE_SIZE) {
        uaddr_t page = ALIGN_DOWN(sp - size - 1, PAGE_SIZE);
        paddr_t pa;
        unsigned prot;
        if (page >= ARCH_USER_TOP || !arch_vspace_lookup(vs, page, &pa, &prot) || !(prot & VOS_PROT_WRITE) ||
            arch_phys_to_virt(pa) != (void *)(uintptr_t)page)
            break;
        size = sp - page;
    }
    return size;
}

static _Noreturn void user_start(void)
{
    struct host_uctx *u = running_user;
    landed(&u->ctx);
    host_user_fn *fn = (host_user_fn *)(uintptr_t)u->frame->pc;
    fn(u->frame->a0);
    /* Returning from the entry function ends the thread. */
    struct vos_host_regs r = { .nr = VOS_SYS_THREAD_EXIT, .a0 = 0 };
    vos_host_trap(&r);
    abort();
}

/*
 * A thread's stack is normally user memory mapped at its own host address
 * (tests/host maps it so), and then its locals are valid user buffers.  A
 * stack the kernel mapped (SYS_THREAD_CREATE on SYS_MMAP memory) is not
 * host memory: the thread then runs on a private host stack instead, and
 * reaches its user memory with host_user_read/write.
 */
bool host_private_stacks;

static struct host_uctx *new_user_context(struct trap_frame *f)
{
    if (!f->pc || !f->sp || f->sp >= ARCH_USER_TOP)
        return NULL;
    size_t size = !host_private_stacks && ALIGN_DOWN(f->sp, 16) == f->sp ? user_stack_below(f->sp) : 0;
    struct host_uctx *u = calloc(1, sizeof(*u));
    if (!u || getcontext(&u->ctx.uc))
        abort();
    char *base = (char *)(uintptr_t)(f->sp - size);
    if (size < USER_STACK_MIN) {
        size = USER_STACK_MAX;
        if (!(base = u->private_stack = aligned_alloc(16, size)))
            abort();
    }
    u->frame = f;
    u->ctx.stack = base;
    u->ctx.stack_size = size;
    u->ctx.uc.uc_stack.ss_sp = base;
    u->ctx.uc.uc_stack.ss_size = size;
    u->ctx.uc.uc_link = NULL;
    makecontext(&u->ctx.uc, (void (*)(void))user_start, 0);
    u->next = all_users;
    all_users = u;
    f->uctx = u;
    return u;
}

bool (*host_user_entry_ok)(uint64_t pc);

void arch_enter_user(struct trap_frame *f)
{
    /* A pc that is no host function would be a jump into the void: on hardware, an illegal instruction. */
    if (!f->uctx && f->pc && host_user_entry_ok && !host_user_entry_ok(f->pc))
        kernel_entry_exception(f, VOS_EXIT_ILLEGAL_INSTRUCTION, f->pc);
    struct host_uctx *u = f->uctx ? f->uctx : new_user_context(f);
    if (!u) {
        /* No entry or stack: the thread faults on its first instruction. */
        kernel_entry_page_fault(f, f->sp ? f->sp - 8 : 0, VOS_PROT_WRITE);
    }
    running_user = u;
    switch_to(&u->ctx, true); /* the kernel stack is abandoned, never returned to */
    abort();
}

/* The running user thread's context, or abort: these calls make sense only from one. */
static struct host_uctx *user_self(const char *what)
{
    if (running == &main_ctx || running == &kernel_ctx || !running_user) {
        fprintf(stderr, "arch/host: %s called outside a user thread\n", what);
        abort();
    }
    return running_user;
}

void vos_host_trap(struct vos_host_regs *regs)
{
    struct trap_frame *f = user_self("vos_host_trap")->frame;
    f->nr = regs->nr;
    f->a0 = regs->a0;
    f->a1 = regs->a1;
    f->a2 = regs->a2;
    f->a3 = regs->a3;
    f->a4 = regs->a4;
    f->a5 = regs->a5;
    memcpy(&f->m0, &regs->m0, 8 * sizeof(uint64_t));
    enter_kernel((struct entry){ ENTRY_SYSCALL, f, 0, 0 });
    regs->r0 = f->r0;
    regs->r1 = f->r1;
    regs->r2 = f->r2;
    regs->r3 = f->r3;
    memcpy(&regs->m0, &f->m0, 8 * sizeof(uint64_t));
}

void host_user_page_fault(uint64_t addr, unsigned access)
{
    enter_kernel((struct entry){ ENTRY_PAGE_FAULT, user_self("host_user_page_fault")->frame, addr, access });
}

void host_user_exception(unsigned exit_reason, uint64_t detail)
{
    enter_kernel((struct entry){ ENTRY_EXCEPTION, user_self("host_user_exception")->frame, exit_reason, detail });
}

void host_user_timer_interrupt(void)
{
    struct trap_frame *f = user_self("host_user_timer_interrupt")->frame;
    if (host_timer_deadline() != UINT64_MAX && host_clock_now() < host_timer_deadline())
        host_clock_advance(host_timer_deadline() - host_clock_now());
    enter_kernel((struct entry){ ENTRY_INTERRUPT, f, IRQ_TIMER, 0 });
}

void host_user_irq(unsigned line)
{
    struct trap_frame *f = user_self("host_user_irq")->frame;
    if (host_irq_masked(line))
        return;
    arch_irq_mask(line);
    enter_kernel((struct entry){ ENTRY_INTERRUPT, f, IRQ_LINE(line), 0 });
}

/* One user load or store of n bytes through the simulated MMU, faulting as hardware would. */
static void user_access(uint64_t va, void *buf, size_t n, unsigned access)
{
    char *k = buf;
    while (n) {
        paddr_t pa;
        unsigned prot;
        uaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
        if (va >= ARCH_USER_TOP || !arch_vspace_lookup(host_active_vspace(), page, &pa, &prot) ||
            !(prot & access)) {
            host_user_page_fault(va, access); /* returns only if the kernel made the page accessible */
            continue;
        }
        size_t chunk = MIN(n, PAGE_SIZE - (va - page));
        char *p = (char *)arch_phys_to_virt(pa) + (va - page);
        if (access == VOS_PROT_WRITE)
            memcpy(p, k, chunk);
        else
            memcpy(k, p, chunk);
        va += chunk;
        k += chunk;
        n -= chunk;
    }
}

void host_user_read(uint64_t va, void *dst, size_t n) { user_access(va, dst, n, VOS_PROT_READ); }
void host_user_write(uint64_t va, const void *src, size_t n) { user_access(va, (void *)src, n, VOS_PROT_WRITE); }

void host_user_abort(void)
{
    user_self("host_user_abort");
    stop_reason = HOST_STOP_ABORT;
    running_user = NULL;
    switch_to(&main_ctx, true);
    abort();
}

void host_forget_contexts(void)
{
    if (running != &main_ctx)
        abort();
    while (all_users) {
        struct host_uctx *u = all_users;
        all_users = u->next;
#ifdef HOST_ASAN
        if (u->private_stack) /* an abandoned stack keeps ASan's marks */
            __asan_unpoison_memory_region(u->private_stack, USER_STACK_MAX);
#endif
        free(u->private_stack);
        free(u);
    }
    running_user = NULL;
}
