/*
 * memtest: the kernel with its memory exhausted, on the real trap path of
 * each architecture.  It runs as the first process of "kernel-memtest"
 * (boot test "memtest"), so its quota is all of memory.
 *
 *  1. Creation at every depth of exhaustion: memory is filled (4 MiB
 *     populated mappings, then single pages) until the kernel refuses;
 *     SYS_PROCESS_CREATE must then fail with OutOfMemory/ResourceExhausted,
 *     and again after each page given back, one at a time, until it
 *     succeeds.  Every failure point of creation is reached on the way
 *     (the process object taking the last frame, the address space root,
 *     the page tables, the stack...), and none may bring the kernel down.
 *  2. Page tables are charged: child A (quota 32 MiB) maps, touches and
 *     unmaps one page in each of SLOTS distinct 2 MiB slots (more page
 *     tables than the machine has, were they kept), then takes memory
 *     until refused and stays alive at its quota, in a call to us.  Then
 *     child B takes memory until refused.  Both must be refused by their
 *     quota (ResourceExhausted), and B must get all it was promised.
 *  3. Afterwards the pool has every byte back.
 *
 *   memtest                  the tests (as init)
 *   memtest slots N CH       child A, caps: channel CH to the parent
 *   memtest fill             child B: exit code = MiB taken, or -1 if refused otherwise than by its quota
 *   memtest top              map and touch the last page of user space (every arch's candidate that is valid here)
 */
#include <vos/libsys.h>
#include <vos/syscalls.h>

#define SLOTS 70000 /* their page tables, were they kept, would be 274 MiB: more than the machine has */
#define SLOT_BASE (1ull << 30)
#define SLOT_SIZE (2ull << 20)
#define RW (VOS_PROT_READ | VOS_PROT_WRITE)
#define ERR(e) (-(int64_t)(e))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static vos_cap_t console, pool, self_cap;
static struct vos_bootfs fs;
static unsigned passed, failed;

#define CHECK(cond) check((cond), #cond, __LINE__)

static void check(int ok, const char *what, int line)
{
    if (ok) {
        passed++;
        return;
    }
    failed++;
    vos_printf(console, "memtest: FAIL line %d: %s\n", line, what);
}

static long number(const char *s)
{
    long v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return v;
}

static uint64_t free_bytes(void)
{
    struct vos_pool_info info = { 0, 0 };
    vos_sys_read(pool, &info, sizeof(info), 0);
    return info.free_bytes;
}

static int refused(int64_t r)
{
    return r == ERR(VOS_ERR_OUT_OF_MEMORY) || r == ERR(VOS_ERR_RESOURCE_EXHAUSTED);
}

static int64_t map_populated(uint64_t len)
{
    return vos_sys_mmap(0, len, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE, VOS_CAP_NULL, 0);
}

/* Take populated memory until refused: the bytes taken; the refusal in *why. */
static uint64_t fill(int64_t *why, uint64_t chunk)
{
    uint64_t got = 0;
    for (;;) {
        int64_t va = map_populated(chunk);
        if (va > 0) {
            got += chunk;
        } else if (chunk > VOS_PAGE_SIZE) {
            chunk = VOS_PAGE_SIZE; /* the last pages one by one */
        } else {
            *why = va;
            return got;
        }
    }
}

static int64_t create(const char *const *argv, uint64_t argc, const vos_cap_t *caps, uint64_t ncaps)
{
    const void *data;
    uint64_t size;
    if (vos_bootfs_find(&fs, argv[0], &data, &size))
        return -2000;
    return vos_sys_process_create(data, size, argv, argc, caps, ncaps);
}

static int64_t run(int64_t pid)
{
    struct vos_process_exit_info info = { 0 };
    if (pid <= 0 || vos_sys_process_start((uint64_t)pid) || vos_sys_process_wait((uint64_t)pid, VOS_TIMEOUT_INFINITE, &info))
        return -3000;
    return info.reason == VOS_EXIT_CODE ? (int64_t)(int32_t)info.code : -4000 - (int64_t)info.reason;
}

/* ---- 1: process creation at every depth of exhaustion ---- */

/* Our own kmem caches (a page per object size class at most) may keep what a test made them take. */
#define OWN_CACHES (8 * VOS_PAGE_SIZE)

static struct { uint64_t addr, len; } taken[4096];
static unsigned ntaken;

/* Populated mappings of chunk bytes, then of single pages, until refused (the refusal in *why); each recorded. */
static void fill_recorded(int64_t *why)
{
    uint64_t chunk = 4ull << 20;
    while (ntaken < ARRAY_SIZE(taken)) {
        int64_t va = map_populated(chunk);
        if (va > 0) {
            taken[ntaken].addr = (uint64_t)va;
            taken[ntaken++].len = chunk;
        } else if (chunk > VOS_PAGE_SIZE) {
            chunk = VOS_PAGE_SIZE;
        } else {
            *why = va;
            return;
        }
    }
}

/* The stack's lazy pages, touched now: none may be needed while memory is exhausted. */
static void touch_stack(void)
{
    volatile char pad[32 << 10];
    for (unsigned i = 0; i < sizeof(pad); i += 512)
        pad[i] = 0;
}

static void test_create_when_exhausted(void)
{
    const char *argv[] = { "hello", "exit", "7" };
    int64_t why = 0;
    touch_stack();
    CHECK(run(create(argv, 3, NULL, 0)) == 7); /* and every page a creation takes of ours (bootfs tables) */
    uint64_t before = free_bytes();

    fill_recorded(&why);
    CHECK(ntaken > 0 && refused(why));
    int64_t r = create(argv, 3, NULL, 0);
    CHECK(refused(r));
    /* Give pages back one at a time, the last taken first, and try again each time. */
    unsigned tries = 0;
    while (refused(r) && ntaken) {
        unsigned last = ntaken - 1;
        if (taken[last].len == VOS_PAGE_SIZE)
            ntaken--;
        else
            taken[last].len = 0, ntaken--; /* a 4 MiB one: all of it (cutting it would need memory) */
        CHECK(vos_sys_munmap(taken[last].addr, taken[last].len ? taken[last].len : 4ull << 20) == 0);
        r = create(argv, 3, NULL, 0);
        tries++;
        if (r <= 0 && !refused(r))
            vos_printf(console, "memtest: process_create returned %ld\n", (long)r);
    }
    CHECK(r > 0);
    vos_printf(console, "memtest: process_create refused %u times as pages came back, then worked\n", tries);
    CHECK(run(r) == 7);
    while (ntaken) {
        ntaken--;
        CHECK(vos_sys_munmap(taken[ntaken].addr, taken[ntaken].len) == 0);
    }
    CHECK(free_bytes() + OWN_CACHES >= before);
}

/* ---- 2: page tables are charged ---- */

struct slot_report {
    uint64_t slots_done, filled;
    int64_t refusal;
};

static int child_slots(const struct vos_start_info *si, uint64_t slots, uint64_t channel_id)
{
    vos_cap_t channel = vos_start_find_cap(si, VOS_OBJ_CHANNEL);
    struct slot_report rep = { 0, 0, 0 };
    for (; rep.slots_done < slots; rep.slots_done++) {
        uint64_t va = SLOT_BASE + rep.slots_done * SLOT_SIZE;
        if (vos_sys_mmap(va, VOS_PAGE_SIZE, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_FIXED, 0, 0) != (int64_t)va)
            break;
        *(volatile char *)(uintptr_t)va = 1; /* a page table that cannot be had kills us here */
        if (vos_sys_munmap(va, VOS_PAGE_SIZE))
            break;
    }
    rep.filled = fill(&rep.refusal, 64 << 10);
    /* Stay alive, at our quota, until the parent has seen what B can get. */
    char answer[8];
    struct vos_ipc_call_result res;
    return vos_sys_ipc_call(channel_id, &rep, sizeof(rep), answer, sizeof(answer), VOS_TIMEOUT_INFINITE, 0, channel, &res) != 0;
}

/*
 * The last user page's tables also span what lies above user space (on
 * x86_64 it stops a page short of the lower half's end): they must go
 * with the process like any other, or its charges never return.
 */
static int child_top(void)
{
    static const uint64_t tops[] = { 1ull << 38, 1ull << 39, 0x00007ffffffff000ull }; /* riscv64, aarch64, x86_64 */
    int mapped = 0;
    for (unsigned i = 0; i < ARRAY_SIZE(tops); i++) {
        uint64_t va = tops[i] - VOS_PAGE_SIZE;
        if (vos_sys_mmap(va, VOS_PAGE_SIZE, RW, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_FIXED, 0, 0) == (int64_t)va) {
            *(volatile char *)(uintptr_t)va = 1;
            mapped++;
        }
    }
    return mapped ? 0 : 1; /* the real top is one of them */
}

static int child_fill(void)
{
    int64_t why = 0;
    uint64_t got = fill(&why, 64 << 10);
    return why == ERR(VOS_ERR_RESOURCE_EXHAUSTED) ? (int)(got >> 20) : -1;
}

static void test_page_tables_charged(void)
{
    uint64_t before = free_bytes();
    struct vos_endpoint_create_result ep;
    CHECK(vos_sys_ipc_endpoint_create(&ep) == 0);
    int64_t ch = vos_sys_ipc_channel_create(ep.endpoint_id, ep.endpoint_id, ep.capability, ep.capability);
    int64_t chcap = vos_sys_capability_create(VOS_OBJ_CHANNEL, (uint64_t)ch, VOS_RIGHT_ALL, self_cap);
    CHECK(ch > 0 && chcap > 0);

    char count[16], channel[24];
    vos_snprintf(count, sizeof(count), "%u", SLOTS);
    vos_snprintf(channel, sizeof(channel), "%ld", (long)ch);
    const char *argv_a[] = { "memtest", "slots", count, channel };
    vos_cap_t give[] = { (vos_cap_t)chcap };
    int64_t a = create(argv_a, 4, give, 1);
    CHECK(a > 0 && vos_sys_process_start((uint64_t)a) == 0);

    /* Wait for A's call (or its death: then the checks below fail). */
    struct slot_report rep = { 0, 0, 0 };
    struct vos_ipc_receive_result got = { 0, 0, 0, 0 };
    struct vos_process_exit_info info = { 0 };
    for (;;) {
        if (vos_sys_ipc_receive(ep.endpoint_id, &rep, sizeof(rep), 0, ep.capability, &got) == 0)
            break;
        if (vos_sys_process_wait((uint64_t)a, 0, &info) == 0) {
            vos_printf(console, "memtest: A ended (reason %lu) after %s\n", (unsigned long)info.reason,
                       "mapping pages in 2 MiB slots");
            a = 0;
            break;
        }
        vos_sys_yield();
    }
    CHECK(a > 0 && rep.slots_done == SLOTS);
    CHECK(rep.refusal == ERR(VOS_ERR_RESOURCE_EXHAUSTED) && rep.filled > (16ull << 20));
    vos_printf(console, "memtest: A: %lu slots, then %lu MiB until refused\n", (unsigned long)rep.slots_done,
               (unsigned long)(rep.filled >> 20));

    /* A is at its quota and alive: B must still get all it was promised (32 MiB, less its own tables). */
    const char *argv_b[] = { "memtest", "fill" };
    int64_t b_mib = run(create(argv_b, 2, NULL, 0));
    vos_printf(console, "memtest: B: %ld MiB until refused\n", (long)b_mib);
    CHECK(b_mib >= 31);

    if (a > 0) {
        CHECK(got.reply_token && vos_sys_ipc_reply(got.reply_token, "ok", 2, 0) == 0);
        CHECK(vos_sys_process_wait((uint64_t)a, VOS_TIMEOUT_INFINITE, &info) == 0 && info.reason == VOS_EXIT_CODE &&
              info.code == 0);
    }
    CHECK(vos_sys_capability_revoke(ep.capability) == 0);
    CHECK(vos_sys_capability_revoke((vos_cap_t)chcap) == 0);
    CHECK(free_bytes() + OWN_CACHES >= before);
}

static void test_top_of_user_space(void)
{
    const char *argv[] = { "memtest", "top" };
    uint64_t before = free_bytes();
    CHECK(run(create(argv, 2, NULL, 0)) == 0);
    CHECK(free_bytes() + OWN_CACHES >= before);
}

int main(int argc, char **argv)
{
    const struct vos_start_info *si = vos_start_info();
    if (argc > 3 && !strcmp(argv[1], "slots"))
        return child_slots(si, (uint64_t)number(argv[2]), (uint64_t)number(argv[3]));
    if (argc > 1 && !strcmp(argv[1], "fill"))
        return child_fill();
    if (argc > 1 && !strcmp(argv[1], "top"))
        return child_top();

    console = vos_start_find_cap(si, VOS_OBJ_DEVICE);
    pool = vos_start_find_pool(si);
    self_cap = vos_start_find_cap(si, VOS_OBJ_PROCESS);
    if (!console || !pool || vos_bootfs_open(&fs, vos_start_find_bootfs(si)))
        return 100;
    vos_puts(console, "memtest: starting\n");
    test_create_when_exhausted();
    test_page_tables_charged();
    test_top_of_user_space();
    vos_printf(console, "memtest: %u passed, %u failed\n", passed, failed);
    return (int)failed;
}
