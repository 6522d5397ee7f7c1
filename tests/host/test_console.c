/*
 * test_console.c — SYS_WRITE and SYS_READ on the console capability (the
 * kernel's debug output, kernel/device.c): the bytes reach the (captured)
 * console, bad buffers are InvalidAddress, the capability's rights are
 * enforced, and reading is NotSupported (input is the console server's).
 */
#include <string.h>

#include "harness.h"

static int reached;

struct console_plan {
    vos_cap_t rw, read_only, write_only;
    char *page;         /* a mapped page whose successor is unmapped */
    char *wo_page;      /* mapped write-only */
};

static struct console_plan pl;

static void writer(uint64_t arg)
{
    (void)arg;
    char msg[] = "hello, host\n";
    UCHECK_EQ(vos_sys_write(pl.rw, msg, strlen(msg), 0), strlen(msg));
    UCHECK_EQ(vos_sys_write(pl.rw, NULL, 0, 0), 0); /* nothing to read: no address needed */
    /* Bad buffers. */
    UCHECK_ERR(vos_sys_write(pl.rw, NULL, 5, 0), VOS_ERR_INVALID_ADDRESS);
    UCHECK_ERR(vos_sys_write(pl.rw, "literal", 7, 0), VOS_ERR_INVALID_ADDRESS); /* host memory, not user memory */
    UCHECK_ERR(vos_sys_write(pl.rw, (void *)(uintptr_t)(ARCH_USER_TOP - 2), 5, 0), VOS_ERR_INVALID_ADDRESS);
    UCHECK_ERR(vos_sys_write(pl.rw, (void *)(uintptr_t)UINT64_MAX, 2, 0), VOS_ERR_INVALID_ADDRESS);
    UCHECK_ERR(vos_sys_write(pl.rw, pl.page + PAGE_SIZE - 4, 8, 0), VOS_ERR_INVALID_ADDRESS);
    /* The kernel must be able to read it. */
    UCHECK_ERR(vos_sys_write(pl.rw, pl.wo_page, 8, 0), VOS_ERR_INVALID_ADDRESS);
    UCHECK_ERR(vos_sys_write(pl.rw, msg, 0x100001, 0), VOS_ERR_INVALID_PARAMETER); /* over the spec's max */
    /* Rights. */
    UCHECK_ERR(vos_sys_write(pl.read_only, msg, 5, 0), VOS_ERR_PERMISSION_DENIED);
    UCHECK_EQ(vos_sys_write(pl.write_only, "", 0, 0), 0);
    reached = 1;
}

static void test_write(void **state)
{
    (void)state;
    reached = 0;
    struct process *p = hh_process("writer");
    pl.rw = hh_grant(p, hh_console(), VOS_RIGHT_READ | VOS_RIGHT_WRITE);
    pl.read_only = hh_grant(p, hh_console(), VOS_RIGHT_ALL & ~VOS_RIGHT_WRITE);
    pl.write_only = hh_grant(p, hh_console(), VOS_RIGHT_WRITE);
    pl.page = host_user_alloc(2 * PAGE_SIZE);
    hh_map(p, pl.page, PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE);
    pl.wo_page = hh_umem(p, PAGE_SIZE, VOS_PROT_WRITE);
    hh_thread(p, writer, 0);
    hh_start(p);
    hh_run();
    assert_int_equal(reached, 1);
    assert_string_equal(host_console_text(), "hello, host\n"); /* and nothing from the failed calls */
}

static void partial_writer(uint64_t arg)
{
    (void)arg;
    char *tail = pl.page + PAGE_SIZE - 128; /* 128 readable bytes, then unmapped */
    memset(tail, 'x', 128);
    /* The kernel copies in chunks: the first arrives, the short count says where it stopped. */
    UCHECK_EQ(vos_sys_write(pl.rw, tail, 200, 0), 128);
    reached = 1;
}

static void test_partial_write(void **state)
{
    (void)state;
    reached = 0;
    struct process *p = hh_process("partial");
    pl.rw = hh_grant(p, hh_console(), VOS_RIGHT_WRITE);
    pl.page = host_user_alloc(2 * PAGE_SIZE);
    hh_map(p, pl.page, PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE);
    hh_thread(p, partial_writer, 0);
    hh_start(p);
    hh_run();
    assert_int_equal(reached, 1);
    assert_int_equal(strlen(host_console_text()), 128);
}

static void reader(uint64_t arg)
{
    (void)arg;
    char buf[8] = { 0 };
    /* Typed input is the console server's (userland/console), never the kernel's. */
    UCHECK_ERR(vos_sys_read(pl.rw, buf, sizeof(buf), 0), VOS_ERR_NOT_SUPPORTED);
    UCHECK_ERR(vos_sys_read(pl.write_only, buf, 1, 0), VOS_ERR_PERMISSION_DENIED); /* rights first */
    reached = 1;
}

static void test_read_not_supported(void **state)
{
    (void)state;
    reached = 0;
    struct process *p = hh_process("reader");
    pl.rw = hh_grant(p, hh_console(), VOS_RIGHT_READ);
    pl.write_only = hh_grant(p, hh_console(), VOS_RIGHT_WRITE);
    hh_thread(p, reader, 0);
    hh_start(p);
    hh_run();
    assert_int_equal(reached, 1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_partial_write, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_read_not_supported, hh_setup, hh_teardown),
    };
    hh_select(argc, argv);
    return cmocka_run_group_tests_name("console", tests, NULL, NULL);
}
