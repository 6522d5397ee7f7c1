/*
 * vosbench: guest-instruction costs of the kernel's basic operations.
 *
 * Run by the `bench` target of each preset as the first process of
 * kernel-bench, under `qemu -icount shift=0`, where vos_cycles() counts
 * instructions exactly, so every figure is the same on every run.  Each
 * figure is the median-free plain average of a loop, minus the cost of the
 * empty loop, rounded down.  Results are printed as
 * "bench: <operation>: <N> instructions" and recorded in docs/performance.md.
 *
 *   vosbench              the benchmarks (as init)
 *   vosbench yield N         child mode: yield N times, then exit
 */
#include <vos/libsys.h>
#include <vos/syscalls.h>

#define ROUNDS 2000

static vos_cap_t console, pool, bootfs_cap;
static struct vos_bootfs fs;
static uint64_t loop_cost;

static void report(const char *what, uint64_t total, uint64_t n)
{
    uint64_t per = total / n;
    per = per > loop_cost ? per - loop_cost : 0;
    vos_printf(console, "bench: %s: %lu instructions\n", what, (unsigned long)per);
}

static uint64_t time_empty_loop(void)
{
    uint64_t t0 = vos_cycles();
    for (volatile int i = 0; i < ROUNDS; i++)
        ;
    return (vos_cycles() - t0) / ROUNDS;
}

static void bench_null(const char *label)
{
    uint64_t args[8] = { 0 }, ret[4];
    uint64_t t0 = vos_cycles();
    for (volatile int i = 0; i < ROUNDS; i++)
        vos_syscall_raw(1000, args, ret); /* an unknown number: trap, dispatch, error, return */
    report(label, vos_cycles() - t0, ROUNDS);
}

static void bench_validate(const char *label)
{
    uint64_t t0 = vos_cycles();
    for (volatile int i = 0; i < ROUNDS; i++)
        vos_sys_capability_validate(console, VOS_RIGHT_WRITE);
    report(label, vos_cycles() - t0, ROUNDS);
}

static void bench_map_touch_unmap(void)
{
    uint64_t t0 = vos_cycles();
    for (volatile int i = 0; i < ROUNDS; i++) {
        int64_t a = vos_sys_mmap(0, VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE,
                                 VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, VOS_CAP_NULL, 0);
        *(volatile char *)(uintptr_t)a = 1;
        vos_sys_munmap((uint64_t)a, VOS_PAGE_SIZE);
    }
    report("mmap + touch + munmap (4 KiB)", vos_cycles() - t0, ROUNDS);
}

/* Two processes alternating SYS_YIELD: each of our yields is two switches. */
static void bench_process_switch(void)
{
    const void *data;
    uint64_t size;
    if (vos_bootfs_find(&fs, "vosbench", &data, &size))
        return;
    const char *argv[] = { "vosbench", "yield", "100000000" };
    int64_t pid = vos_sys_process_create(data, size, argv, 3, NULL, 0);
    vos_sys_process_start((uint64_t)pid);
    vos_sys_yield(); /* let it start */
    uint64_t t0 = vos_cycles();
    for (volatile int i = 0; i < ROUNDS; i++)
        vos_sys_yield();
    report("context switch (2 processes yielding, per switch)", (vos_cycles() - t0) / 2, ROUNDS);
    /* The child cannot be stopped from outside; it ends when its count runs out,
     * so the benchmark ends by powering off with it still runnable. */
    (void)pid;
}

/* Threads yielding in a ring: with n threads each of our yields is n switches. */
static volatile int stop_spinners;

static void spinner(uint64_t arg)
{
    (void)arg;
    while (!stop_spinners)
        vos_sys_yield();
    vos_sys_thread_exit(0);
}

static void bench_thread_switch(unsigned nthreads)
{
    uint64_t stack_size = 4096;
    uint8_t *stacks = (uint8_t *)(uintptr_t)vos_sys_mmap(0, nthreads * stack_size, VOS_PROT_READ | VOS_PROT_WRITE,
                                                          VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS, 0, 0);
    static int64_t tids[1000];
    stop_spinners = 0;
    for (unsigned i = 0; i + 1 < nthreads; i++)
        tids[i] = vos_sys_thread_create((uint64_t)(uintptr_t)spinner, (uint64_t)(uintptr_t)(stacks + i * stack_size),
                                        stack_size, 0);
    vos_sys_yield();
    unsigned rounds = nthreads > 10 ? 20 : ROUNDS;
    uint64_t t0 = vos_cycles();
    for (volatile unsigned i = 0; i < rounds; i++)
        vos_sys_yield();
    uint64_t total = vos_cycles() - t0;
    stop_spinners = 1;
    for (unsigned i = 0; i + 1 < nthreads; i++)
        vos_sys_thread_join((uint64_t)tids[i], VOS_TIMEOUT_INFINITE);
    vos_sys_munmap((uint64_t)(uintptr_t)stacks, nthreads * stack_size);
    char label[80];
    vos_snprintf(label, sizeof(label), "context switch (%u runnable threads, per switch)", nthreads);
    report(label, total / nthreads, rounds);
}

static void hold_capabilities(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (vos_sys_capability_derive(console, VOS_RIGHT_WRITE) < 0) {
            vos_printf(console, "bench: could only derive %u capabilities\n", i);
            return;
        }
}

int main(const struct vos_start_info *si)
{
    const char *const *argv = (const char *const *)(uintptr_t)si->argv;
    if (si->argc == 3 && !strcmp(argv[1], "yield")) {
        for (long n = 0, max = 100000000; n < max; n++)
            vos_sys_yield();
        return 0;
    }
    console = vos_start_find_cap(si, VOS_OBJ_DEVICE);
    pool = vos_start_find_pool(si);
    bootfs_cap = vos_start_find_bootfs(si);
    if (!console || !bootfs_cap || vos_bootfs_open(&fs, bootfs_cap))
        return 100;
    loop_cost = time_empty_loop();
    vos_printf(console, "bench: empty loop: %lu instructions per round (subtracted)\n", (unsigned long)loop_cost);

    hold_capabilities(10 - (unsigned)si->cap_count); /* 10 in all, to compare with 100,000 */
    bench_null("null syscall round trip (10 capabilities held)");
    bench_validate("SYS_CAPABILITY_VALIDATE (10 capabilities held)");
    bench_map_touch_unmap();
    bench_thread_switch(2);
    bench_thread_switch(1000);
    hold_capabilities(100000);
    bench_null("null syscall round trip (100,000 capabilities held)");
    bench_validate("SYS_CAPABILITY_VALIDATE (100,000 capabilities held)");
    bench_process_switch();
    vos_puts(console, "bench: done\n");
    return 0;
}
