/*
 * vosfuzz — the in-guest syscall fuzzer (docs/reliability.md).
 *
 * As the first process it is the coordinator: for each seed it runs
 * workers (this program again, from the boot files) of VOSFUZZ_ROUND calls
 * each until VOSFUZZ_CALLS calls are made, and after each round checks that
 * the worker ended cleanly and that the kernel's free memory (PoolInfo:
 * free frames and free small-object memory) is exactly what it was after a
 * first, warm-up round: whatever a worker did, its end gives everything
 * back.  (The warm-up round is fuzzed and checked like the others; it lets
 * the kernel's one lasting cache reach its size: the tables of the
 * capability space that holds capabilities in flight.  A leak shows as a
 * loss that grows round after round.)
 *
 *   vosfuzz                      the coordinator (first process)
 *   vosfuzz worker SEED CALLS    one round (worker.c)
 *   vosfuzz peer SEED STEPS      the worker's IPC partner (peer.c)
 *   vosfuzz exit CODE            SYS_EXIT(CODE) at once
 *   vosfuzz texit CODE           SYS_THREAD_EXIT(CODE) from the only thread
 *   vosfuzz cycle|unstarted 0 0  a regression check of a leak it found (worker.c)
 *
 * A worker's capabilities: console, pool, boot files, and an endpoint on
 * which the coordinator sends it its own process capability (only a
 * process's parent can make one, after creating it).
 */
#include <stdlib.h>

#include "vosfuzz.h"

#ifndef VOSFUZZ_SEED
#define VOSFUZZ_SEED 1
#endif
#ifndef VOSFUZZ_SEEDS
#define VOSFUZZ_SEEDS 3
#endif
#ifndef VOSFUZZ_CALLS
#define VOSFUZZ_CALLS 34000 /* per seed */
#endif
#ifndef VOSFUZZ_FIRST_ROUND
#define VOSFUZZ_FIRST_ROUND 0 /* to replay one round of a campaign: its number */
#endif
#ifndef VOSFUZZ_ROUND
#define VOSFUZZ_ROUND 8500  /* calls per worker */
#endif

static struct fz fz;

struct coordinator {
    vos_cap_t console, pool, self, worker_ep;
    vos_chan_t to_worker;
    vos_any_t give[5];
    struct fz_ring *ring; /* the worker's last calls, shared */
    struct vos_bootfs fs;
};

static uint64_t free_bytes(struct coordinator *co)
{
    struct vos_pool_info info;
    if (vos_sys_read(co->pool, &info, sizeof(info), 0) != sizeof(info))
        fz_fail(&fz, "cannot read the pool");
    return info.free_bytes;
}

static vos_any_t narrow(vos_cap_t cap, uint64_t rights)
{
    vos_any_t out;
    vos_status_t st = vos_cap_derive((vos_any_t){ cap }, rights, &out);
    if (st)
        fz_fail(&fz, "derive: %s", vos_status_name(st));
    return out;
}

static void coordinator_setup(struct coordinator *co, const struct vos_start_info *si)
{
    struct vos_cap_info self;
    co->pool = vos_start_find_pool(si);
    vos_ep_t src, dst;
    if (vos_start_lookup(si, VOS_OBJ_PROCESS, VOS_RIGHT_DERIVE, &self) || vos_bootfs_open(&co->fs, vos_start_find_bootfs(si)) ||
        vos_endpoint_create(&src) || vos_endpoint_create(&dst) ||
        vos_channel_create(src, dst, (vos_any_t){ self.token }, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT, &co->to_worker))
        fz_fail(&fz, "setting up the coordinator");
    co->self = self.token;
    co->give[0] = narrow(co->console, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE);
    co->give[1] = (vos_any_t){ co->pool };
    co->give[2] = narrow(co->fs.cap, VOS_RIGHT_READ | VOS_RIGHT_EXECUTE | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE);
    co->give[3] = narrow(dst.cap, VOS_RIGHT_READ | VOS_RIGHT_GRANT);
    vos_mem_t region;
    void *at;
    if (vos_mem_carve((vos_mem_t){ co->pool }, sizeof(struct fz_ring), VOS_RIGHT_ALL, &region) ||
        vos_mmap(0, sizeof(struct fz_ring), VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED, region, 0, &at))
        fz_fail(&fz, "setting up the shared ring");
    co->ring = at;
    co->give[4] = narrow(region.cap, VOS_RIGHT_READ | VOS_RIGHT_WRITE | VOS_RIGHT_GRANT);
    /* The capability slot each round mints and revokes exists from now on. */
    vos_cap_revoke(narrow(co->self, VOS_RIGHT_READ));
}

/* One worker: created, handed its own process capability, started, waited for, checked.
 * Returns 1 on a finding (reported), with *free0 moved to what is free now. */
static unsigned round_run(struct coordinator *co, const char *role, uint64_t seed, uint64_t calls, uint64_t *free0)
{
    char s_seed[24], s_calls[24], how[80];
    vos_snprintf(s_seed, sizeof(s_seed), "%lu", (unsigned long)seed);
    vos_snprintf(s_calls, sizeof(s_calls), "%lu", (unsigned long)calls);
    const char *argv[] = { "vosfuzz", role, s_seed, s_calls };
    const void *elf;
    uint64_t size;
    struct vos_spawn sp = { argv, 4, co->give, 5 };
    vos_proc_t p;
    vos_any_t mine;
    struct vos_process_exit_info info;
    vos_status_t st = vos_bootfs_find(&co->fs, "vosfuzz", &elf, &size);
    if (!st)
        st = vos_process_create(elf, size, &sp, &p);
    if (!st)
        st = vos_cap_create(VOS_OBJ_PROCESS, p.pid, VOS_RIGHT_ALL, (vos_any_t){ co->self }, &mine);
    if (!st)
        st = vos_send(co->to_worker, "s", 1, mine);
    if (!st)
        st = vos_process_start(p);
    if (!st)
        st = vos_process_wait(p, VOS_TIMEOUT_INFINITE, &info);
    if (st)
        fz_fail(&fz, "running worker %lu: %s", (unsigned long)seed, vos_status_name(st));
    vos_cap_revoke(mine);
    unsigned found = 0;
    if (info.reason != VOS_EXIT_CODE || info.code) {
        if (info.reason != VOS_EXIT_CODE)
            fz_ring_print(co->console, co->ring); /* it could not say what it was doing */
        vos_printf(co->console, "vosfuzz: FAIL: %s seed %lu %s\n", role, (unsigned long)seed,
                   vos_exit_describe(&info, how, sizeof(how)));
        found = 1;
    }
    uint64_t now = free_bytes(co);
    if (*free0 && now != *free0) {
        vos_printf(co->console, "vosfuzz: FAIL: %s seed %lu: %ld bytes of memory did not come back (%lu free before, "
                   "%lu after)\n", role, (unsigned long)seed, (long)(*free0 - now), (unsigned long)*free0,
                   (unsigned long)now);
        found = 1;
    }
    if (found) {
        vos_printf(co->console, "vosfuzz: reproduce: -DVOS_FUZZ_SEED=%lu (round %lu), the same kernel, under -icount\n",
                   (unsigned long)(seed >> 20), (unsigned long)(seed & 0xfffff));
        *free0 = now;
    }
    return found;
}

static int coordinator(const struct vos_start_info *si)
{
    static struct coordinator co;
    co.console = fz.console;
    coordinator_setup(&co, si);
    uint64_t before = free_bytes(&co), total = 0, t0 = vos_now_ns();
    vos_printf(co.console, "vosfuzz: starting: seeds %lu..%lu, %lu calls each in rounds of %lu; %lu bytes free\n",
               (unsigned long)VOSFUZZ_SEED, (unsigned long)(VOSFUZZ_SEED + VOSFUZZ_SEEDS - 1),
               (unsigned long)VOSFUZZ_CALLS, (unsigned long)VOSFUZZ_ROUND, (unsigned long)before);
    fz.seed = VOSFUZZ_SEED << 20 | 0xfffff;
    uint64_t free0 = 0;
    unsigned failed = round_run(&co, "worker", fz.seed, VOSFUZZ_ROUND, &free0);
    free0 = free_bytes(&co);
    /* Two leaks it found, checked directly: a capability cycle through a queued
     * message, and a child never started whose parent ends. */
    failed += round_run(&co, "cycle", 0, 0, &free0);
    failed += round_run(&co, "unstarted", 0, 0, &free0);
    vos_printf(co.console, "vosfuzz: warm-up round: the kernel keeps %lu bytes of caches; %lu bytes free\n",
               (unsigned long)(before - free0), (unsigned long)free0);
    for (uint64_t seed = VOSFUZZ_SEED; seed < VOSFUZZ_SEED + VOSFUZZ_SEEDS; seed++) {
        for (uint64_t done = 0, round = VOSFUZZ_FIRST_ROUND; done < VOSFUZZ_CALLS; done += VOSFUZZ_ROUND, round++) {
            fz.seed = seed << 20 | round;
            failed += round_run(&co, "worker", fz.seed, MIN(VOSFUZZ_ROUND, VOSFUZZ_CALLS - done), &free0);
            total += MIN(VOSFUZZ_ROUND, VOSFUZZ_CALLS - done);
            if (round % 64 == 63)
                vos_printf(co.console, "vosfuzz: seed %lu: %lu calls so far\n", (unsigned long)seed,
                           (unsigned long)(done + VOSFUZZ_ROUND));
        }
        vos_printf(co.console, "vosfuzz: seed %lu: %lu calls, %u findings so far\n", (unsigned long)seed,
                   (unsigned long)VOSFUZZ_CALLS, failed);
    }
    uint64_t ns = vos_now_ns() - t0;
    vos_printf(co.console, "vosfuzz: done: %lu calls in %lu ms of guest time (%lu calls per guest second), %u failed\n",
               (unsigned long)total, (unsigned long)(ns / 1000000), (unsigned long)(ns ? total * 1000000000 / ns : 0),
               failed);
    return failed ? 1 : 0;
}

static uint64_t number(const char *s)
{
    return (uint64_t)strtoull(s, NULL, 10);
}

int main(int argc, char **argv)
{
    const struct vos_start_info *si = vos_start_info();
    fz.console = vos_start_find_cap(si, VOS_OBJ_DEVICE);
    /* The first process is the coordinator: its arguments are the kernel's (uart=, dev=), never a role. */
    fz.role = argc > 1 && !strchr(argv[1], '=') ? argv[1] : "coordinator";
    if (argc < 3 || !strcmp(fz.role, "coordinator"))
        return coordinator(si);
    int64_t arg = (int64_t)strtoll(argv[2], NULL, 10);
    if (!strcmp(fz.role, "exit"))
        vos_sys_exit((int32_t)arg);
    if (!strcmp(fz.role, "texit"))
        vos_sys_thread_exit((int32_t)arg);
    fz.seed = fz.rng.s = (uint64_t)arg;
    fz.calls = argc > 3 ? number(argv[3]) : 0;
    if (!strcmp(fz.role, "worker"))
        return fz_worker(&fz, si);
    if (!strcmp(fz.role, "cycle"))
        return fz_cycle(&fz, si);
    if (!strcmp(fz.role, "unstarted"))
        return fz_unstarted(&fz, si);
    if (!strcmp(fz.role, "peer")) {
        fz.rng.s ^= 0x7065657200000000ull;
        return fz_peer(&fz, si, fz.calls);
    }
    return 2;
}
