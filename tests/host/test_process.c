/*
 * test_process.c — processes and threads under faults: a faulting thread
 * ends its own process only, the kernel and everyone else run on; threads
 * end processes as the spec says; the timer preempts; and every frame a
 * process used is free again once it is gone.
 */
#include <string.h>

#include "harness.h"
#include "memory.h"

static int progress[8];

static int32_t joined; /* what SYS_THREAD_JOIN collected (its stub narrows the i32 into it) */

#define RW (VOS_PROT_READ | VOS_PROT_WRITE)

/* ---- faults ---- */

static void page_faulter(uint64_t addr)
{
    progress[0] = 1;
    host_user_page_fault(addr, VOS_PROT_READ);
    progress[0] = 2; /* never: the process is gone */
}

static void bystander(uint64_t arg)
{
    (void)arg;
    for (int i = 0; i < 5; i++) {
        UCHECK_EQ(vos_sys_yield(), 0);
        progress[1]++;
    }
    vos_sys_exit(5);
}

static void illegal(uint64_t arg)
{
    (void)arg;
    host_user_exception(VOS_EXIT_ILLEGAL_INSTRUCTION, 0x42);
    progress[2] = 1; /* never */
}

static void lazy_then_protected(uint64_t arg)
{
    (void)arg;
    int64_t va = vos_sys_mmap(0, 2 * PAGE_SIZE, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, VOS_CAP_NULL, 0);
    UCHECK(va > 0);
    /* First touch faults; the kernel fills the page and the store completes. */
    uint64_t v = 0x1234, back = 0;
    host_user_write((uint64_t)va + PAGE_SIZE + 8, &v, sizeof(v));
    host_user_read((uint64_t)va + PAGE_SIZE + 8, &back, sizeof(back));
    UCHECK_EQ(back, 0x1234);
    UCHECK_EQ(vos_sys_mprotect((uint64_t)va, 2 * PAGE_SIZE, VOS_PROT_READ), 0);
    host_user_read((uint64_t)va + PAGE_SIZE + 8, &back, sizeof(back));
    UCHECK_EQ(back, 0x1234);
    progress[3] = 1;
    host_user_write((uint64_t)va + 16, &v, sizeof(v)); /* not allowed any more */
    progress[3] = 2; /* never */
}

static void test_fault_kills_only_its_process(void **state)
{
    (void)state;
    memset(progress, 0, sizeof(progress));
    struct process *a = hh_spawn("faulter", page_faulter, 0xdead000);
    struct process *b = hh_spawn("bystander", bystander, 0);
    struct process *c = hh_spawn("illegal", illegal, 0);
    struct process *d = hh_spawn("protected", lazy_then_protected, 0);
    hh_run();
    assert_int_equal(progress[0], 1);
    assert_int_equal(a->exit_info.reason, VOS_EXIT_PAGE_FAULT);
    assert_int_equal(a->exit_info.address, 0xdead000);
    assert_int_equal(progress[1], 5);
    assert_int_equal(b->exit_info.reason, VOS_EXIT_CODE);
    assert_int_equal(b->exit_info.code, 5);
    assert_int_equal(progress[2], 0);
    assert_int_equal(c->exit_info.reason, VOS_EXIT_ILLEGAL_INSTRUCTION);
    assert_int_equal(progress[3], 1);
    assert_int_equal(d->exit_info.reason, VOS_EXIT_PROTECTION_FAULT);
    assert_non_null(strstr(host_console_text(), "(faulter) killed: page fault"));
    assert_non_null(strstr(host_console_text(), "(illegal) killed: illegal instruction"));
}

/* ---- threads ---- */

static void exits_thread(uint64_t code)
{
    progress[0]++;
    vos_sys_thread_exit((int32_t)code);
}

static void returns_later(uint64_t arg)
{
    (void)arg;
    UCHECK_EQ(vos_sys_yield(), 0); /* let the sibling exit first */
    progress[1]++;
}

static void test_last_thread_ends_process(void **state)
{
    (void)state;
    memset(progress, 0, sizeof(progress));
    struct process *p = hh_process("threads");
    hh_thread(p, returns_later, 0);
    hh_thread(p, exits_thread, 3);
    hh_start(p);
    hh_run();
    assert_int_equal(progress[0], 1);
    assert_int_equal(progress[1], 1);
    /* The last thread returned (thread exit 0), so the process ended with 0. */
    assert_int_equal(p->exit_info.reason, VOS_EXIT_CODE);
    assert_int_equal(p->exit_info.code, 0);
}

static void exits_process(uint64_t arg)
{
    (void)arg;
    vos_sys_exit(9);
}

static void never_runs_again(uint64_t arg)
{
    (void)arg;
    UCHECK_EQ(vos_sys_yield(), 0); /* the sibling ends the process meanwhile */
    progress[2] = 1;
}

static void test_exit_ends_all_threads(void **state)
{
    (void)state;
    memset(progress, 0, sizeof(progress));
    struct process *p = hh_process("exit-all");
    hh_thread(p, never_runs_again, 0);
    hh_thread(p, exits_process, 0);
    hh_start(p);
    hh_run();
    assert_int_equal(progress[2], 0);
    assert_int_equal(p->exit_info.code, 9);
}

/* ---- the timer ---- */

static char order[16];
static unsigned order_len;

static void ticker(uint64_t letter)
{
    for (int i = 0; i < 4; i++) {
        order[order_len++] = (char)letter;
        host_clock_advance(TIME_SLICE_NS); /* a whole slice of work... */
        host_user_timer_interrupt();       /* ...so at the tick it is the other thread's turn */
    }
}

static void test_timer_preempts(void **state)
{
    (void)state;
    order_len = 0;
    memset(order, 0, sizeof(order));
    struct process *p = hh_process("ticker");
    hh_thread(p, ticker, 'a');
    hh_thread(p, ticker, 'b');
    uint64_t t0 = host_clock_now();
    hh_start(p);
    hh_run();
    assert_string_equal(order, "abababab");
    assert_true(host_clock_now() - t0 >= 7 * TIME_SLICE_NS);
}

/* ---- frames ---- */

static void busy(uint64_t console)
{
    int64_t va = vos_sys_mmap(0, 8 * PAGE_SIZE, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE,
                              VOS_CAP_NULL, 0);
    UCHECK(va > 0);
    int64_t lazy = vos_sys_mmap(0, 64 * PAGE_SIZE, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, VOS_CAP_NULL, 0);
    UCHECK(lazy > 0);
    for (int i = 0; i < 64; i += 3)
        host_user_write((uint64_t)lazy + (uint64_t)i * PAGE_SIZE, &i, sizeof(i));
    for (int i = 0; i < 300; i++) /* enough for several capability tables */
        UCHECK(vos_sys_capability_derive(console, VOS_RIGHT_READ) > 0);
}

static void busy_then_exit(uint64_t console)
{
    busy(console);
    vos_sys_exit(0);
}

static void busy_then_fault(uint64_t console)
{
    busy(console);
    host_user_page_fault(0x10, VOS_PROT_WRITE);
}

static void workload(void)
{
    for (int i = 0; i < 3; i++) {
        struct process *p = hh_process("busy");
        vos_cap_t console = hh_grant(p, hh_console(), VOS_RIGHT_ALL);
        hh_thread(p, busy, console);               /* returns: thread exit */
        hh_thread(p, i == 1 ? busy_then_fault : busy_then_exit, console);
        hh_start(p);
    }
    struct process *idle = hh_process("never-started"); /* killed by hh_finish */
    hh_grant(idle, hh_console(), VOS_RIGHT_ALL);
    hh_thread(idle, busy, 0);
    hh_run();
    hh_finish();
}

static void test_frames_all_returned(void **state)
{
    (void)state;
    workload(); /* first: kernel object caches grow to what the workload needs, and keep it */
    uint64_t before = frame_free_count();
    workload();
    assert_int_equal(frame_free_count(), before);
    workload();
    assert_int_equal(frame_free_count(), before);
}

/* ---- SYS_THREAD_CREATE / SYS_THREAD_JOIN / SYS_NANOSLEEP ---- */

static void created(uint64_t arg)
{
    progress[4] += (int)arg; /* runs on a private host stack: its stack is kernel-mapped memory */
    vos_sys_thread_exit((int32_t)arg * 2);
}

static void creator(uint64_t arg)
{
    (void)arg;
    /* The entry point must lie in executable memory of the process: map the function's page. */
    uint64_t code = (uint64_t)(uintptr_t)created & ~(uint64_t)(PAGE_SIZE - 1);
    UCHECK_ERR(vos_sys_thread_create((uint64_t)(uintptr_t)created, 0x100000, PAGE_SIZE, 0), VOS_ERR_INVALID_ADDRESS);
    UCHECK_EQ(vos_sys_mmap(code, PAGE_SIZE, VOS_PROT_READ | VOS_PROT_EXEC,
                           VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_FIXED, VOS_CAP_NULL, 0), code);
    int64_t stack = vos_sys_mmap(0, 16 * PAGE_SIZE, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, VOS_CAP_NULL, 0);
    UCHECK(stack > 0);
    UCHECK_ERR(vos_sys_thread_create((uint64_t)(uintptr_t)created, (uint64_t)stack, 8, 0), VOS_ERR_INVALID_PARAMETER);
    int64_t t1 = vos_sys_thread_create((uint64_t)(uintptr_t)created, (uint64_t)stack, 8 * PAGE_SIZE, 21);
    int64_t t2 = vos_sys_thread_create((uint64_t)(uintptr_t)created, (uint64_t)stack + 8 * PAGE_SIZE,
                                       8 * PAGE_SIZE, 100);
    UCHECK(t1 > 0 && t2 > 0 && t1 != t2);
    UCHECK_ERR(vos_sys_thread_join((vos_tid_t)t1, 0, &joined), VOS_ERR_TIMEOUT); /* not run yet: no waiting allowed */
    UCHECK_EQ(vos_sys_thread_join((vos_tid_t)t1, VOS_TIMEOUT_INFINITE, &joined), 0);
    UCHECK_EQ(joined, 42);
    UCHECK_EQ(vos_sys_yield(), 0);
    UCHECK_EQ(vos_sys_thread_join((vos_tid_t)t2, 0, &joined), 0); /* dead already: collected at once */
    UCHECK_EQ(joined, 200);
    UCHECK_ERR(vos_sys_thread_join((vos_tid_t)t2, 0, &joined), VOS_ERR_NOT_FOUND); /* and only once */
    UCHECK_EQ(progress[4], 121);
    progress[5] = 1;
}

static void test_thread_create_and_join(void **state)
{
    (void)state;
    memset(progress, 0, sizeof(progress));
    struct process *p = hh_spawn("creator", creator, 0);
    hh_run();
    assert_int_equal(progress[5], 1);
    assert_int_equal(p->exit_info.code, 0);
}

/* ---- joining: one joiner at a time, never oneself ---- */

static uint64_t join_target, join_second;

static void join_target_fn(uint64_t unused)
{
    (void)unused;
    struct vos_timespec d = { 0, 10 * 1000000ull };
    UCHECK_EQ(vos_sys_nanosleep(&d), 0);
    vos_sys_thread_exit(5);
}

static void first_joiner(uint64_t unused)
{
    (void)unused;
    int32_t code = 0;
    UCHECK_EQ(vos_sys_thread_join(join_target, VOS_TIMEOUT_INFINITE, &code), 0);
    UCHECK_EQ(code, 5);
    progress[0] = 1;
}

static void second_joiner(uint64_t unused)
{
    (void)unused;
    int32_t code;
    UCHECK_ERR(vos_sys_thread_join(join_target, VOS_TIMEOUT_INFINITE, &code), VOS_ERR_BUSY); /* the first waits already */
    UCHECK_ERR(vos_sys_thread_join(join_second, VOS_TIMEOUT_INFINITE, &code), VOS_ERR_INVALID_PARAMETER); /* itself */
    progress[1] = 1;
}

static void test_join_busy_and_self(void **state)
{
    (void)state;
    memset(progress, 0, sizeof(progress));
    struct process *p = hh_process("joins");
    hh_thread(p, first_joiner, 0);
    join_second = hh_thread(p, second_joiner, 0)->obj.id;
    join_target = hh_thread(p, join_target_fn, 0)->obj.id;
    hh_start(p);
    hh_run();
    assert_int_equal(progress[0], 1);
    assert_int_equal(progress[1], 1);
}

static void sleeper(uint64_t ms)
{
    struct vos_timespec d = { 0, ms * 1000000ull }; /* on this thread's stack: user memory */
    uint64_t t0 = host_clock_now();
    UCHECK_EQ(vos_sys_nanosleep(&d), 0);
    UCHECK(host_clock_now() - t0 >= ms * 1000000ull);
    order[order_len++] = (char)('0' + ms / 10);
}

static void test_nanosleep_wakes_in_order(void **state)
{
    (void)state;
    order_len = 0;
    memset(order, 0, sizeof(order));
    hh_spawn("slow", sleeper, 30);
    hh_spawn("fast", sleeper, 10);
    hh_spawn("mid", sleeper, 20);
    hh_run(); /* idle while all sleep: the clock jumps from deadline to deadline */
    assert_string_equal(order, "123");
}

/* The longest sleep must not wrap around to a short one (spec: a duration, in full). */
static void long_sleeper(uint64_t arg)
{
    (void)arg;
    struct vos_timespec bad = { 0, 1000000000ull };
    UCHECK_ERR(vos_sys_nanosleep(&bad), VOS_ERR_INVALID_PARAMETER);
    UCHECK_ERR(vos_sys_nanosleep((const struct vos_timespec *)(uintptr_t)0x10), VOS_ERR_INVALID_ADDRESS);
    /* 18446744073.999999999 s: just over 2^64 ns. */
    struct vos_timespec d = { UINT64_MAX / 1000000000ull, 999999999ull };
    vos_sys_nanosleep(&d);
    progress[6] = 1; /* must not happen within the few simulated seconds below */
}

static void test_long_sleep_does_not_wrap(void **state)
{
    (void)state;
    memset(progress, 0, sizeof(progress));
    struct process *p = hh_spawn("long-sleep", long_sleeper, 0);
    uint64_t start = host_clock_now();
    while (host_clock_now() - start < 5000000000ull && p->state == PROC_RUNNING)
        hh_run_until_idle(); /* each resume lets the clock jump to the next deadline */
    assert_int_equal(progress[6], 0);
    assert_int_equal(p->state, PROC_RUNNING);
}

/* ---- the first process ---- */

static void first_exits(uint64_t arg)
{
    (void)arg;
    vos_sys_exit(3);
}

static void test_first_process_exit_powers_off(void **state)
{
    (void)state;
    long err = 0;
    struct process *init = process_new("init", NULL, &err);
    assert_non_null(init);
    hh_thread(init, first_exits, 0);
    hh_start(init);
    hh_expect_poweroff();
    hh_run_until_idle();
    assert_true(host_powered_off());
    assert_int_equal(host_poweroff_status(), POWEROFF_INIT_FAILED);
    assert_non_null(strstr(host_console_text(), "powering off, status 1"));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fault_kills_only_its_process, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_join_busy_and_self, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_last_thread_ends_process, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_exit_ends_all_threads, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_timer_preempts, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_frames_all_returned, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_thread_create_and_join, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_nanosleep_wakes_in_order, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_long_sleep_does_not_wrap, hh_setup, hh_teardown),
        /* Last: the machine is off afterwards. */
        cmocka_unit_test_setup_teardown(test_first_process_exit_powers_off, hh_setup, hh_teardown),
    };
    hh_select(argc, argv);
    return cmocka_run_group_tests_name("process", tests, NULL, NULL);
}
