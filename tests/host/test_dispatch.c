/*
 * test_dispatch.c — the trap path itself: syscall numbers, the return
 * convention, and the generated shims' argument rules on the host ABI
 * (six argument registers, so ipc_call's last three arguments spill).
 */
#include <string.h>

#include "harness.h"
#include "syscall_support.h"

static int reached; /* set by the last line of a user function: proves it ran to the end */

static void unknown_numbers(uint64_t arg)
{
    (void)arg;
    const uint64_t bad[] = { 0, 7, 9, 1023, VOS_SYSCALL_TABLE_SIZE, 1ull << 63, UINT64_MAX };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t r0 = hh_trap(bad[i], 1, 2, 3, 4, 5, 6);
        UCHECK(VOS_IS_ERROR(r0)); /* bit 63: the wrapper's test for failure */
        UCHECK_ERR(r0, VOS_ERR_INVALID_SYSCALL);
    }
    reached = 1;
}

static void test_unknown_numbers(void **state)
{
    (void)state;
    reached = 0;
    hh_spawn("unknown", unknown_numbers, 0);
    hh_run();
    assert_int_equal(reached, 1);
}

static void good_numbers(uint64_t arg)
{
    (void)arg;
    struct vos_timespec ts;
    UCHECK_EQ(vos_sys_clock_get(VOS_CLOCK_MONOTONIC, &ts), 0);
    UCHECK_EQ(ts.tv_sec * 1000000000ull + ts.tv_nsec, host_clock_now());
    UCHECK_EQ(ts.tv_nsec, 250000000u);
    UCHECK_EQ(vos_sys_clock_get(VOS_CLOCK_REALTIME, &ts), 0);
    UCHECK_EQ(ts.tv_sec, 1767225600ull + host_clock_now() / 1000000000ull); /* the RTC read 2026-01-01 at boot */
    host_set_rtc(0); /* a machine without an RTC */
    UCHECK_ERR(vos_sys_clock_get(VOS_CLOCK_REALTIME, &ts), VOS_ERR_NOT_SUPPORTED);
    host_set_rtc(1767225600ull * 1000000000ull);
    UCHECK_EQ(vos_sys_yield(), 0);
    reached = 1;
}

static void test_good_numbers_reach_handlers(void **state)
{
    (void)state;
    reached = 0;
    /* Some seconds after boot, and 0.25 s into a second: both result words matter. */
    host_clock_advance(7000000000ull + (1250000000ull - host_clock_now() % 1000000000ull) % 1000000000ull);
    hh_spawn("good", good_numbers, 0);
    hh_run();
    assert_int_equal(reached, 1);
}

/* ---- the overflow rule ---- */

static const uint64_t not_mapped[3]; /* a host address no user space maps */

static void spill_pointers(uint64_t page)
{
    const uint64_t bad[] = { 0, 8, page + 4, (uint64_t)(uintptr_t)not_mapped, page + PAGE_SIZE - 8,
                             ARCH_USER_TOP - 8, UINT64_MAX & ~7ull };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        UCHECK_ERR(hh_trap(VOS_SYS_IPC_CALL, 0, 0, 0, 0, 0, bad[i]), VOS_ERR_INVALID_ADDRESS);
    /* A readable spill array is used: its forged channel_cap is what fails now. */
    uint64_t spill[3] = { 0, VOS_CAP_NULL, VOS_CAP_RESERVED_MASK };
    UCHECK_ERR(hh_trap(VOS_SYS_IPC_CALL, 0, 0, 0, 0, 0, (uint64_t)(uintptr_t)spill), VOS_ERR_INVALID_CAPABILITY);
    /* The same through the generated stub, whose spill array is on this (mapped) stack. */
    struct vos_ipc_call_result res;
    UCHECK_ERR(vos_sys_ipc_call(0, NULL, 0, NULL, 0, 0, VOS_CAP_NULL, VOS_CAP_NULL, &res), VOS_ERR_INVALID_CAPABILITY);
    reached = 1;
}

static void test_spill_pointer(void **state)
{
    (void)state;
    reached = 0;
    struct process *p = hh_process("spill");
    char *page = host_user_alloc(2 * PAGE_SIZE); /* the second page stays unmapped */
    hh_map(p, page, PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE);
    hh_thread(p, spill_pointers, (uint64_t)(uintptr_t)page);
    hh_start(p);
    hh_run();
    assert_int_equal(reached, 1);
}

/* ---- the range rule of a buffer argument (user_range_check) ---- */

/* Not NULL unless empty, aligned, and wholly below ARCH_USER_TOP: the last byte may be the top's last. */
static void test_buffer_ranges(void **state)
{
    (void)state;
    user_in_t r;
    assert_int_equal(user_in_check(0, 0, 1, 64, 1, &r), VOS_OK); /* empty: no address needed */
    assert_int_equal(user_in_check(0, 1, 1, 64, 1, &r), VOS_ERR_INVALID_ADDRESS);
    assert_int_equal(user_in_check(1, 64, 1, 64, 1, &r), VOS_OK);
    assert_int_equal(user_in_check(8, 65, 1, 64, 1, &r), VOS_ERR_INVALID_PARAMETER);
    assert_int_equal(user_in_check(ARCH_USER_TOP - 64, 64, 1, 64, 1, &r), VOS_OK);
    assert_int_equal(r.addr, ARCH_USER_TOP - 64);
    assert_int_equal(r.len, 64);
    assert_int_equal(user_in_check(ARCH_USER_TOP - 63, 64, 1, 64, 1, &r), VOS_ERR_INVALID_ADDRESS);
    assert_int_equal(user_in_check(ARCH_USER_TOP - 16, 2, 8, 4, 8, &r), VOS_OK);
    assert_int_equal(r.len, 16);
    assert_int_equal(user_in_check(ARCH_USER_TOP - 8, 2, 8, 4, 8, &r), VOS_ERR_INVALID_ADDRESS);
    assert_int_equal(user_in_check(ARCH_USER_TOP - 12, 1, 8, 4, 8, &r), VOS_ERR_INVALID_ADDRESS); /* misaligned */
    assert_int_equal(user_in_check(ARCH_USER_TOP, 1, 1, 64, 1, &r), VOS_ERR_INVALID_ADDRESS);
    assert_int_equal(user_in_check(UINT64_MAX, 1, 1, 64, 1, &r), VOS_ERR_INVALID_ADDRESS);
    user_out_t w;
    assert_int_equal(user_out_check(0, 4, 1, 64, 1, &w), VOS_ERR_INVALID_ADDRESS);
    assert_int_equal(user_out_check(UINT64_MAX - 3, 4, 1, 64, 1, &w), VOS_ERR_INVALID_ADDRESS);
}

/* ---- narrow integers, flags and enums ---- */

static void narrow_args(uint64_t console)
{
    /* i32: the register must hold a sign-extended value. */
    UCHECK_ERR(hh_trap(VOS_SYS_EXIT, 1ull << 32, 0, 0, 0, 0, 0), VOS_ERR_INVALID_PARAMETER);
    UCHECK_ERR(hh_trap(VOS_SYS_EXIT, 0xffffffffull, 0, 0, 0, 0, 0), VOS_ERR_INVALID_PARAMETER);
    UCHECK_ERR(hh_trap(VOS_SYS_THREAD_EXIT, 0x80000000ull, 0, 0, 0, 0, 0), VOS_ERR_INVALID_PARAMETER);
    /* u32 flags with stray upper bits, and unknown flag bits. */
    UCHECK_ERR(hh_trap(VOS_SYS_MMAP, 0, PAGE_SIZE, 1ull << 40 | VOS_PROT_READ, 0, 0, 0), VOS_ERR_INVALID_PARAMETER);
    UCHECK_ERR(hh_trap(VOS_SYS_MMAP, 0, PAGE_SIZE, VOS_PROT_READ, 1u << 5, 0, 0), VOS_ERR_INVALID_PARAMETER);
    UCHECK_ERR(hh_trap(VOS_SYS_MPROTECT, PAGE_SIZE, PAGE_SIZE, 8, 0, 0, 0), VOS_ERR_INVALID_PARAMETER);
    UCHECK_ERR(vos_sys_capability_derive(console, VOS_RIGHT_READ | 1u << 6), VOS_ERR_INVALID_PARAMETER);
    UCHECK_ERR(vos_sys_capability_validate(console, 1ull << 63), VOS_ERR_INVALID_PARAMETER);
    /* Enums: only declared values. */
    struct vos_timespec ts;
    UCHECK_ERR(vos_sys_clock_get(VOS_CLOCK_IDLE + 1, &ts), VOS_ERR_INVALID_PARAMETER);
    UCHECK_ERR(vos_sys_clock_get(1ull << 32, &ts), VOS_ERR_INVALID_PARAMETER);
    reached = 1;
    /* A proper sign-extended negative code is accepted and ends the process. */
    hh_trap(VOS_SYS_EXIT, (uint64_t)-7, 0, 0, 0, 0, 0);
    reached = 2; /* never */
}

static void test_narrow_args(void **state)
{
    (void)state;
    reached = 0;
    struct process *p = hh_process("narrow");
    vos_cap_t console = hh_grant(p, hh_console(), VOS_RIGHT_ALL);
    hh_thread(p, narrow_args, console);
    hh_start(p);
    hh_run();
    assert_int_equal(reached, 1);
    assert_int_equal(p->exit_info.reason, VOS_EXIT_CODE);
    assert_int_equal(p->exit_info.code, (uint64_t)-7);
}

/*
 * The generated error-list check (VOS_CHECK_ERRORS) on the path of an
 * error delivered to a blocked thread: every waker ends a call with
 * syscall_fail_blocked, which checks the error against the list of the
 * call the thread blocked in.  Interrupted is in SYS_NANOSLEEP's list;
 * Timeout is not, and panics naming both.  (The check on errors returned
 * at once is proved by the conformance suite with tests/abi-breaks.py.)
 * It powers the machine off, so it is the last test of this program.
 */
static void long_sleeper(uint64_t arg)
{
    (void)arg;
    struct vos_timespec ts = { 3600, 0 };
    UCHECK_ERR(vos_sys_nanosleep(&ts), VOS_ERR_INTERRUPTED);
    struct vos_timespec *tsp = &ts; /* again; this time the waker's error is not on the list */
    vos_sys_nanosleep(tsp);
}

static jmp_buf check_fired;

static void poweroff_caught(int status)
{
    (void)status;
    longjmp(check_fired, 1);
}

static void test_error_check_on_blocked_threads(void **state)
{
    (void)state;
    if (!VOS_CHECK_ERRORS)
        skip();
    struct process *p = hh_process("sleeper");
    struct thread *t = hh_thread(p, long_sleeper, 0);
    hh_start(p);
    assert_int_equal(hh_run_until_idle(), HOST_STOP_IDLE);
    assert_int_equal(t->state, THREAD_BLOCKED);
    assert_int_equal(t->syscall_nr, VOS_SYS_NANOSLEEP);
    syscall_fail_blocked(t, VOS_ERR_INTERRUPTED); /* listed: no complaint */
    sched_wake(t);
    assert_int_equal(hh_run_until_idle(), HOST_STOP_IDLE);
    assert_int_equal(t->state, THREAD_BLOCKED); /* in its second sleep */
    void (*saved)(int) = host_poweroff_hook;
    host_poweroff_hook = poweroff_caught;
    hh_expect_poweroff();
    if (!setjmp(check_fired))
        syscall_fail_blocked(t, VOS_ERR_TIMEOUT);
    host_poweroff_hook = saved;
    assert_true(host_powered_off());
    assert_non_null(strstr(host_console_text(),
                           "error check: SYS_NANOSLEEP (41) returned Timeout (7), which its spec errors list does not name"));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unknown_numbers, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_good_numbers_reach_handlers, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_spill_pointer, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_buffer_ranges, NULL, NULL),
        cmocka_unit_test_setup_teardown(test_narrow_args, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_error_check_on_blocked_threads, hh_setup, hh_teardown), /* last: powers off */
    };
    hh_select(argc, argv);
    return cmocka_run_group_tests_name("dispatch", tests, NULL, NULL);
}
