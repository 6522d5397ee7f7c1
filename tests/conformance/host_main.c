/*
 * host_main.c — the conformance suite on the host target: Debian's cmocka,
 * the kernel core on the simulated machine (arch/host, tests/host/harness),
 * ASan + UBSan.  Each cmocka test gets a fresh process holding what a
 * loader gives init (console, a memory pool, itself) and runs its body as
 * that process's user thread; see conformance_host.h for the assertions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"
#include "harness.h"
#include "irq.h"
#include "memobj.h"

/* Tests that need a guest: the host target starts no ELF programs. */
static const char *const guest_only[] = {
    "exit.child_code_negative", "process_create.grants", "process_wait.timeout_and_words",
};

static struct memobj *pool, *devmem;
static int skipped;

void conf_host_skip(void)
{
    skipped = 1;
    vos_sys_exit(0);
}

void conf_host_fail(const char *file, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    hh_user_fail(file, line, "%s", msg);
    vos_sys_exit(1);
}

static void user_body(uint64_t arg)
{
    const struct CMUnitTest *t = (const struct CMUnitTest *)(uintptr_t)arg;
    conf_make_objects();
    void *state = (void *)(uintptr_t)t->initial_state;
    t->test_func(&state);
    vos_sys_exit(0);
}

static void host_test(void **state)
{
    const struct CMUnitTest *t = *state;
    for (size_t i = 0; i < sizeof(guest_only) / sizeof(guest_only[0]); i++)
        if (!strcmp(t->name, guest_only[i]))
            skip();
    long err = 0;
    if (!pool)
        pool = memobj_new_pool(16ull << 20, &err); /* kept for good, like init's pool */
    assert_non_null(pool);
    struct process *p = hh_process("conformance");
    vos_cap_t console = hh_grant(p, hh_console(), VOS_RIGHT_ALL);
    vos_cap_t pl = hh_grant(p, &pool->obj, VOS_RIGHT_ALL);
    vos_cap_t self = hh_grant(p, &p->obj, VOS_RIGHT_ALL);
    uint8_t *scratch = hh_umem(p, 3 * VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE);
    uint8_t *strings = hh_umem(p, VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE);
    conf_set_environment(console, hh_console()->id, pl, pool->obj.id, self, p->obj.id, scratch, strings);
    if (!devmem)
        devmem = devmem_pool(); /* kept for good, like init's */
    assert_non_null(devmem);
    conf_set_driver_caps(hh_grant(p, irq_control(), VOS_RIGHT_ALL),
                         hh_grant(p, &devmem->obj, VOS_RIGHT_ALL & ~VOS_RIGHT_EXECUTE));
    hh_thread(p, user_body, (uint64_t)(uintptr_t)t);
    hh_thread(p, conf_ipc_caller, 0);
    skipped = 0;
    hh_start(p);
    hh_run();
    if (skipped)
        skip();
}

int main(void)
{
    size_t n;
    struct CMUnitTest *orig = conf_tests(&n);
    struct CMUnitTest *tests = calloc(n, sizeof(*tests));
    if (!orig || !tests)
        return 2;
    for (size_t i = 0; i < n; i++) {
        tests[i].name = orig[i].name;
        tests[i].test_func = host_test;
        tests[i].setup_func = hh_setup;
        tests[i].teardown_func = hh_teardown;
        tests[i].initial_state = &orig[i];
    }
    int failed = _cmocka_run_group_tests("conformance", tests, n, NULL, NULL);
    free(tests);
    free(orig);
    return failed ? 1 : 0;
}
