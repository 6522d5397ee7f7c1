/*
 * test_memory.c — memory regions carved from a pool (SYS_CAPABILITY_CREATE),
 * mapped shared or private (SYS_MMAP), read and written through SYS_READ /
 * SYS_WRITE, and protection changes (SYS_MPROTECT), which must never grant
 * more than the mapping's capability allowed.
 */
#include <string.h>

#include "harness.h"
#include "memobj.h"
#include "memory.h"

static int reached;
static struct memobj *pool;
static vos_cap_t self_cap_of_test;
static uint64_t buf_of_test;

#define RW (VOS_PROT_READ | VOS_PROT_WRITE)

/* The pool capability a loader gives init: the authority to carve regions. */
static vos_cap_t grant_pool(struct process *p)
{
    long err = 0;
    if (!pool)
        pool = memobj_new_pool(16ull << 20, &err); /* the harness keeps its reference for good */
    assert_non_null(pool);
    return hh_grant(p, &pool->obj, VOS_RIGHT_ALL);
}

/* A process whose one thread runs fn(pool capability) to its end, which it must reach. */
static void run_with_pool(const char *name, host_user_fn *fn)
{
    reached = 0;
    struct process *p = hh_process(name);
    hh_thread(p, fn, grant_pool(p));
    hh_start(p);
    hh_run();
    assert_int_equal(reached, 1);
}

static int64_t carve(vos_cap_t pool_cap, uint64_t bytes, uint64_t rights)
{
    return vos_sys_capability_create(VOS_OBJ_MEMORY, bytes, rights, pool_cap);
}

static void shared_user(uint64_t pool_cap)
{
    int64_t region = carve(pool_cap, 2 * PAGE_SIZE, VOS_RIGHT_READ | VOS_RIGHT_WRITE);
    UCHECK(region > 0);
    char msg[] = "shared bytes";
    UCHECK_EQ(vos_sys_write(region, msg, sizeof(msg), PAGE_SIZE - 4), sizeof(msg)); /* across the page boundary */
    int64_t va = vos_sys_mmap(0, 2 * PAGE_SIZE, RW, VOS_MAP_SHARED, region, 0);
    UCHECK(va > 0);
    char seen[sizeof(msg)] = { 0 };
    host_user_read((uint64_t)va + PAGE_SIZE - 4, seen, sizeof(seen));
    UCHECK(memcmp(seen, msg, sizeof(msg)) == 0);
    /* A store through the mapping is visible to SYS_READ: the very same frames. */
    host_user_write((uint64_t)va + 100, "X", 1);
    char back[2] = { 0 };
    UCHECK_EQ(vos_sys_read(region, back, 1, 100), 1);
    UCHECK_EQ(back[0], 'X');
    UCHECK_EQ(vos_sys_read(region, back, 2, 2 * PAGE_SIZE), 0); /* at the end: nothing */
    reached = 1;
}

static void test_shared_region(void **state)
{
    (void)state;
    run_with_pool("shared", shared_user);
}

static void mprotect_user(uint64_t pool_cap)
{
    int64_t ro = carve(pool_cap, PAGE_SIZE, VOS_RIGHT_READ);
    UCHECK(ro > 0);
    /* Mapping asks for no more than the capability allows... */
    UCHECK_ERR(vos_sys_mmap(0, PAGE_SIZE, RW, VOS_MAP_SHARED, ro, 0), VOS_ERR_PERMISSION_DENIED);
    UCHECK_ERR(vos_sys_mmap(0, PAGE_SIZE, VOS_PROT_READ | VOS_PROT_EXEC, VOS_MAP_PRIVATE, ro, 0),
               VOS_ERR_PERMISSION_DENIED);
    int64_t shared = vos_sys_mmap(0, PAGE_SIZE, VOS_PROT_READ, VOS_MAP_SHARED, ro, 0);
    int64_t private = vos_sys_mmap(0, PAGE_SIZE, VOS_PROT_READ, VOS_MAP_PRIVATE, ro, 0);
    UCHECK(shared > 0 && private > 0);
    /* ...and so does every later protection change (spec: mprotect's authority). */
    UCHECK_ERR(vos_sys_mprotect((uint64_t)shared, PAGE_SIZE, RW), VOS_ERR_PERMISSION_DENIED);
    UCHECK_ERR(vos_sys_mprotect((uint64_t)shared, PAGE_SIZE, VOS_PROT_READ | VOS_PROT_EXEC), VOS_ERR_PERMISSION_DENIED);
    UCHECK_ERR(vos_sys_mprotect((uint64_t)private, PAGE_SIZE, VOS_PROT_READ | VOS_PROT_EXEC),
               VOS_ERR_PERMISSION_DENIED);
    reached = 1;
}

static void test_mprotect_bounded_by_capability(void **state)
{
    (void)state;
    run_with_pool("mprotect", mprotect_user);
}

static void pool_read_user(uint64_t pool_cap)
{
    struct vos_pool_info info;
    UCHECK_EQ(vos_sys_read(pool_cap, &info, sizeof(info), 0), sizeof(info));
    UCHECK_EQ(vos_sys_read(pool_cap, &info, sizeof(info), sizeof(info) - 8), 8);
    /* Past the record: nothing (host_fuzz found the source pointer overflowing for huge offsets). */
    UCHECK_EQ(vos_sys_read(pool_cap, &info, sizeof(info), sizeof(info)), 0);
    UCHECK_EQ(vos_sys_read(pool_cap, &info, sizeof(info), UINT64_MAX), 0);
    /* Carving: no empty region, none over 1 GiB, none beyond the process's quota. */
    UCHECK_ERR(carve(pool_cap, 0, VOS_RIGHT_ALL), VOS_ERR_INVALID_PARAMETER);
    UCHECK_ERR(carve(pool_cap, (1ull << 30) + 1, VOS_RIGHT_ALL), VOS_ERR_INVALID_PARAMETER);
    UCHECK_ERR(carve(pool_cap, 1ull << 30, VOS_RIGHT_ALL), VOS_ERR_RESOURCE_EXHAUSTED);
    reached = 1;
}

static void test_pool_read_offsets(void **state)
{
    (void)state;
    run_with_pool("poolread", pool_read_user);
}

/* ---- a shared mapping cut in three: the pieces keep their place in the region ---- */

static void split_shared_user(uint64_t pool_cap)
{
    int64_t region = carve(pool_cap, 4 * PAGE_SIZE, VOS_RIGHT_READ | VOS_RIGHT_WRITE);
    UCHECK(region > 0);
    char msg[] = "page three";
    UCHECK_EQ(vos_sys_write(region, msg, sizeof(msg), 3 * PAGE_SIZE), sizeof(msg));
    int64_t va = vos_sys_mmap(0, 4 * PAGE_SIZE, RW, VOS_MAP_SHARED, region, 0);
    UCHECK(va > 0);
    UCHECK_EQ(vos_sys_mprotect((uint64_t)va + PAGE_SIZE, PAGE_SIZE, VOS_PROT_READ), 0); /* split twice */
    UCHECK_EQ(vos_sys_munmap((uint64_t)va + 2 * PAGE_SIZE, PAGE_SIZE), 0);
    /* The kernel writes where the pieces allow it: the first page, not the read-only second. */
    UCHECK_EQ(vos_sys_read(region, (void *)(uintptr_t)va, 4, 3 * PAGE_SIZE), 4);
    UCHECK_ERR(vos_sys_read(region, (void *)(uintptr_t)(va + PAGE_SIZE), 4, 3 * PAGE_SIZE), VOS_ERR_INVALID_ADDRESS);
    UCHECK_ERR(vos_sys_read(region, (void *)(uintptr_t)(va + 2 * PAGE_SIZE), 4, 0), VOS_ERR_INVALID_ADDRESS);
    char seen[sizeof(msg)] = { 0 };
    host_user_read((uint64_t)va + 3 * PAGE_SIZE, seen, sizeof(seen)); /* the tail still maps page three */
    UCHECK(memcmp(seen, msg, sizeof(msg)) == 0);
    UCHECK_EQ(vos_sys_munmap((uint64_t)va, 4 * PAGE_SIZE), 0);
    reached = 1;
}

static void test_split_shared_mapping(void **state)
{
    (void)state;
    run_with_pool("split", split_shared_user);
}

/* ---- a region made from kernel data (as the boot files are) ---- */

static void test_region_from_data(void **state)
{
    (void)state;
    static char data[2 * PAGE_SIZE + 100];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (char)(i * 7);
    long err = 0;
    struct memobj *m = memobj_new_region(data, sizeof(data), &err);
    assert_non_null(m);
    assert_int_equal(m->size, 3 * PAGE_SIZE);
    for (uint64_t page = 0; page < 3; page++) {
        const char *k = arch_phys_to_virt(memobj_frame(m, page));
        size_t n = MIN(PAGE_SIZE, sizeof(data) - page * PAGE_SIZE);
        assert_memory_equal(k, data + page * PAGE_SIZE, n);
        if (n < PAGE_SIZE)
            assert_int_equal(k[n], 0); /* the rest of the last page is zero */
    }
    object_put(&m->obj);
    assert_null(memobj_new_region(data, 1ull << 40, &err)); /* more pages than a region can index */
    assert_int_equal(err, VOS_ERR_OUT_OF_MEMORY);
}

/* ---- every call that allocates, with 0, 1, 2, ... frames left: it works or says it cannot ---- */

static void ok_or_no_memory(int64_t r, int line)
{
    if (r < 0 && r != hh_err(VOS_ERR_OUT_OF_MEMORY) && r != hh_err(VOS_ERR_RESOURCE_EXHAUSTED))
        hh_user_fail(__FILE__, line, "got %lld", (long long)r);
}
#define UCHECK_OK_OR_NO_MEMORY(r) ok_or_no_memory((int64_t)(r), __LINE__)

static void squeezed_calls_user(uint64_t pool_cap)
{
    char small[64] = "small";
    char *big = (char *)(uintptr_t)buf_of_test; /* a whole page: not inline in the queued message */
    for (uint64_t leave = 0; leave < 20; leave++) {
        hh_take_frames(leave);
        int64_t anon = vos_sys_mmap(0, 4 * PAGE_SIZE, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE,
                                    VOS_CAP_NULL, 0);
        UCHECK_OK_OR_NO_MEMORY(anon);
        int64_t region = carve(pool_cap, 3 * PAGE_SIZE, VOS_RIGHT_ALL);
        UCHECK_OK_OR_NO_MEMORY(region);
        int64_t shared = region > 0 ? vos_sys_mmap(0, 3 * PAGE_SIZE, RW, VOS_MAP_SHARED, region, 0) : -1;
        if (region > 0)
            UCHECK_OK_OR_NO_MEMORY(shared);
        int64_t copy = region > 0 ? vos_sys_mmap(0, 3 * PAGE_SIZE, RW, VOS_MAP_PRIVATE, region, 0) : -1;
        if (region > 0)
            UCHECK_OK_OR_NO_MEMORY(copy);
        struct vos_endpoint_create_result ep = { 0, 0 };
        int64_t e = vos_sys_ipc_endpoint_create(&ep);
        UCHECK_OK_OR_NO_MEMORY(e);
        int64_t ch = e == 0 ? vos_sys_ipc_channel_create(ep.endpoint_id, ep.endpoint_id, ep.capability, ep.capability) : -1;
        if (e == 0)
            UCHECK_OK_OR_NO_MEMORY(ch);
        int64_t chcap = ch > 0 ? vos_sys_capability_create(VOS_OBJ_CHANNEL, (uint64_t)ch, VOS_RIGHT_ALL, self_cap_of_test) : -1;
        if (chcap > 0) {
            UCHECK_OK_OR_NO_MEMORY(vos_sys_ipc_send((uint64_t)ch, small, sizeof(small), VOS_CAP_NULL, (vos_cap_t)chcap));
            UCHECK_OK_OR_NO_MEMORY(vos_sys_ipc_send((uint64_t)ch, big, VOS_IPC_MAX_MESSAGE, region > 0 ? (vos_cap_t)region : 0,
                                                    (vos_cap_t)chcap));
        }
        hh_release_frames();
        if (anon > 0)
            UCHECK_EQ(vos_sys_munmap((uint64_t)anon, 4 * PAGE_SIZE), 0);
        if (shared > 0)
            UCHECK_EQ(vos_sys_munmap((uint64_t)shared, 3 * PAGE_SIZE), 0);
        if (copy > 0)
            UCHECK_EQ(vos_sys_munmap((uint64_t)copy, 3 * PAGE_SIZE), 0);
        if (e == 0)
            UCHECK_EQ(vos_sys_capability_revoke(ep.capability), 0); /* drops the queued messages */
        if (region > 0)
            UCHECK_EQ(vos_sys_capability_revoke((vos_cap_t)region), 0);
    }
    reached = 1;
}

static void test_calls_out_of_memory(void **state)
{
    (void)state;
    reached = 0;
    struct process *p = hh_process("squeezed");
    self_cap_of_test = hh_grant(p, &p->obj, VOS_RIGHT_ALL);
    buf_of_test = (uint64_t)(uintptr_t)hh_umem(p, VOS_IPC_MAX_MESSAGE, RW);
    hh_thread(p, squeezed_calls_user, grant_pool(p));
    hh_start(p);
    hh_run();
    assert_int_equal(reached, 1);
}

static uint64_t free_at[4];

static void unmap_user(uint64_t arg)
{
    (void)arg;
    int64_t va = vos_sys_mmap(0, 8 * PAGE_SIZE, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE,
                              VOS_CAP_NULL, 0);
    UCHECK(va > 0);
    free_at[0] = frame_free_count();
    /* A hole in the middle gives its two frames back; the rest stays usable. */
    UCHECK_EQ(vos_sys_munmap((uint64_t)va + 3 * PAGE_SIZE, 2 * PAGE_SIZE), 0);
    free_at[1] = frame_free_count();
    int v = 7;
    host_user_write((uint64_t)va + 7 * PAGE_SIZE, &v, sizeof(v));
    UCHECK_EQ(vos_sys_mprotect((uint64_t)va, 3 * PAGE_SIZE, VOS_PROT_READ), 0);
    UCHECK_ERR(vos_sys_mprotect((uint64_t)va, 8 * PAGE_SIZE, VOS_PROT_READ), VOS_ERR_INVALID_ADDRESS); /* the hole */
    UCHECK_EQ(vos_sys_munmap((uint64_t)va, 8 * PAGE_SIZE), 0); /* holes are fine */
    free_at[2] = frame_free_count();
    reached = 1;
}

static void test_munmap_returns_frames(void **state)
{
    (void)state;
    reached = 0;
    hh_spawn("unmap", unmap_user, 0);
    hh_run();
    assert_int_equal(reached, 1);
    assert_int_equal(free_at[1], free_at[0] + 2);
    /* The last mapping of its 512 GiB: the six frames, and its page table, directory and directory pointer table. */
    assert_int_equal(free_at[2], free_at[1] + 6 + 3);
}

/*
 * Page tables are charged to the process they map for, and freed when the
 * last mapping of their span goes.  A maps, touches and unmaps one page in
 * each of SLOTS distinct 2 MiB slots: before, each slot left a page table
 * behind, uncharged, and SLOTS tables are more than the machine has.  Then
 * A takes memory until refused and stays alive at its quota while B does
 * the same: both must be refused by their quota (ResourceExhausted), never
 * by an exhausted machine (OutOfMemory), and B gets what it was promised.
 */
#define SLOTS 20000
#define FILL_CHUNK (16 * PAGE_SIZE)
static struct {
    uint64_t slots_done, filled[2];
    int64_t refusal[2];
    volatile int a_full, b_done;
    struct process *a;
} quota;

/* Take anonymous memory, populated, until refused: the bytes taken, the refusal in *refusal. */
static uint64_t fill(int64_t *refusal)
{
    uint64_t got = 0, len = FILL_CHUNK;
    for (;;) {
        int64_t va = vos_sys_mmap(0, len, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE, VOS_CAP_NULL, 0);
        if (va > 0) {
            got += len;
        } else if (len > PAGE_SIZE) {
            len = PAGE_SIZE; /* the last few pages one by one */
        } else {
            *refusal = va;
            return got;
        }
    }
}

static void slots_user(uint64_t slots)
{
    char one = 1;
    for (uint64_t i = 0; i < slots; i++, quota.slots_done++) {
        uint64_t va = (1ull << 30) + i * (2ull << 20);
        if (vos_sys_mmap(va, PAGE_SIZE, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_FIXED, VOS_CAP_NULL, 0) !=
            (int64_t)va)
            return;
        host_user_write(va, &one, 1); /* a table cannot be had: the process is killed here */
        UCHECK_EQ(vos_sys_munmap(va, PAGE_SIZE), 0);
    }
    quota.filled[0] = fill(&quota.refusal[0]);
    quota.a_full = 1;
    while (!quota.b_done) /* stay alive, at the quota, while B takes its share */
        vos_sys_yield();
}

static void fill_user(uint64_t arg)
{
    (void)arg;
    while (!quota.a_full && quota.a->state != PROC_EXITED) /* (killed: the test fails below) */
        vos_sys_yield();
    quota.filled[1] = fill(&quota.refusal[1]);
    quota.b_done = 1;
}

static void test_quota_covers_page_tables(void **state)
{
    (void)state;
    /* Two processes that do little first: the root's own caches and tables reach their size for two children. */
    hh_spawn("warm", unmap_user, 0);
    hh_spawn("warm", unmap_user, 0);
    hh_run();
    hh_finish();
    memset(&quota, 0, sizeof(quota));
    uint64_t before = frame_free_count();
    struct process *a = quota.a = hh_spawn("slots", slots_user, SLOTS);
    struct process *b = hh_spawn("fill", fill_user, 0);
    uint64_t limit_b = b->mem_limit;
    hh_run();
    assert_int_equal(quota.slots_done, SLOTS);
    assert_int_equal(quota.refusal[0], hh_err(VOS_ERR_RESOURCE_EXHAUSTED));
    assert_int_equal(quota.refusal[1], hh_err(VOS_ERR_RESOURCE_EXHAUSTED));
    assert_true(quota.filled[1] >= limit_b - (256u << 10)); /* all but its tables, stack tables and records */
    assert_int_equal(a->exit_info.reason, VOS_EXIT_CODE);
    hh_finish();
    assert_int_equal(frame_free_count(), before); /* every frame is back */
}

/*
 * Capabilities in flight (sent with queued messages) sit in the kernel's
 * transit space, whose tables belong to nobody: their number is bounded
 * for the whole system (the tables' memory is set aside at boot), and a
 * send past the bound is ResourceExhausted.
 */
static struct {
    uint64_t queued;
    int64_t refusal;
    vos_cap_t self;
} flight;

static void flight_user(uint64_t console)
{
    char msg[8] = "cap";
    for (;;) {
        struct vos_endpoint_create_result ep;
        UCHECK_EQ(vos_sys_ipc_endpoint_create(&ep), 0);
        int64_t ch = vos_sys_ipc_channel_create(ep.endpoint_id, ep.endpoint_id, ep.capability, ep.capability);
        int64_t chcap = vos_sys_capability_create(VOS_OBJ_CHANNEL, (uint64_t)ch, VOS_RIGHT_ALL, flight.self);
        UCHECK(ch > 0 && chcap > 0);
        for (int i = 0; i < 64; i++, flight.queued++) { /* an endpoint queues 64 */
            int64_t r = vos_sys_ipc_send((uint64_t)ch, msg, sizeof(msg), console, (vos_cap_t)chcap);
            if (r < 0) {
                flight.refusal = r;
                return;
            }
        }
    }
}

static void test_caps_in_flight_bounded(void **state)
{
    (void)state;
    struct process *p = hh_process("flight");
    vos_cap_t console = hh_grant(p, hh_console(), VOS_RIGHT_ALL);
    flight.queued = 0;
    flight.refusal = 0;
    flight.self = hh_grant(p, &p->obj, VOS_RIGHT_ALL);
    hh_thread(p, flight_user, console);
    hh_start(p);
    hh_run();
    assert_int_equal(flight.refusal, hh_err(VOS_ERR_RESOURCE_EXHAUSTED));
    assert_int_equal(flight.queued, (1u << 14) - 1); /* kernel/ipc.c: TRANSIT_SLOTS, less the null slot */
}

/*
 * Cutting a mapping in the middle needs a region record.  With no memory
 * left, SYS_MUNMAP and SYS_MPROTECT return OutOfMemory and change nothing
 * (their errors lists named neither; the generated error check found it).
 */
static void split_user(uint64_t arg)
{
    (void)arg;
    int64_t va = vos_sys_mmap(0, 3 * PAGE_SIZE, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
    UCHECK(va > 0);
    hh_exhaust_frames();
    /* Region records too: lazy one-page mappings until none is left. */
    while (vos_sys_mmap(0, PAGE_SIZE, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0) > 0)
        ;
    UCHECK_ERR(vos_sys_munmap((uint64_t)va + PAGE_SIZE, PAGE_SIZE), VOS_ERR_OUT_OF_MEMORY);
    UCHECK_ERR(vos_sys_mprotect((uint64_t)va + PAGE_SIZE, PAGE_SIZE, VOS_PROT_READ), VOS_ERR_OUT_OF_MEMORY);
    /* Nothing changed: the whole mapping is still there, writable, and goes in one piece. */
    UCHECK_EQ(vos_sys_mprotect((uint64_t)va, 3 * PAGE_SIZE, RW), 0);
    UCHECK_EQ(vos_sys_munmap((uint64_t)va, 3 * PAGE_SIZE), 0);
    hh_release_frames();
    reached = 1;
}

static void test_split_without_memory(void **state)
{
    (void)state;
    reached = 0;
    struct process *p = hh_process("split");
    hh_thread(p, split_user, 0);
    hh_start(p);
    hh_run();
    hh_release_frames(); /* if the user stopped early */
    assert_int_equal(reached, 1);
}

/* ---- SYS_MMAP's arguments that do not fit together, and a hint that cannot be honoured ---- */

static void mmap_arguments_user(uint64_t pool_cap)
{
    int64_t region = carve(pool_cap, 2 * PAGE_SIZE, VOS_RIGHT_READ | VOS_RIGHT_WRITE);
    UCHECK(region > 0);
    /* Anonymous memory takes no region, but may name the pool. */
    UCHECK_ERR(vos_sys_mmap(0, PAGE_SIZE, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, region, 0), VOS_ERR_INVALID_PARAMETER);
    UCHECK(vos_sys_mmap(0, PAGE_SIZE, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, pool_cap, 0) > 0);
    /* A region's mapping needs a region, at a page offset inside it. */
    UCHECK_ERR(vos_sys_mmap(0, PAGE_SIZE, RW, VOS_MAP_SHARED, pool_cap, 0), VOS_ERR_INVALID_PARAMETER);
    UCHECK_ERR(vos_sys_mmap(0, PAGE_SIZE, RW, VOS_MAP_SHARED, region, 1), VOS_ERR_INVALID_PARAMETER);
    UCHECK_ERR(vos_sys_mmap(0, PAGE_SIZE, RW, VOS_MAP_SHARED, region, 3 * PAGE_SIZE), VOS_ERR_INVALID_PARAMETER);
    /* A hint past the top of user space is only a hint: the mapping goes elsewhere. */
    uint64_t hint = ARCH_USER_TOP - PAGE_SIZE;
    int64_t va = vos_sys_mmap(hint, 2 * PAGE_SIZE, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, VOS_CAP_NULL, 0);
    UCHECK(va > 0 && (uint64_t)va != hint && (uint64_t)va + 2 * PAGE_SIZE <= ARCH_USER_TOP);
    reached = 1;
}

static void test_mmap_arguments(void **state)
{
    (void)state;
    run_with_pool("mmapargs", mmap_arguments_user);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_shared_region, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_munmap_returns_frames, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_mprotect_bounded_by_capability, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_pool_read_offsets, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_split_shared_mapping, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_region_from_data, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_calls_out_of_memory, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_split_without_memory, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_quota_covers_page_tables, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_caps_in_flight_bounded, hh_setup, hh_teardown),
        cmocka_unit_test_setup_teardown(test_mmap_arguments, hh_setup, hh_teardown),
    };
    hh_select(argc, argv);
    return cmocka_run_group_tests_name("memory", tests, NULL, NULL);
}
