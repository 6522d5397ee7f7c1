/*
 * utest: the in-guest test of the process, thread, memory, I/O, time and
 * capability syscalls, on the real trap path of each architecture (cmocka,
 * like tests/conformance).  It runs as the first process of the
 * "kernel-utest" image (boot test "utest-<boot path>") and starts child
 * programs (hello, the fault programs) from the boot file system.
 *
 * cmocka prints each test's name and result; the last line is
 * "utest: done, N failed" and the exit code is 1 if any test failed, so the
 * boot test fails on any of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <vos/libsys.h>
#include <vos/syscalls.h>

static vos_cap_t console, pool, bootfs_cap, self_cap;
static struct vos_bootfs fs;

static int32_t joined; /* what SYS_THREAD_JOIN collected (its stub narrows the i32 into it) */

#define ERR(e) (-(int64_t)(e))

/* ---- helpers ---- */

static int64_t spawn_image(const void *data, uint64_t size, const char *const *argv, uint64_t argc,
                           const vos_cap_t *caps, uint64_t ncaps)
{
    int64_t pid = vos_sys_process_create(data, size, argv, argc, caps, ncaps);
    if (pid > 0 && vos_sys_process_start((uint64_t)pid) != 0)
        return -1000;
    return pid;
}

static int64_t spawn(const char *const *argv, uint64_t argc, const vos_cap_t *caps, uint64_t ncaps)
{
    const void *data;
    uint64_t size;
    if (vos_bootfs_find(&fs, argv[0], &data, &size))
        return -2000;
    return spawn_image(data, size, argv, argc, caps, ncaps);
}

/* Run a program to its end; its ProcessExitInfo in *info. */
static int64_t run(const char *const *argv, uint64_t argc, struct vos_process_exit_info *info)
{
    int64_t pid = spawn(argv, argc, NULL, 0);
    if (pid < 0)
        return pid;
    return vos_sys_process_wait((uint64_t)pid, VOS_TIMEOUT_INFINITE, info);
}

static uint64_t free_bytes(void)
{
    struct vos_pool_info info = { 0, 0 };
    vos_sys_read(pool, &info, sizeof(info), 0);
    return info.free_bytes;
}

static void *map_anon(uint64_t len, uint32_t prot)
{
    int64_t a = vos_sys_mmap(0, len, prot, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, VOS_CAP_NULL, 0);
    return a < 0 ? NULL : (void *)(uintptr_t)a;
}

/* ---- processes ---- */

static void test_process_exit_codes(void **state)
{
    (void)state;
    struct vos_process_exit_info info;
    const char *argv[] = { "hello", "exit", "7" };
    assert_int_equal(run(argv, 3, &info), 0);
    assert_int_equal(info.reason, VOS_EXIT_CODE);
    assert_int_equal(info.code, 7);
    const char *neg[] = { "hello", "exit", "-3" };
    assert_int_equal(run(neg, 3, &info), 0);
    assert_int_equal((int64_t)info.code, -3);
    const char *plain[] = { "hello", "from", "utest" };
    assert_int_equal(run(plain, 3, &info), 0);
    assert_int_equal(info.code, 0);
}

static void test_process_faults(void **state)
{
    (void)state;
    static const struct { const char *prog; uint64_t reason; } cases[] = {
        { "fault-unmapped", VOS_EXIT_PAGE_FAULT },
        { "fault-kernel", VOS_EXIT_PAGE_FAULT },
        { "fault-readonly", VOS_EXIT_PROTECTION_FAULT },
        { "fault-illegal", VOS_EXIT_ILLEGAL_INSTRUCTION },
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vos_process_exit_info info = { 0, 99, 0, 0 };
        const char *argv[] = { cases[i].prog };
        assert_int_equal(run(argv, 1, &info), 0);
        assert_int_equal(info.reason, cases[i].reason);
    }
    struct vos_process_exit_info info;
    const char *ro[] = { "hello", "ro" };
    assert_int_equal(run(ro, 2, &info), 0);
    assert_int_equal(info.reason, VOS_EXIT_PROTECTION_FAULT);
    const char *unmapped[] = { "hello", "munmap" };
    assert_int_equal(run(unmapped, 2, &info), 0);
    assert_int_equal(info.reason, VOS_EXIT_PAGE_FAULT);
}

static void test_process_wait_errors(void **state)
{
    (void)state;
    struct vos_process_exit_info info;
    assert_int_equal(vos_sys_process_wait(1, 0, &info), ERR(VOS_ERR_PERMISSION_DENIED)); /* ourselves: not a child */
    assert_int_equal(vos_sys_process_wait(999999, 0, &info), ERR(VOS_ERR_NOT_FOUND));
    assert_int_equal(vos_sys_process_start(999999), ERR(VOS_ERR_NOT_FOUND));

    const char *argv[] = { "hello", "sleep", "20" };
    int64_t pid = spawn(argv, 3, NULL, 0);
    assert_true(pid > 0);
    assert_int_equal(vos_sys_process_start((uint64_t)pid), ERR(VOS_ERR_BUSY));        /* started already */
    assert_int_equal(vos_sys_process_wait((uint64_t)pid, 0, &info), ERR(VOS_ERR_TIMEOUT)); /* still sleeping */
    assert_int_equal(vos_sys_process_wait((uint64_t)pid, 1000, &info), ERR(VOS_ERR_TIMEOUT));
    assert_int_equal(vos_sys_process_wait((uint64_t)pid, VOS_TIMEOUT_INFINITE, &info), 0);
    assert_int_equal(info.pid, pid);
    assert_int_equal(vos_sys_process_wait((uint64_t)pid, 0, &info), ERR(VOS_ERR_NOT_FOUND)); /* reaped */
}

static void test_process_args_and_caps(void **state)
{
    (void)state;
    struct vos_process_exit_info info;
    const char *argv[] = { "hello", "caps" };
    vos_cap_t give[] = { console };
    int64_t pid = spawn(argv, 2, give, 1);
    assert_true(pid > 0);
    assert_int_equal(vos_sys_process_wait((uint64_t)pid, VOS_TIMEOUT_INFINITE, &info), 0);
    assert_int_equal(info.code, 1);

    /* A capability without GRANT cannot be passed on. */
    int64_t weak = vos_sys_capability_derive(console, VOS_RIGHT_WRITE);
    assert_true(weak > 0);
    vos_cap_t bad[] = { (vos_cap_t)weak };
    assert_int_equal(spawn(argv, 2, bad, 1), ERR(VOS_ERR_PERMISSION_DENIED));
    vos_cap_t forged[] = { 0x7ffff };
    assert_int_equal(spawn(argv, 2, forged, 1), ERR(VOS_ERR_INVALID_CAPABILITY));
    const char *badargv[] = { "hello", (const char *)0x10 };
    assert_int_equal(spawn(badargv, 2, NULL, 0), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_process_create(NULL, 100, argv, 2, NULL, 0), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_process_create((void *)0x10, 4096, argv, 2, NULL, 0), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_process_create(fs.base, VOS_PROCESS_MAX_BINARY + 1, argv, 2, NULL, 0),
             ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_process_create(fs.base, 100, argv, VOS_PROCESS_MAX_ARGS + 1, NULL, 0),
             ERR(VOS_ERR_INVALID_PARAMETER));
}

/* Patch a copy of hello and check the kernel refuses it. */
static void test_bad_elf(void **state)
{
    (void)state;
    const void *data;
    uint64_t size;
    assert_int_equal(vos_bootfs_find(&fs, "hello", &data, &size), 0);
    uint8_t *img = map_anon(size, VOS_PROT_READ | VOS_PROT_WRITE);
    assert_non_null(img);
    const char *argv[] = { "hello" };
    uint64_t phoff = *(const uint64_t *)((const uint8_t *)data + 32);
    uint16_t phnum = *(const uint16_t *)((const uint8_t *)data + 56);
    int load0 = -1, load1 = -1;
    for (int i = 0; i < phnum; i++)
        if (*(const uint32_t *)((const uint8_t *)data + phoff + 56 * i) == 1) {
            if (load0 < 0)
                load0 = i;
            else if (load1 < 0)
                load1 = i;
        }
    assert_true(load0 >= 0 && load1 >= 0);
    struct { const char *what; uint64_t off; uint64_t value; unsigned width; uint64_t len; } cases[] = {
        { "bad magic", 0, 0x464c457e, 4, size },
        { "truncated", 0, 0x464c457f, 4, 100 },
        { "wrong arch", 18, 0x1234, 2, size },
        { "32-bit class", 4, 1, 1, size },
        { "kernel-range segment", phoff + 56 * load0 + 16, 0xffff800000000000ull, 8, size },
        { "huge segment", phoff + 56 * load0 + 40, 1ull << 40, 8, size },
        { "writable+executable", phoff + 56 * load0 + 4, 7, 4, size },
        { "overlapping segments", phoff + 56 * load1 + 16, *(const uint64_t *)((const uint8_t *)data + phoff + 56 * load0 + 16), 8, size },
        { "file data past the end", phoff + 56 * load0 + 8, size, 8, size },
        { "entry outside code", 24, 0x10, 8, size },
        { "phdrs past the end", 32, size - 8, 8, size },
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(img, data, size);
        memcpy(img + cases[i].off, &cases[i].value, cases[i].width);
        int64_t r = vos_sys_process_create(img, cases[i].len, argv, 1, NULL, 0);
        if (r != ERR(VOS_ERR_INVALID_PARAMETER))
            fail_msg("bad ELF case '%s' returned %ld", cases[i].what, (long)r);
    }
    vos_sys_munmap((uint64_t)(uintptr_t)img, size);
}

static void test_churn(void **state)
{
    (void)state;
    const char *argv[] = { "hello", "exit", "0" };
    struct vos_process_exit_info info;
    run(argv, 3, &info); /* warm the kernel's object caches */
    uint64_t before = free_bytes();
    unsigned ok = 0;
    for (int i = 0; i < 1000; i++)
        ok += run(argv, 3, &info) == 0 && info.reason == VOS_EXIT_CODE && info.code == 0;
    assert_int_equal(ok, 1000);
    assert_int_equal(free_bytes(), before);
}

/* A process that exhausts its quotas is refused, not the others; all comes back at its end. */
static void test_quotas(void **state)
{
    (void)state;
    struct vos_process_exit_info info;
    uint64_t before = free_bytes();
    const char *mem[] = { "hello", "quota" };
    assert_int_equal(run(mem, 2, &info), 0);
    assert_int_equal(info.reason, VOS_EXIT_CODE);
    assert_int_equal(info.code, 0); /* it got ResourceExhausted, after some success */
    assert_int_equal(free_bytes(), before);
    int64_t r = vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE,
                             VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE, 0, 0);
    assert_true(r > 0); /* ours was never touched */
    vos_sys_munmap((uint64_t)r, VOS_PAGE_SIZE);

    const char *caps[] = { "hello", "capquota" };
    vos_cap_t give[] = { console };
    int64_t pid = spawn(caps, 2, give, 1);
    assert_true(pid > 0);
    assert_int_equal(vos_sys_process_wait((uint64_t)pid, VOS_TIMEOUT_INFINITE, &info), 0);
    assert_int_equal(info.code, 0);
    assert_int_equal(free_bytes(), before);
    assert_true(vos_sys_capability_derive(console, VOS_RIGHT_WRITE) > 0); /* our own slots are untouched */
}

/* ---- threads ---- */

static volatile int thread_flag;

static void thread_body(uint64_t arg)
{
    thread_flag = (int)arg;
    vos_sys_thread_exit((int32_t)arg + 1);
}

static void sleeper_body(uint64_t arg)
{
    struct vos_timespec ts = { 0, arg };
    vos_sys_nanosleep(&ts);
    vos_sys_thread_exit(5);
}

#if defined(__x86_64__)
/* A vector register must survive a switch to a thread that changes it. */
static void clobber_xmm7(uint64_t arg)
{
    __asm__ volatile("movq %0, %%xmm7" : : "r"(arg) : "xmm7");
    vos_sys_yield();
    vos_sys_thread_exit(0);
}

static void test_vector_registers(void **state)
{
    (void)state;
    uint8_t *stack = map_anon(16384, VOS_PROT_READ | VOS_PROT_WRITE);
    assert_non_null(stack);
    uint64_t mine = 0x1122334455667788ull, after;
    __asm__ volatile("movq %0, %%xmm7" : : "r"(mine) : "xmm7");
    int64_t tid = vos_sys_thread_create((uint64_t)(uintptr_t)clobber_xmm7, (uint64_t)(uintptr_t)stack, 16384,
                                        0xdeadbeefull);
    vos_sys_yield(); /* the other thread runs and loads its own xmm7 */
    __asm__ volatile("movq %%xmm7, %0" : "=r"(after));
    assert_int_equal(after, mine);
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, VOS_TIMEOUT_INFINITE, &joined), 0);
    vos_sys_munmap((uint64_t)(uintptr_t)stack, 16384);
}
#endif

static void test_threads(void **state)
{
    (void)state;
    uint8_t *stack = map_anon(16384, VOS_PROT_READ | VOS_PROT_WRITE);
    assert_true(stack != NULL);
    int64_t tid = vos_sys_thread_create((uint64_t)(uintptr_t)thread_body, (uint64_t)(uintptr_t)stack, 16384, 41);
    assert_true(tid > 0);
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, VOS_TIMEOUT_INFINITE, &joined), 0);
    assert_int_equal(joined, 42);
    assert_int_equal(thread_flag, 41);
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, 0, &joined), ERR(VOS_ERR_NOT_FOUND)); /* double join */

    tid = vos_sys_thread_create((uint64_t)(uintptr_t)sleeper_body, (uint64_t)(uintptr_t)stack, 16384, 5000000);
    assert_true(tid > 0);
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, 0, &joined), ERR(VOS_ERR_TIMEOUT));
    assert_int_equal(vos_sys_thread_join((uint64_t)tid, VOS_TIMEOUT_INFINITE, &joined), 0);
    assert_int_equal(joined, 5);

    assert_int_equal(vos_sys_thread_create(0x10, (uint64_t)(uintptr_t)stack, 16384, 0), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_thread_create((uint64_t)(uintptr_t)thread_body, 0x10, 16384, 0), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_thread_create((uint64_t)(uintptr_t)thread_body, (uint64_t)(uintptr_t)stack, 1u << 30, 0),
             ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_thread_join(999999, 0, &joined), ERR(VOS_ERR_NOT_FOUND));
    vos_sys_munmap((uint64_t)(uintptr_t)stack, 16384);
}

/* ---- memory ---- */

/* Map three pages lazily, touch two, unmap the middle one, protect the last, unmap all. */
static void map_touch_protect_unmap(void)
{
    char *p = map_anon(3 * VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE);
    assert_true(p != NULL);
    p[0] = 'a';
    p[2 * VOS_PAGE_SIZE] = 'c';
    assert_int_equal(p[0] + p[2 * VOS_PAGE_SIZE], 'a' + 'c');
    /* Unmap the middle page only, then protect the last one. */
    assert_int_equal(vos_sys_munmap((uint64_t)(uintptr_t)p + VOS_PAGE_SIZE, VOS_PAGE_SIZE), 0);
    assert_int_equal(vos_sys_mprotect((uint64_t)(uintptr_t)p + 2 * VOS_PAGE_SIZE, VOS_PAGE_SIZE, VOS_PROT_READ), 0);
    assert_int_equal(p[2 * VOS_PAGE_SIZE], 'c');
    assert_int_equal(vos_sys_mprotect((uint64_t)(uintptr_t)p, 3 * VOS_PAGE_SIZE, VOS_PROT_READ), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_munmap((uint64_t)(uintptr_t)p, 3 * VOS_PAGE_SIZE), 0);
}

static void test_memory(void **state)
{
    (void)state;
    map_touch_protect_unmap(); /* warms the kernel's object caches (a split region's spare) */
    uint64_t before = free_bytes();
    map_touch_protect_unmap();
    assert_int_equal(free_bytes(), before); /* lazily allocated frames came back */

    /* POPULATE allocates at once. */
    char *q = (char *)(uintptr_t)vos_sys_mmap(0, 4 * VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE,
                                                VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE, 0, 0);
    assert_true(free_bytes() <= before - 4 * VOS_PAGE_SIZE);
    assert_int_equal(vos_sys_munmap((uint64_t)(uintptr_t)q, 4 * VOS_PAGE_SIZE), 0);

    /* FIXED */
    uint64_t fixed = 0x2000000000ull;
    assert_int_equal(vos_sys_mmap(fixed, VOS_PAGE_SIZE, VOS_PROT_READ, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_FIXED, 0, 0),
             (int64_t)fixed);
    assert_int_equal(vos_sys_mmap(fixed, VOS_PAGE_SIZE, VOS_PROT_READ, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_FIXED, 0, 0),
             ERR(VOS_ERR_ALREADY_EXISTS));
    assert_int_equal(vos_sys_mmap(fixed + 1, VOS_PAGE_SIZE, VOS_PROT_READ, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_FIXED, 0, 0),
             ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_munmap(fixed, VOS_PAGE_SIZE), 0);

    /* Refusals. */
    assert_int_equal(vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_WRITE | VOS_PROT_EXEC, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0),
             ERR(VOS_ERR_INVALID_PARAMETER)); /* W^X */
    assert_int_equal(vos_sys_mmap(0, 0, VOS_PROT_READ, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ, VOS_MAP_ANONYMOUS, 0, 0), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ, 1u << 9, 0, 0), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_mmap(0, VOS_PAGE_SIZE, 1u << 7, VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0),
             ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ, VOS_MAP_SHARED, 0, 0), ERR(VOS_ERR_INVALID_CAPABILITY));
    assert_int_equal(vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ, VOS_MAP_SHARED, console, 0), ERR(VOS_ERR_INVALID_CAPABILITY));
    assert_int_equal(vos_sys_mprotect(0x3000, VOS_PAGE_SIZE, VOS_PROT_READ), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_munmap(0x3001, VOS_PAGE_SIZE), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_munmap(0xfffffffffffff000ull, VOS_PAGE_SIZE), ERR(VOS_ERR_INVALID_ADDRESS));
}

static void test_shared_memory(void **state)
{
    (void)state;
    int64_t region = vos_sys_capability_create(VOS_OBJ_MEMORY, 2 * VOS_PAGE_SIZE, VOS_RIGHT_ALL, pool);
    assert_true(region > 0);
    int64_t a = vos_sys_mmap(0, 2 * VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED, (uint64_t)region, 0);
    int64_t b = vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ, VOS_MAP_SHARED, (uint64_t)region, VOS_PAGE_SIZE);
    assert_true(a > 0 && b > 0);
    char *pa = (char *)(uintptr_t)a, *pb = (char *)(uintptr_t)b;
    pa[VOS_PAGE_SIZE + 5] = 'x';
    assert_int_equal(pb[5], 'x'); /* the same frame, seen twice */

    /* SYS_READ / SYS_WRITE at an offset see the same bytes. */
    char buf[8] = { 0 };
    assert_int_equal(vos_sys_write((uint64_t)region, "offset!", 8, 100), 8);
    assert_int_equal(pa[100], 'o');
    assert_int_equal(vos_sys_read((uint64_t)region, buf, 8, 100), 8);
    assert_true(!memcmp(buf, "offset!", 8));
    assert_int_equal(vos_sys_read((uint64_t)region, buf, 8, 2 * VOS_PAGE_SIZE - 4), 4); /* clipped at the end */
    assert_int_equal(vos_sys_read((uint64_t)region, buf, 8, 5 * VOS_PAGE_SIZE), 0);

    /* A child maps it too, through a granted capability. */
    const char *argv[] = { "hello", "shm" };
    vos_cap_t give[] = { (vos_cap_t)region };
    struct vos_process_exit_info info;
    int64_t pid = spawn(argv, 2, give, 1);
    assert_true(pid > 0);
    assert_int_equal(vos_sys_process_wait((uint64_t)pid, VOS_TIMEOUT_INFINITE, &info), 0);
    assert_int_equal(info.code, 0);
    assert_true(!memcmp(pa, "child was here", 15));

    /* Rights bound the mapping: a read-only capability cannot map writable, nor be raised. */
    int64_t ro = vos_sys_capability_derive((uint64_t)region, VOS_RIGHT_READ);
    assert_true(ro > 0);
    assert_int_equal(vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED, (uint64_t)ro, 0),
             ERR(VOS_ERR_PERMISSION_DENIED));
    int64_t c = vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ, VOS_MAP_SHARED, (uint64_t)ro, 0);
    assert_true(c > 0);
    assert_int_equal(vos_sys_mprotect((uint64_t)c, VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE), ERR(VOS_ERR_PERMISSION_DENIED));
    assert_int_equal(vos_sys_write((uint64_t)ro, "x", 1, 0), ERR(VOS_ERR_PERMISSION_DENIED));
    assert_int_equal(vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ, VOS_MAP_SHARED, (uint64_t)region, 2 * VOS_PAGE_SIZE),
             ERR(VOS_ERR_INVALID_PARAMETER)); /* past the end */
    vos_sys_munmap((uint64_t)a, 2 * VOS_PAGE_SIZE);
    vos_sys_munmap((uint64_t)b, VOS_PAGE_SIZE);
    vos_sys_munmap((uint64_t)c, VOS_PAGE_SIZE);
}

/* ---- I/O, time, capabilities ---- */

static void test_io(void **state)
{
    (void)state;
    assert_int_equal(vos_sys_write(console, "utest: console write\n", 21, 0), 21);
    assert_int_equal(vos_sys_write(console, (void *)0x10, 4, 0), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_write(console, (void *)0xffffffff00000000ull, 4, 0), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_write(console, "x", 0x100001, 0), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_write(0, "x", 1, 0), ERR(VOS_ERR_INVALID_CAPABILITY));
    assert_int_equal(vos_sys_write(self_cap, "x", 1, 0), ERR(VOS_ERR_INVALID_CAPABILITY)); /* a process is no resource */
    char head[8];
    assert_int_equal(vos_sys_read(bootfs_cap, head, 8, 0), 8);
    assert_true(!memcmp(head, "VOSBOOT", 8));
    assert_int_equal(vos_sys_write(bootfs_cap, "x", 1, 0), ERR(VOS_ERR_PERMISSION_DENIED)); /* read-only */
    struct vos_pool_info info;
    assert_int_equal(vos_sys_read(pool, &info, sizeof(info), 0), (int64_t)sizeof(info));
    assert_true(info.free_bytes > 0 && info.free_bytes <= info.total_bytes);
}

static void test_time(void **state)
{
    (void)state;
    struct vos_timespec t0, t1;
    assert_int_equal(vos_sys_clock_get(VOS_CLOCK_MONOTONIC, &t0), 0);
    struct vos_timespec nap = { 0, 2000000 };
    assert_int_equal(vos_sys_nanosleep(&nap), 0);
    assert_int_equal(vos_sys_clock_get(VOS_CLOCK_MONOTONIC, &t1), 0);
    uint64_t ns0 = t0.tv_sec * 1000000000ull + t0.tv_nsec, ns1 = t1.tv_sec * 1000000000ull + t1.tv_nsec;
    assert_true(ns1 >= ns0 + 2000000);
    assert_true(t1.tv_nsec < 1000000000ull);
    struct vos_timespec rt;
    int64_t r = vos_sys_clock_get(VOS_CLOCK_REALTIME, &rt);
    assert_true(r == ERR(VOS_ERR_NOT_SUPPORTED) || (r == 0 && rt.tv_sec > 1600000000ull));
    assert_int_equal(vos_sys_clock_get(7, &rt), ERR(VOS_ERR_INVALID_PARAMETER));
    struct vos_timespec bad = { 0, 1000000000ull };
    assert_int_equal(vos_sys_nanosleep(&bad), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_nanosleep(NULL), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_nanosleep((const struct vos_timespec *)((uintptr_t)&nap + 1)), ERR(VOS_ERR_INVALID_ADDRESS));
    assert_int_equal(vos_sys_yield(), 0);
}

static void test_capabilities(void **state)
{
    (void)state;
    int64_t child = vos_sys_capability_derive(console, VOS_RIGHT_WRITE | VOS_RIGHT_DERIVE | VOS_RIGHT_REVOKE);
    assert_true(child > 0);
    assert_int_equal(vos_sys_capability_validate((uint64_t)child, VOS_RIGHT_WRITE), 0);
    assert_int_equal(vos_sys_capability_validate((uint64_t)child, VOS_RIGHT_READ), ERR(VOS_ERR_PERMISSION_DENIED));
    assert_int_equal(vos_sys_capability_derive((uint64_t)child, VOS_RIGHT_READ), ERR(VOS_ERR_PERMISSION_DENIED));
    int64_t grandchild = vos_sys_capability_derive((uint64_t)child, VOS_RIGHT_WRITE);
    assert_true(grandchild > 0);
    assert_int_equal(vos_sys_write((uint64_t)grandchild, "", 0, 0), 0);
    assert_int_equal(vos_sys_capability_revoke((uint64_t)child), 0);
    assert_int_equal(vos_sys_write((uint64_t)grandchild, "", 0, 0), ERR(VOS_ERR_INVALID_CAPABILITY));
    assert_int_equal(vos_sys_capability_validate((uint64_t)child, 0), ERR(VOS_ERR_INVALID_CAPABILITY));
    assert_int_equal(vos_sys_capability_validate(console, VOS_RIGHT_ALL), 0);
    assert_int_equal(vos_sys_capability_validate(console, 1u << 20), ERR(VOS_ERR_INVALID_PARAMETER));
    assert_int_equal(vos_sys_capability_create(VOS_OBJ_DEVICE, 1, VOS_RIGHT_READ, console) > 0, 1);
    assert_int_equal(vos_sys_capability_create(VOS_OBJ_DEVICE, 99, VOS_RIGHT_READ, console), ERR(VOS_ERR_NOT_FOUND));
    assert_int_equal(vos_sys_capability_create(VOS_OBJ_NONE, 1, VOS_RIGHT_READ, console), ERR(VOS_ERR_INVALID_PARAMETER));
}

#define T(name, fn) { name, fn, NULL, NULL, NULL }

static const struct CMUnitTest tests[] = {
    T("io.console_bootfs_and_pool", test_io),
    T("time.clock_and_nanosleep", test_time),
    T("capability.derive_validate_revoke_create", test_capabilities),
    T("memory.mmap_munmap_mprotect", test_memory),
    T("memory.shared_region_and_rights", test_shared_memory),
    T("thread.create_join_and_errors", test_threads),
#if defined(__x86_64__)
    T("thread.xmm7_kept_across_a_switch", test_vector_registers),
#endif
    T("process.exit_codes", test_process_exit_codes),
    T("process.faults_reported", test_process_faults),
    T("process.wait_and_start_errors", test_process_wait_errors),
    T("process.args_caps_and_refusals", test_process_args_and_caps),
    T("process_create.bad_elf_refused", test_bad_elf),
    T("process.churn_returns_every_byte", test_churn),
    T("process.quotas_refuse_only_the_hog", test_quotas),
};

/* What the suite takes from its start: the only use of the start info. */
static int setup_environment(const struct vos_start_info *si)
{
    console = vos_start_find_cap(si, VOS_OBJ_DEVICE);
    pool = vos_start_find_pool(si);
    bootfs_cap = vos_start_find_bootfs(si);
    self_cap = vos_start_find_cap(si, VOS_OBJ_PROCESS);
    return console && pool && bootfs_cap && self_cap && !vos_bootfs_open(&fs, bootfs_cap);
}

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct vos_start_info *si = vos_start_info();
    if (!setup_environment(si))
        return 100;
    int failed = _cmocka_run_group_tests("utest", tests, sizeof(tests) / sizeof(tests[0]), NULL, NULL);
    printf("utest: done, %d failed\n", failed);
    return failed ? 1 : 0;
}
