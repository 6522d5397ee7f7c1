/*
 * test_faults.c — every kernel allocation along the memory-hungry calls
 * fails once, in turn (arch/host/faults.c), and the kernel must cope.
 *
 * A campaign runs a scenario (user code calling SYS_PROCESS_CREATE,
 * SYS_THREAD_CREATE, SYS_MMAP, the IPC calls, SYS_CAPABILITY_CREATE and
 * _DERIVE) once with nothing failing, to warm the kernel's caches, and
 * records the free frames and the root's quota counter.  Then for N = 1,
 * 2, ... it runs the scenario with the Nth allocation failing, until an
 * N that is never reached.  Each time: every call returns success or an
 * error from its own errors list in the spec (the generated
 * conformance_cases.h), nothing panics (the harness fails the test),
 * ASan stays quiet, each process's charges are all back when it is
 * destroyed (process.c asserts it), and after teardown the free frame
 * count and the root's quota counter are exactly where they started.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance_cases.h"
#include "harness.h"
#include "memobj.h"
#include "memory.h"

#define RW (VOS_PROT_READ | VOS_PROT_WRITE)
#define MAX_N 100000 /* no scenario comes near: a runaway loop is a failure */
#define CSPACE_SLOTS_PER_LEAF (1u << CSPACE_LEAF_BITS)

/* What main gives the scenario's process (granted afresh for every run). */
static struct {
    vos_cap_t console, self, pool;
} grant;

/* Shared by the scenario's threads (one process: tokens mean the same to both). */
static struct {
    struct vos_endpoint_create_result ep;
    vos_cap_t chcap;
    volatile int ready, client_done, server_done;
    unsigned pad; /* capabilities the client makes first: where the next slot falls in its table */
} ipc;

static int reached;

/* word0 of a call of nr: success, or -error with error in nr's list in the spec. */
static int64_t documented(uint64_t nr, int64_t word0)
{
    if (word0 >= 0)
        return word0;
    for (size_t i = 0; i < ARRAY_SIZE(conf_syscalls); i++) {
        if (conf_syscalls[i].nr != nr)
            continue;
        for (unsigned e = 0; e < conf_syscalls[i].nerrors; e++)
            if (conf_syscalls[i].errors[e] == -word0)
                return word0;
        hh_user_fail(__FILE__, __LINE__, "%s returned %s, which is not in its errors list", conf_syscalls[i].name,
                     vos_error_name(-word0));
        return word0;
    }
    hh_user_fail(__FILE__, __LINE__, "syscall %lu is not in the spec", (unsigned long)nr);
    return word0;
}

/* ---- scenarios (user side; arg: the allocation to fail) ---- */

static void exiting_child(uint64_t start_info)
{
    (void)start_info;
    vos_sys_exit(3);
}

static void process_create_user(uint64_t n)
{
    struct hh_elf_image img;
    hh_make_image(&img, exiting_child);
    char name[] = "bin/child", word[] = "x";
    const char *argv[] = { name, word };
    vos_cap_t caps[] = { grant.console };
    host_fail_alloc_at(n);
    int64_t pid = documented(VOS_SYS_PROCESS_CREATE, vos_sys_process_create(&img, sizeof(img), argv, 2, caps, 1));
    host_fail_alloc_at(0);
    if (pid > 0) {
        struct vos_process_exit_info info;
        UCHECK_EQ(vos_sys_process_start((vos_pid_t)pid), 0);
        UCHECK_EQ(vos_sys_process_wait((vos_pid_t)pid, VOS_TIMEOUT_INFINITE, &info), 0);
        UCHECK_EQ(info.code, 3);
    }
    reached = 1;
}

static void created(uint64_t arg)
{
    vos_sys_thread_exit((int32_t)arg);
}

static void thread_create_user(uint64_t n)
{
    uint64_t code = (uint64_t)(uintptr_t)created & ~(uint64_t)(PAGE_SIZE - 1);
    UCHECK_EQ(vos_sys_mmap(code, PAGE_SIZE, VOS_PROT_READ | VOS_PROT_EXEC,
                           VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_FIXED, VOS_CAP_NULL, 0), code);
    int64_t stack = vos_sys_mmap(0, 4 * PAGE_SIZE, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, VOS_CAP_NULL, 0);
    UCHECK(stack > 0);
    int64_t tid[6]; /* enough for thread objects to need a new page of the process's cache */
    host_fail_alloc_at(n);
    for (int i = 0; i < 6; i++)
        tid[i] = documented(VOS_SYS_THREAD_CREATE, vos_sys_thread_create((uint64_t)(uintptr_t)created, (uint64_t)stack,
                                                                         4 * PAGE_SIZE, 9));
    host_fail_alloc_at(0);
    for (int i = 0; i < 6; i++) {
        int32_t code = 0;
        if (tid[i] > 0) {
            UCHECK_EQ(vos_sys_thread_join((vos_tid_t)tid[i], VOS_TIMEOUT_INFINITE, &code), 0);
            UCHECK_EQ(code, 9);
        }
    }
    reached = 1;
}

/* Every kind of mapping, then first touches of lazy pages (a failing one kills the process: PAGE_FAULT). */
static void mmap_user(uint64_t n)
{
    int64_t region = vos_sys_capability_create(VOS_OBJ_MEMORY, 3 * PAGE_SIZE, VOS_RIGHT_READ | VOS_RIGHT_WRITE,
                                               grant.pool);
    UCHECK(region > 0);
    host_fail_alloc_at(n);
    int64_t carved = documented(VOS_SYS_CAPABILITY_CREATE,
                                vos_sys_capability_create(VOS_OBJ_MEMORY, 600 * PAGE_SIZE, VOS_RIGHT_READ, grant.pool));
    int64_t lazy = documented(VOS_SYS_MMAP, vos_sys_mmap(0, 64 * PAGE_SIZE, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS,
                                                         VOS_CAP_NULL, 0));
    documented(VOS_SYS_MMAP, vos_sys_mmap(0, 5 * PAGE_SIZE, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE,
                                          VOS_CAP_NULL, 0));
    /* 2 MiB further on: new page tables for the populated pages. */
    documented(VOS_SYS_MMAP, vos_sys_mmap(MMAP_BASE + (8ull << 20), 3 * PAGE_SIZE, RW,
                                          VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE | VOS_MAP_FIXED,
                                          VOS_CAP_NULL, 0));
    documented(VOS_SYS_MMAP, vos_sys_mmap(MMAP_BASE + (1ull << 32), 3 * PAGE_SIZE, RW, VOS_MAP_SHARED, region, 0));
    documented(VOS_SYS_MMAP, vos_sys_mmap(0, 2 * PAGE_SIZE, VOS_PROT_READ, VOS_MAP_PRIVATE, region, PAGE_SIZE));
    if (lazy > 0) {
        int v = 5;
        host_user_write((uint64_t)lazy, &v, sizeof(v));
        host_user_write((uint64_t)lazy + 40 * PAGE_SIZE, &v, sizeof(v));
        documented(VOS_SYS_MUNMAP, vos_sys_munmap((uint64_t)lazy + 8 * PAGE_SIZE, 2 * PAGE_SIZE)); /* a split */
        documented(VOS_SYS_MPROTECT, vos_sys_mprotect((uint64_t)lazy + 20 * PAGE_SIZE, PAGE_SIZE, VOS_PROT_READ));
    }
    host_fail_alloc_at(0);
    (void)carved; /* the process's end frees it */
    reached = 1;
}

/* Enough derivations to need new capability tables, and a channel capability. */
static void capability_user(uint64_t n)
{
    host_fail_alloc_at(n);
    for (int i = 0; i < 70; i++)
        documented(VOS_SYS_CAPABILITY_DERIVE, vos_sys_capability_derive(grant.console, VOS_RIGHT_WRITE));
    struct vos_endpoint_create_result ep;
    if (documented(VOS_SYS_IPC_ENDPOINT_CREATE, vos_sys_ipc_endpoint_create(&ep)) == 0) {
        int64_t ch = documented(VOS_SYS_IPC_CHANNEL_CREATE, vos_sys_ipc_channel_create(ep.endpoint_id, ep.endpoint_id, ep.capability, ep.capability));
        if (ch > 0)
            documented(VOS_SYS_CAPABILITY_CREATE,
                       vos_sys_capability_create(VOS_OBJ_CHANNEL, (uint64_t)ch, VOS_RIGHT_ALL, grant.self));
    }
    host_fail_alloc_at(0);
    reached = 1;
}

/*
 * IPC: the client makes an endpoint and a channel to it, queues sends
 * (short, long, with a capability), calls (with a capability, and on the
 * register path) and ends with a register call it repeats until it gets
 * through; the server receives with a timeout, answers calls (a
 * capability with the first), and takes the register calls with
 * SYS_IPC_REPLY_RECEIVE_SHORT.  Everything both do lies in the window.
 */
static void ipc_client(uint64_t n)
{
    char resp[4096]; /* user memory is the stack (a global is not mapped) */
    for (unsigned i = 0; i < ipc.pad; i++)
        UCHECK(vos_sys_capability_derive(grant.console, VOS_RIGHT_WRITE) > 0);
    host_fail_alloc_at(n);
    if (documented(VOS_SYS_IPC_ENDPOINT_CREATE, vos_sys_ipc_endpoint_create(&ipc.ep)) == 0) {
        int64_t ch = documented(VOS_SYS_IPC_CHANNEL_CREATE,
                                vos_sys_ipc_channel_create(ipc.ep.endpoint_id, ipc.ep.endpoint_id, ipc.ep.capability, ipc.ep.capability));
        if (ch > 0)
            ipc.chcap = (vos_cap_t)documented(
                VOS_SYS_CAPABILITY_CREATE, vos_sys_capability_create(VOS_OBJ_CHANNEL, (uint64_t)ch, VOS_RIGHT_ALL, grant.self));
        if (ch > 0 && (int64_t)ipc.chcap > 0) {
            char msg[64] = "hello";
            char *page = (char *)(uintptr_t)vos_sys_mmap(0, 2 * PAGE_SIZE, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
            ipc.ready = 1;
            documented(VOS_SYS_IPC_SEND, vos_sys_ipc_send((uint64_t)ch, msg, 16, 0, ipc.chcap));
            documented(VOS_SYS_IPC_SEND, vos_sys_ipc_send((uint64_t)ch, msg, 16, grant.console, ipc.chcap));
            if ((int64_t)(uintptr_t)page > 0) { /* a message of a page: queued in a page of its own */
                host_user_write((uint64_t)(uintptr_t)page, "p", 1);
                documented(VOS_SYS_IPC_SEND, vos_sys_ipc_send((uint64_t)ch, page, 4000, 0, ipc.chcap));
            }
            struct vos_ipc_call_result cr;
            documented(VOS_SYS_IPC_CALL, vos_sys_ipc_call((uint64_t)ch, msg, 32, resp, sizeof(resp), VOS_TIMEOUT_INFINITE,
                                                          grant.console, ipc.chcap, &cr));
            struct vos_ipc_short_message sm = { .w0 = 1, .w1 = 2, .w2 = 3 };
            documented(VOS_SYS_IPC_CALL_SHORT, vos_sys_ipc_call_short(ipc.chcap, 24, &sm));
            int64_t r;
            int tries = 0;
            do { /* the last word: a failure happens once, so it gets through at the latest the second time */
                sm.w0 = 0xb7e;
                r = documented(VOS_SYS_IPC_CALL_SHORT, vos_sys_ipc_call_short(ipc.chcap, 8, &sm));
            } while (r < 0 && ++tries < 3);
            UCHECK(r >= 0);
        }
    }
    ipc.client_done = 1;
    host_fail_alloc_at(0);
    reached = 1;
}

static void ipc_server(uint64_t n)
{
    (void)n;
    char buf[4096], resp[16] = "answer";
    while (!ipc.ready && !ipc.client_done)
        vos_sys_yield();
    for (int rounds = 0; ipc.ready && !ipc.server_done; rounds++) {
        if (rounds == 100) {
            UCHECK(!"the server went round 100 times");
            break;
        }
        struct vos_ipc_receive_result res;
        int64_t r = documented(VOS_SYS_IPC_RECEIVE, vos_sys_ipc_receive(ipc.ep.endpoint_id, buf, sizeof(buf), 1000000000ull,
                                                                        ipc.ep.capability, &res));
        if (r == hh_err(VOS_ERR_TIMEOUT) && ipc.client_done)
            break;
        if (r < 0 || !res.reply_token)
            continue;
        if (res.message_len == 8) { /* the last register call: answer, done */
            UCHECK_EQ(documented(VOS_SYS_IPC_REPLY, vos_sys_ipc_reply(res.reply_token, resp, 8, 0)), 0);
            break;
        }
        if (res.message_len == 24) { /* a register call: answer and wait for the next in one */
            struct vos_ipc_short_message sm = { .w0 = 7 };
            struct vos_ipc_short_receive_result sr;
            r = documented(VOS_SYS_IPC_REPLY_RECEIVE_SHORT,
                           vos_sys_ipc_reply_receive_short(res.reply_token, ipc.ep.capability, 8, &sm, &sr));
            if (r == 0 && sr.reply_token) {
                UCHECK_EQ(documented(VOS_SYS_IPC_REPLY, vos_sys_ipc_reply(sr.reply_token, resp, 8, 0)), 0);
                break;
            }
            continue;
        }
        /* A pointer call: answer with a capability; if that fails, once more, then without. */
        if (documented(VOS_SYS_IPC_REPLY, vos_sys_ipc_reply(res.reply_token, resp, 8, grant.console)) < 0 &&
            documented(VOS_SYS_IPC_REPLY, vos_sys_ipc_reply(res.reply_token, resp, 8, grant.console)) < 0)
            documented(VOS_SYS_IPC_REPLY, vos_sys_ipc_reply(res.reply_token, resp, 8, 0));
    }
    ipc.server_done = 1;
}

/* ---- the campaign (main side) ---- */

enum scenario { PROCESS_CREATE, THREAD_CREATE, MMAP, CAPABILITY, IPC };

static struct memobj *pool;

static void run_once(enum scenario s, uint64_t n, unsigned pad)
{
    static host_user_fn *const users[] = {
        [PROCESS_CREATE] = process_create_user, [THREAD_CREATE] = thread_create_user, [MMAP] = mmap_user,
        [CAPABILITY] = capability_user, [IPC] = ipc_client,
    };
    long err = 0;
    reached = 0;
    memset(&ipc, 0, sizeof(ipc));
    ipc.pad = pad;
    if (!pool)
        pool = memobj_new_pool(64ull << 20, &err); /* the harness keeps its reference for good */
    struct process *p = hh_process("faults");
    grant.console = hh_grant(p, hh_console(), VOS_RIGHT_ALL);
    grant.self = hh_grant(p, &p->obj, VOS_RIGHT_ALL);
    grant.pool = hh_grant(p, &pool->obj, VOS_RIGHT_ALL);
    hh_thread(p, users[s], n);
    if (s == IPC)
        hh_thread(p, ipc_server, n);
    hh_start(p);
    hh_run();
    host_fail_alloc_at(0);
    /* Only a failed first touch may end the scenario early: it kills the process. */
    if (!reached && !(host_alloc_failed() && p->exit_info.reason == VOS_EXIT_PAGE_FAULT))
        fail_msg("allocation %lu: the scenario did not finish (exit reason %lu)", (unsigned long)n,
                 (unsigned long)p->exit_info.reason);
    hh_finish();
}

static void campaign(enum scenario s, unsigned pad)
{
    run_once(s, 0, pad); /* warm up: the kernel's own caches reach their working size */
    uint64_t free0 = frame_free_count(), used0 = hh_root()->mem_used;
    uint64_t n;
    for (n = 1; n < MAX_N; n++) {
        if (getenv("VOS_FAULTS_TRACE"))
            fprintf(stderr, "allocation %lu\n", (unsigned long)n);
        run_once(s, n, pad);
        if (frame_free_count() != free0 || hh_root()->mem_used != used0)
            fail_msg("allocation %lu failing: %lld frames and %lld bytes of quota not returned", (unsigned long)n,
                     (long long)(free0 - frame_free_count()), (long long)(hh_root()->mem_used - used0));
        if (!host_alloc_failed())
            break; /* the scenario makes fewer than n allocations: every one has failed once */
    }
    assert_true(n > 1 && n < MAX_N);
    print_message("%lu allocation points\n", (unsigned long)(n - 1));
}

static void test_process_create(void **state) { (void)state; campaign(PROCESS_CREATE, 0); }
static void test_thread_create(void **state) { (void)state; campaign(THREAD_CREATE, 0); }
static void test_mmap(void **state) { (void)state; campaign(MMAP, 0); }
static void test_capability(void **state) { (void)state; campaign(CAPABILITY, 0); }
static void test_ipc(void **state) { (void)state; campaign(IPC, 0); }

/*
 * The same with the capability space at every offset from a table
 * boundary, so that each capability the IPC calls insert (a reply token, a
 * transferred capability) is, in one of them, the one that needs a new
 * table page.  (Defect 3 of issue 15: SYS_IPC_RECEIVE returned OutOfMemory,
 * which its errors list does not have.)
 */
static void test_ipc_every_table_offset(void **state)
{
    (void)state;
    for (unsigned pad = 1; pad <= CSPACE_SLOTS_PER_LEAF; pad++)
        campaign(IPC, pad);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_process_create, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_thread_create, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_mmap, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_capability, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_ipc, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_ipc_every_table_offset, hh_setup, hh_teardown),
    };
    hh_select(argc, argv);
    return cmocka_run_group_tests_name("faults", tests, NULL, NULL);
}
