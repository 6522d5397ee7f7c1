/*
 * harness.c — see harness.h.  The kernel is booted once per test program
 * (its state is global, as on a real machine); tests share the machine
 * but clean up after themselves in hh_teardown, so they stay independent.
 */
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "harness.h"
#include "memobj.h"
#include "memory.h"

#define MAX_PROCS 256
#define IDLE_BUDGET_NS (60ull * 1000000000ull) /* simulated time a run may spend idle */

static struct process *root;
static struct process *procs[MAX_PROCS]; /* this test's processes, each with a harness reference */
static unsigned nprocs;
static char failures[4096];
static size_t failures_len;
static bool poweroff_expected;

static void poweroff_outside_trap(int status)
{
    fail_msg("kernel powered off (status %d) during a harness call:\n%s", status, host_console_text());
}

static void boot(void)
{
    struct boot_info bi;
    long err = 0;
    host_machine_boot(&bi);
    host_poweroff_hook = poweroff_outside_trap;
    frame_init(&bi);
    dma_init();
    devmem_init(&bi);
    host_machine_irq_reset();
    sched_init();
    root = process_new("root", NULL, &err);
    assert_non_null(root);
    /*
     * Root runs only reaper threads (hh_finish).  This thread, never
     * started, keeps it from ever having one live thread left, so a
     * reaper's exit never ends root, which would power the machine off.
     */
    assert_non_null(thread_new(root, 0, 0, 0));
    sched_tick(); /* as kernel_main does: start the time slices */
}

struct process *hh_root(void) { return root; }

void hh_select(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
}

int hh_setup(void **state)
{
    (void)state;
    if (!root)
        boot();
    assert_false(host_powered_off());
    host_console_clear();
    failures_len = 0;
    failures[0] = 0;
    poweroff_expected = false;
    return 0;
}

struct process *hh_process(const char *name)
{
    long err = 0;
    assert_true(nprocs < MAX_PROCS);
    struct process *p = process_new(name, root, &err);
    if (!p)
        fail_msg("process_new(%s): %s", name, vos_error_name(err));
    object_get(&p->obj); /* so the test can read exit_info after the process is reaped */
    procs[nprocs++] = p;
    return p;
}

void hh_map(struct process *p, void *host, size_t len, unsigned prot)
{
    for (size_t off = 0; off < len; off += PAGE_SIZE) {
        char *page = (char *)host + off;
        if (arch_vspace_map(&p->vspace.arch, (uaddr_t)(uintptr_t)page, arch_virt_to_phys(page), prot))
            fail_msg("out of frames for page tables");
    }
}

void *hh_umem(struct process *p, size_t len, unsigned prot)
{
    void *m = host_user_alloc(len);
    hh_map(p, m, len, prot);
    return m;
}

struct thread *hh_thread(struct process *p, host_user_fn *fn, uint64_t arg)
{
    char *stack = hh_umem(p, HH_STACK_SIZE, VOS_PROT_READ | VOS_PROT_WRITE);
    struct thread *t = thread_new(p, (uaddr_t)(uintptr_t)fn, (uaddr_t)(uintptr_t)(stack + HH_STACK_SIZE), arg);
    assert_non_null(t);
    if (p->state == PROC_RUNNING)
        sched_ready(t);
    return t;
}

void hh_start(struct process *p) { process_start_threads(p); }

struct process *hh_spawn(const char *name, host_user_fn *fn, uint64_t arg)
{
    struct process *p = hh_process(name);
    hh_thread(p, fn, arg);
    hh_start(p);
    return p;
}

vos_cap_t hh_grant(struct process *p, struct object *obj, uint64_t rights)
{
    struct cap *c;
    long err = cap_insert(&p->cspace, obj, rights, NULL, &c);
    if (err)
        fail_msg("cap_insert: %s", vos_error_name(err));
    return cap_token(c);
}

vos_cap_t hh_grant_child(struct process *p, struct cap *parent, uint64_t rights)
{
    struct cap *c;
    long err = cap_insert(&p->cspace, parent->obj, rights, parent, &c);
    if (err)
        fail_msg("cap_insert: %s", vos_error_name(err));
    return cap_token(c);
}

struct cap *hh_cap(struct process *p, vos_cap_t token)
{
    struct cap *c;
    return cap_lookup(&p->cspace, token, &c) ? NULL : c;
}

vos_cap_t hh_stale_token(struct process *p, struct object *obj)
{
    vos_cap_t t = hh_grant(p, obj, VOS_RIGHT_ALL);
    cap_delete(hh_cap(p, t));
    return t;
}

struct object *hh_console(void) { return &console_device()->obj; }

void hh_expect_poweroff(void) { poweroff_expected = true; }

/* Done when no started process is left (one never started cannot finish). */
static bool all_exited(void)
{
    for (unsigned i = 0; i < nprocs; i++)
        if (procs[i]->state == PROC_RUNNING)
            return false;
    return true;
}

static void check_stop(enum host_stop why)
{
    if (why == HOST_STOP_POWEROFF && !poweroff_expected)
        fail_msg("kernel powered off, status %d; console:\n%s", host_poweroff_status(), host_console_text());
    if (why == HOST_STOP_ABORT)
        fail_msg("a user thread aborted:\n%s", failures);
}

enum host_stop hh_run_until_idle(void)
{
    enum host_stop why = host_run_kernel();
    check_stop(why);
    return why;
}

void hh_run(void)
{
    uint64_t start = host_clock_now();
    for (;;) {
        enum host_stop why = hh_run_until_idle();
        if (why == HOST_STOP_POWEROFF || all_exited())
            break;
        /* Something still waits: only time can help; resuming lets the timer fire. */
        if (host_clock_now() - start > IDLE_BUDGET_NS)
            fail_msg("deadlock: processes still alive after %llu s of idle time", IDLE_BUDGET_NS / 1000000000ull);
    }
    if (failures_len)
        fail_msg("user-side checks failed:\n%s", failures);
}

/* Root collects every exited test process, as an init would (SYS_PROCESS_WAIT). */
static void reaper(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        struct vos_process_exit_info info;
        int64_t r = vos_sys_process_wait(procs[i]->obj.id, 0, &info);
        UCHECK(r == 0 || r == hh_err(VOS_ERR_NOT_FOUND));
    }
}

void hh_finish(void)
{
    failures_len = 0;
    for (unsigned i = 0; i < nprocs; i++)
        process_exit(procs[i], VOS_EXIT_KILLED, 0); /* no-op for those already gone */
    if (nprocs) {
        struct thread *t = hh_thread(root, reaper, nprocs);
        sched_ready(t); /* root never "starts": wake its thread by hand */
        if (host_run_kernel() != HOST_STOP_IDLE || failures_len || t->state != THREAD_DEAD)
            fail_msg("hh_finish: reaping failed:\n%s\n%s", failures, host_console_text());
        thread_reap(t); /* nobody joins it */
    }
    for (unsigned i = 0; i < nprocs; i++)
        object_put(&procs[i]->obj);
    nprocs = 0;
    host_forget_contexts();
    host_user_pool_reset();
}

int hh_teardown(void **state)
{
    (void)state;
    if (!host_powered_off()) /* else nothing runs any more: leave everything as it is */
        hh_finish();
    return 0;
}

void hh_user_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(failures + failures_len, sizeof(failures) - failures_len, "%s:%d: ", file, line);
    if (n > 0 && (size_t)n < sizeof(failures) - failures_len)
        failures_len += (size_t)n;
    va_start(ap, fmt);
    n = vsnprintf(failures + failures_len, sizeof(failures) - failures_len, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof(failures) - failures_len)
        failures_len += (size_t)n;
    if (failures_len + 1 < sizeof(failures)) {
        failures[failures_len++] = '\n';
        failures[failures_len] = 0;
    }
}

uint64_t hh_trap(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct vos_host_regs r = { .nr = nr, .a0 = a0, .a1 = a1, .a2 = a2, .a3 = a3, .a4 = a4, .a5 = a5 };
    vos_host_trap(&r);
    return r.r0;
}

void hh_make_image(struct hh_elf_image *e, host_user_fn *fn)
{
    uint64_t entry = (uint64_t)(uintptr_t)fn, page = entry & ~(uint64_t)(PAGE_SIZE - 1);
    memset(e, 0, sizeof(*e));
    memcpy(e->eh.ident, "\177ELF\2\1\1", 7);
    e->eh.type = 2; /* ET_EXEC */
    e->eh.machine = ARCH_ELF_MACHINE;
    e->eh.version = 1;
    e->eh.entry = entry;
    e->eh.phoff = offsetof(struct hh_elf_image, ph);
    e->eh.ehsize = sizeof(e->eh);
    e->eh.phentsize = sizeof(e->ph);
    e->eh.phnum = 1;
    e->ph.type = PT_LOAD;
    e->ph.flags = PF_R | PF_X;
    e->ph.vaddr = e->ph.paddr = page;
    e->ph.filesz = sizeof(*e);
    e->ph.memsz = 2 * PAGE_SIZE;
    e->ph.align = PAGE_SIZE;
}

static paddr_t hoard; /* frames hh_exhaust_frames took, linked through their first word */

void hh_take_frames(uint64_t leave)
{
    paddr_t pa;
    while (frame_free_count() > leave && (pa = frame_alloc())) {
        *(paddr_t *)arch_phys_to_virt(pa) = hoard;
        hoard = pa;
    }
}

void hh_exhaust_frames(void) { hh_take_frames(0); }

void hh_release_frames(void)
{
    while (hoard) {
        paddr_t next = *(paddr_t *)arch_phys_to_virt(hoard);
        frame_free(hoard);
        hoard = next;
    }
}
