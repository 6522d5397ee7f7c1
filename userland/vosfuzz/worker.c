/*
 * worker.c — one round of fuzzing: build real objects, make random calls
 * from two threads while the peer process does IPC with us, then wait for
 * everything we started to end and exit (the coordinator then checks that
 * the kernel got every byte back).
 *
 * Calls that must not run on the main loop go elsewhere: SYS_EXIT with a
 * valid code to an exiter child, SYS_THREAD_EXIT and anything that may wait
 * forever (register calls, infinite timeouts) to a disposable thread on a
 * slot, woken if need be by revoking a capability derived just for it.
 */
#include "vosfuzz.h"

/* On x86_64 a new thread starts 8 bytes off the System V stack alignment. */
#if defined(__x86_64__)
#define THREAD_ENTRY __attribute__((force_align_arg_pointer, noreturn))
#else
#define THREAD_ENTRY __attribute__((noreturn))
#endif

#define RACER_STACK (32 * 1024)
#define RACER_STEPS 2000

enum { EP_WORKER, EP_PEER, CH_SELF, CH_TO_PEER, CH_PEER_TO_WORKER };

static struct fz *fzw;                  /* the worker's state, for thread entries */
static uint64_t ids[5];                 /* endpoint and channel ids, by the enum above */
static vos_cap_t caps[5];
static uint8_t *racer_stack;
static volatile int racer_running, stopping;
static struct rng racer_rng;
static struct { uint64_t pid; int32_t code; int used; } exiters[4];

static void need(struct fz *f, int64_t st, const char *what)
{
    if (st < 0)
        fz_fail(f, "setting up: %s: %s", what, vos_status_name(st));
}

static void check(struct fz *f, unsigned who, const struct call *c, int64_t w)
{
    if (!fz_allowed(c, w))
        fz_fail(f, "t%u: %s returned %ld (%s), which is not in its errors list", who,
                c->idx >= 0 ? conf_syscalls[c->idx].name : "an undefined number", (long)w, vos_status_name(w));
}

/* Make, record and check one call. */
static struct fz_ring_entry racer_last; /* the racer's last call, for when it does not stop */

static int64_t run(struct fz *f, unsigned who, const struct call *c, uint64_t *ret)
{
    struct fz_ring_entry *e = fz_record(f, who, c);
    if (who == 1)
        racer_last = *e;
    int64_t w = fz_invoke(c, ret);
    fz_record_end(e, w);
    if (who == 1)
        fz_record_end(&racer_last, w);
    f->done++;
    check(f, who, c, w);
    fz_harvest(f, c, w, ret);
    return w;
}

static struct call make(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
    struct call c = { .idx = fz_find(nr), .nr = nr, .a = { a0, a1, a2, a3, a4 } };
    return c;
}

/* ---- disposable threads ---- */

static THREAD_ENTRY void slot_entry(struct slot *s)
{
    uint64_t ret[4];
    run(fzw, (unsigned)s->tid, &s->c, ret); /* SYS_THREAD_EXIT ends the thread here */
    vos_sys_thread_exit(s->code);
}

static struct slot *slot_claim(struct fz *f)
{
    for (unsigned i = 0; i < FZ_SLOTS; i++) {
        int free = 0;
        if (__atomic_compare_exchange_n(&f->slots[i].busy, &free, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            f->slots[i].age = 0;
            f->slots[i].wake_cap = 0;
            return &f->slots[i];
        }
    }
    return NULL;
}

/* Remember an id in ids[1..FZ_IDS-1] (ids[0] is the racer's tid or the peer's pid). */
static void remember(uint64_t *ids_, unsigned *n, uint64_t id)
{
    static unsigned next;
    fz_lock();
    ids_[1 + next++ % (FZ_IDS - 1)] = id;
    if (*n < FZ_IDS)
        (*n)++;
    fz_unlock();
}

static void slot_started(struct fz *f, struct slot *s, int64_t w)
{
    if (w < 0) {
        s->busy = 0;
        return;
    }
    s->tid = (uint64_t)w;
    remember(f->tids, &f->ntids, s->tid);
}

/* Run c on a disposable thread; its first capability is replaced by a child we can revoke to wake it. */
static void divert(struct fz *f, unsigned who, struct call *c, struct rng *r)
{
    struct slot *s = slot_claim(f);
    if (!s)
        return;
    s->c = *c;
    for (unsigned i = 0; i < CONF_MAX_ARGS; i++)
        if (c->a[i] == (uint64_t)(uintptr_t)c->duration)
            s->c.a[i] = (uint64_t)(uintptr_t)s->c.duration; /* it lives in the call */
    s->code = (int32_t)(below(r, 1u << 31));
    const struct conf_syscall *sp = fz_spec(c);
    for (unsigned i = 0; sp && i < sp->nargs; i++)
        if (sp->args[i].fill == CONF_FILL_BUFFER && sp->message)
            s->c.a[i] = (uint64_t)(uintptr_t)&s->msg;
    int k = fz_cap_arg(c);
    if (k >= 0 && s->c.a[k]) {
        int64_t d = vos_sys_capability_derive(s->c.a[k], VOS_RIGHT_ALL & ~(uint64_t)VOS_RIGHT_DERIVE);
        if (d > 0)
            s->c.a[k] = s->wake_cap = (uint64_t)d;
    }
    if (c->nr == VOS_SYS_THREAD_EXIT)
        s->code = (int32_t)(s->c.a[0] &= 0x7fffffff); /* join's word 0 reads a negative code as an error (issue 15) */
    struct call tc = make(VOS_SYS_THREAD_CREATE, (uint64_t)(uintptr_t)slot_entry, (uint64_t)(uintptr_t)s->stack,
                          FZ_SLOT_STACK, (uint64_t)(uintptr_t)s, 0);
    uint64_t ret[4];
    slot_started(f, s, run(f, who, &tc, ret));
}

/* SYS_THREAD_CREATE from the fuzz: a real thread on a free slot, or a start that must fail. */
static void fuzz_thread_create(struct fz *f, unsigned who, struct call *c, struct rng *r)
{
    struct slot *s = chance(r, 60) ? slot_claim(f) : NULL;
    uint64_t ret[4];
    if (s) {
        fz_gen(f, r, &s->c);
        while (s->c.idx < 0 || conf_syscalls[s->c.idx].noreturn || conf_syscalls[s->c.idx].message ||
               (fz_timeout_arg(&s->c) >= 0 && s->c.a[fz_timeout_arg(&s->c)] == VOS_TIMEOUT_INFINITE) ||
               s->c.nr == VOS_SYS_THREAD_CREATE)
            fz_gen(f, r, &s->c);
        s->code = (int32_t)below(r, 1000);
        c->a[0] = (uint64_t)(uintptr_t)slot_entry;
        c->a[1] = (uint64_t)(uintptr_t)s->stack;
        c->a[2] = FZ_SLOT_STACK - below(r, 4) * 1024 - (chance(r, 10) ? below(r, 16) : 0);
        c->a[3] = (uint64_t)(uintptr_t)s;
        slot_started(f, s, run(f, who, c, ret));
        return;
    }
    /* Each must be refused: the entry is not executable, or the stack is not writable memory. */
    static struct slot dummy;
    uint64_t bad_entry[] = { 0, (uint64_t)(uintptr_t)f->scratch, 0xffffffc000001000ull, rnd(r) | (1ull << 63) };
    uint64_t bad_stack[] = { 0, (uint64_t)(uintptr_t)slot_entry & ~(VOS_PAGE_SIZE - 1), 0xffff800000000000ull,
                             rnd(r) | (1ull << 62) };
    if (chance(r, 50)) {
        c->a[0] = bad_entry[below(r, ARRAY_LEN(bad_entry))];
        c->a[1] = (uint64_t)(uintptr_t)f->slots[0].stack;
        c->a[2] = FZ_SLOT_STACK;
    } else {
        c->a[0] = (uint64_t)(uintptr_t)slot_entry;
        c->a[1] = bad_stack[below(r, ARRAY_LEN(bad_stack))];
        c->a[2] = chance(r, 70) ? FZ_SLOT_STACK : rnd(r);
    }
    c->a[3] = (uint64_t)(uintptr_t)&dummy;
    if (run(f, who, c, ret) >= 0)
        fz_fail(f, "SYS_THREAD_CREATE(%#lx, %#lx, %#lx) started a thread", (unsigned long)c->a[0],
                (unsigned long)c->a[1], (unsigned long)c->a[2]);
}

/* Collect finished disposable threads; wake the ones that waited long. */
static void slots_reap(struct fz *f, int final)
{
    for (unsigned i = 0; i < FZ_SLOTS; i++) {
        struct slot *s = &f->slots[i];
        if (!s->busy)
            continue;
        struct call c = make(VOS_SYS_THREAD_JOIN, s->tid, final ? 1000000 : 0, 0, 0, 0);
        uint64_t ret[4];
        int64_t w = run(f, 0, &c, ret);
        if (w == -VOS_ERR_TIMEOUT || w == -VOS_ERR_BUSY) { /* Busy: a random join waits for it too */
            if (++s->age == (final ? 1 : 64) && s->wake_cap) {
                struct call rv = make(VOS_SYS_CAPABILITY_REVOKE, s->wake_cap, 0, 0, 0, 0);
                run(f, 0, &rv, ret);
            }
            continue;
        }
        if (w >= 0 && w != s->code)
            fz_fail(f, "thread %lu exited with %d but join returned %ld", (unsigned long)s->tid, s->code, (long)w);
        s->busy = 0; /* joined, or joined by a random SYS_THREAD_JOIN first (NotFound): its stack is free */
    }
}

/* ---- exiters: SYS_EXIT's codes, seen through SYS_PROCESS_WAIT ---- */

static struct vos_bootfs bootfs;

static int spawn_exiter(struct fz *f, int32_t code)
{
    for (unsigned i = 0; i < ARRAY_LEN(exiters); i++) {
        if (exiters[i].used)
            continue;
        char arg[16];
        vos_snprintf(arg, sizeof(arg), "%d", code);
        const char *argv[] = { "vosfuzz", code & 1 ? "exit" : "texit", arg };
        struct vos_spawn sp = { argv, 3, NULL, 0 };
        vos_proc_t p;
        vos_status_t st = vos_process_spawn(&bootfs, &sp, &p);
        if (st == -VOS_ERR_RESOURCE_EXHAUSTED || st == -VOS_ERR_OUT_OF_MEMORY)
            return 0;
        need(f, st, "spawning an exiter");
        exiters[i].pid = p.pid;
        exiters[i].code = code;
        exiters[i].used = 1;
        remember(f->pids, &f->npids, p.pid);
        return 1;
    }
    return 0;
}

static void exiters_reap(struct fz *f, uint64_t timeout)
{
    for (unsigned i = 0; i < ARRAY_LEN(exiters); i++) {
        if (!exiters[i].used)
            continue;
        struct call c = make(VOS_SYS_PROCESS_WAIT, exiters[i].pid, timeout, 0, 0, 0);
        uint64_t ret[4];
        int64_t w = run(f, 0, &c, ret);
        if (w == -VOS_ERR_TIMEOUT)
            continue;
        if (w >= 0 && (ret[1] != VOS_EXIT_CODE || (int32_t)ret[2] != exiters[i].code))
            fz_fail(f, "child %lu exited with %d, wait says reason %lu code %#lx", (unsigned long)exiters[i].pid,
                    exiters[i].code, (unsigned long)ret[1], (unsigned long)ret[2]);
        exiters[i].used = 0;
    }
}

/* ---- one step of the fuzz, on any thread ---- */

static void step(struct fz *f, unsigned who, struct rng *r)
{
    struct call c;
    fz_gen(f, r, &c);
    const struct conf_syscall *s = fz_spec(&c);
    int32_t code = (int32_t)c.a[0];
    int valid_code = s && s->noreturn && (uint64_t)(int64_t)code == c.a[0];
    int t = fz_timeout_arg(&c);
    uint64_t ret[4];
    if (valid_code && c.nr == VOS_SYS_EXIT)
        spawn_exiter(f, code);
    else if (valid_code || (s && s->message))
        divert(f, who, &c, r);
    else if (t >= 0 && (c.a[t] == VOS_TIMEOUT_INFINITE || (c.nr == VOS_SYS_IPC_CALL && !c.a[t]))) {
        /* (A call with timeout 0 that meets a receiver waits for the reply without limit.) */
        if (fz_cap_arg(&c) >= 0)
            divert(f, who, &c, r);
        else {
            c.a[t] = 0;
            run(f, who, &c, ret);
        }
    } else if (c.nr == VOS_SYS_THREAD_CREATE)
        fuzz_thread_create(f, who, &c, r);
    else
        run(f, who, &c, ret);
}

/* ---- the racer: a second thread doing IPC with the main loop, revoking, exiting ---- */

static THREAD_ENTRY void racer_entry(struct fz *f)
{
    static uint8_t buf[512];
    uint64_t ret[4];
    for (unsigned i = 0; i < RACER_STEPS && !stopping; i++) {
        uint64_t k = below(&racer_rng, 100);
        struct call c;
        if (k < 25 || i == 0) {
            c = make(VOS_SYS_IPC_CALL, ids[CH_SELF], (uint64_t)(uintptr_t)buf, below(&racer_rng, 128),
                     (uint64_t)(uintptr_t)buf, sizeof(buf));
            c.a[5] = i == 0 ? 20000000 : 10000 + below(&racer_rng, 1000000); /* never 0: see step() */
            c.a[7] = caps[CH_SELF];
        } else if (k < 40)
            c = make(VOS_SYS_IPC_SEND, ids[CH_SELF], (uint64_t)(uintptr_t)buf, below(&racer_rng, 300), 0,
                     caps[CH_SELF]);
        else if (k < 50 && f->npool > f->nfixed)
            c = make(VOS_SYS_CAPABILITY_REVOKE, f->pool[f->nfixed + below(&racer_rng, FZ_POOL - f->nfixed)].token, 0, 0,
                     0, 0);
        else {
            step(f, 1, &racer_rng);
            continue;
        }
        run(f, 1, &c, ret);
    }
    racer_running = 0;
    vos_sys_thread_exit(0);
}

static void racer_start(struct fz *f)
{
    struct call c = make(VOS_SYS_THREAD_CREATE, (uint64_t)(uintptr_t)racer_entry, (uint64_t)(uintptr_t)racer_stack,
                         RACER_STACK, (uint64_t)(uintptr_t)f, 0);
    uint64_t ret[4];
    racer_running = 1;
    int64_t w = run(f, 0, &c, ret);
    if (w < 0) {
        racer_running = 0;
        return;
    }
    f->tids[0] = (uint64_t)w;
}

/* Join the racer if it ended (or wait for it, when stopping); start another. */
static void racer_tend(struct fz *f, int final)
{
    for (unsigned i = 0; final && racer_running && i < 1000000; i++)
        vos_yield();
    if (racer_running) {
        if (final)
            fz_fail(f, "the racer did not stop (hung?); its last call: %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) %s %ld",
                    racer_last.nr < VOS_SYSCALL_TABLE_SIZE && fz_find(racer_last.nr) >= 0
                        ? conf_syscalls[fz_find(racer_last.nr)].name : "?",
                    (unsigned long)racer_last.a[0], (unsigned long)racer_last.a[1], (unsigned long)racer_last.a[2],
                    (unsigned long)racer_last.a[3], (unsigned long)racer_last.a[4], (unsigned long)racer_last.a[5],
                    racer_last.pending ? "has not returned" : "returned", (long)racer_last.w);
        return;
    }
    struct call c = make(VOS_SYS_THREAD_JOIN, f->tids[0], final ? 100000000 : 0, 0, 0, 0);
    uint64_t ret[4];
    int64_t w = run(f, 0, &c, ret);
    if (w == -VOS_ERR_TIMEOUT || w == -VOS_ERR_BUSY) { /* not quite gone, or a random join waits for it too */
        if (final)
            fz_fail(f, "the racer ended but cannot be joined");
        return; /* its stack is not free yet */
    }
    if (w > 0)
        fz_fail(f, "the racer exited with 0, join returned %ld", (long)w);
    if (!final)
        racer_start(f);
}

/* ---- set-up ---- */

static uint64_t map_anon(struct fz *f, uint64_t len)
{
    int64_t a = vos_sys_mmap(0, len, VOS_PROT_READ | VOS_PROT_WRITE,
                             VOS_MAP_PRIVATE | VOS_MAP_ANONYMOUS | VOS_MAP_POPULATE, 0, 0);
    need(f, a, "mmap");
    return (uint64_t)a;
}

static vos_cap_t derive(struct fz *f, vos_cap_t from, uint64_t rights)
{
    int64_t d = vos_sys_capability_derive(from, rights);
    need(f, d, "derive");
    return (vos_cap_t)d;
}

/* A token the fuzz may revoke: a copy, re-derived from the original whenever it dies. */
static void fixed(struct fz *f, vos_cap_t orig, uint64_t rights, uint32_t type, uint64_t id)
{
    f->orig[f->nfixed] = orig;
    f->orig_rights[f->nfixed] = rights;
    fz_pool_add(f, derive(f, orig, rights), type, id);
    f->nfixed++;
}

static void refresh_fixed(struct fz *f)
{
    for (unsigned i = 0; i < f->nfixed; i++)
        if (vos_sys_capability_validate(f->pool[i].token, 0) == -VOS_ERR_INVALID_CAPABILITY) {
            int64_t d = vos_sys_capability_derive(f->orig[i], f->orig_rights[i]);
            need(f, d, "re-deriving a revoked capability");
            f->pool[i].token = (uint64_t)d;
        }
}

/* The smallest program in the boot files: hostile images start from it. */
static void pick_elf(struct fz *f)
{
    const char *name;
    for (uint64_t i = 0; (name = vos_bootfs_name(&bootfs, i)); i++) {
        const void *data;
        uint64_t size;
        if (!vos_bootfs_find(&bootfs, name, &data, &size) && (!f->elf || size < f->elf_len)) {
            f->elf = data;
            f->elf_len = size;
        }
    }
    f->elfbuf = (uint8_t *)(uintptr_t)map_anon(f, f->elf_len);
}

static vos_cap_t channel(struct fz *f, unsigned from, unsigned to, unsigned as)
{
    int64_t id = vos_sys_ipc_channel_create(ids[from], ids[to], caps[from], caps[to]);
    need(f, id, "channel");
    int64_t cap = vos_sys_capability_create(VOS_OBJ_CHANNEL, (uint64_t)id, VOS_RIGHT_ALL, f->self);
    need(f, cap, "channel capability");
    ids[as] = (uint64_t)id;
    return caps[as] = (vos_cap_t)cap;
}

static void ipc_objects(struct fz *f)
{
    for (unsigned e = EP_WORKER; e <= EP_PEER; e++) {
        struct vos_endpoint_create_result r;
        need(f, vos_sys_ipc_endpoint_create(&r), "endpoint");
        ids[e] = r.endpoint_id;
        caps[e] = r.capability;
        fixed(f, caps[e], VOS_RIGHT_ALL, VOS_OBJ_ENDPOINT, ids[e]);
    }
    channel(f, EP_WORKER, EP_WORKER, CH_SELF);
    channel(f, EP_WORKER, EP_PEER, CH_TO_PEER);
    channel(f, EP_PEER, EP_WORKER, CH_PEER_TO_WORKER);
    fixed(f, caps[CH_SELF], VOS_RIGHT_ALL, VOS_OBJ_CHANNEL, ids[CH_SELF]);
    fixed(f, caps[CH_TO_PEER], VOS_RIGHT_ALL, VOS_OBJ_CHANNEL, ids[CH_TO_PEER]);
}

static void memory_objects(struct fz *f, vos_cap_t pool)
{
    int64_t region = vos_sys_capability_create(VOS_OBJ_MEMORY, 3 * VOS_PAGE_SIZE, VOS_RIGHT_ALL, pool);
    need(f, region, "carving a region");
    fixed(f, (vos_cap_t)region, VOS_RIGHT_ALL, VOS_OBJ_MEMORY, 0);
    need(f, vos_sys_mmap(0, 2 * VOS_PAGE_SIZE, VOS_PROT_READ, VOS_MAP_SHARED, (vos_cap_t)region, VOS_PAGE_SIZE),
         "mapping a region shared");
    need(f, vos_sys_mmap(0, 3 * VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_PRIVATE, (vos_cap_t)region, 0),
         "mapping a region private");
    fixed(f, pool, VOS_RIGHT_ALL, VOS_OBJ_MEMORY, 0);
    fixed(f, bootfs.cap, VOS_RIGHT_READ | VOS_RIGHT_EXECUTE | VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE, VOS_OBJ_MEMORY, 0);
}

/* Derived capabilities, some revoked: the revoked ones seed the dead-token list. */
static void cap_objects(struct fz *f)
{
    vos_cap_t d1 = derive(f, caps[EP_WORKER], VOS_RIGHT_ALL), d2 = derive(f, d1, VOS_RIGHT_READ | VOS_RIGHT_DERIVE);
    fz_pool_add(f, derive(f, d2, VOS_RIGHT_READ), VOS_OBJ_ENDPOINT, ids[EP_WORKER]);
    need(f, vos_sys_capability_revoke(d1), "revoke");
    f->revoked[f->nrevoked++] = d1;
    f->revoked[f->nrevoked++] = d2;
    fz_pool_add(f, derive(f, caps[CH_SELF], VOS_RIGHT_WRITE), VOS_OBJ_CHANNEL, ids[CH_SELF]);
    fixed(f, f->self, VOS_RIGHT_ALL, VOS_OBJ_PROCESS, f->own_pid);
}

static void start_peer(struct fz *f, vos_cap_t console)
{
    char seed[24], steps[24];
    vos_snprintf(seed, sizeof(seed), "%lu", (unsigned long)f->seed);
    vos_snprintf(steps, sizeof(steps), "%lu", (unsigned long)(f->calls / 8 + 1));
    const char *argv[] = { "vosfuzz", "peer", seed, steps };
    uint64_t keep = VOS_RIGHT_GRANT | VOS_RIGHT_DERIVE | VOS_RIGHT_REVOKE;
    vos_any_t give[] = { { derive(f, console, VOS_RIGHT_WRITE | VOS_RIGHT_GRANT) },
                         { derive(f, caps[EP_PEER], VOS_RIGHT_READ | keep) },
                         { derive(f, caps[CH_PEER_TO_WORKER], VOS_RIGHT_WRITE | keep) } };
    struct vos_spawn sp = { argv, 4, give, 3 };
    vos_proc_t p;
    need(f, vos_process_spawn(&bootfs, &sp, &p), "starting the peer");
    f->pids[f->npids++] = p.pid;
    int64_t pc = vos_sys_capability_create(VOS_OBJ_PROCESS, p.pid, VOS_RIGHT_ALL, f->self);
    need(f, pc, "peer's process capability");
    fz_pool_add(f, (uint64_t)pc, VOS_OBJ_PROCESS, p.pid);
}

/* A reply token: the racer's first call, received here. */
static void reply_token(struct fz *f)
{
    static uint8_t buf[512];
    struct vos_ipc_receive_result r;
    if (!vos_sys_ipc_receive(ids[EP_WORKER], buf, sizeof(buf), 100000000, caps[EP_WORKER], &r))
        fz_pool_add(f, r.reply_token, VOS_OBJ_REPLY, 0);
    int64_t tc = vos_sys_capability_create(VOS_OBJ_THREAD, f->tids[0], VOS_RIGHT_ALL, f->self);
    need(f, tc, "thread capability");
    fz_pool_add(f, (uint64_t)tc, VOS_OBJ_THREAD, f->tids[0]);
}

/* The arena: address space above everything of ours, where random unmaps may land. */
static void arena(struct fz *f)
{
    uint64_t probe = map_anon(f, VOS_PAGE_SIZE);
    need(f, vos_sys_munmap(probe, VOS_PAGE_SIZE), "munmap");
    f->arena_lo = (probe + (16ull << 20)) & ~((1ull << 20) - 1);
    f->arena_hi = f->arena_lo + (256ull << 20);
}

/* The coordinator sends us our own process capability before we start. */
static void receive_self(struct fz *f, const struct vos_start_info *si)
{
    const struct vos_cap_info *ci = vos_start_cap(si, 3);
    struct vos_ipc_receive_result r;
    static uint8_t buf[8];
    if (!ci || vos_sys_ipc_receive(ci->object_id, buf, sizeof(buf), 0, ci->token, &r) || !r.capability)
        fz_fail(f, "setting up: no process capability from the coordinator");
    f->self = r.capability;
}

static void setup(struct fz *f, const struct vos_start_info *si)
{
    receive_self(f, si);
    const struct vos_cap_info *rc = vos_start_cap(si, 4);
    int64_t shared = rc ? vos_sys_mmap(0, sizeof(struct fz_ring), VOS_PROT_READ | VOS_PROT_WRITE, VOS_MAP_SHARED,
                                       rc->token, 0) : -1;
    if (shared > 0)
        fz_ring_attach((void *)(uintptr_t)shared);
    f->own_pid = si->pid;
    need(f, vos_bootfs_open(&bootfs, vos_start_cap(si, 2)->token), "boot files");
    /* The page after the scratch area stays mapped but inaccessible, so that no
     * random mapping can fill it and a long write into the scratch area ends there. */
    f->scratch = (uint8_t *)(uintptr_t)map_anon(f, FZ_SCRATCH + VOS_PAGE_SIZE);
    need(f, vos_sys_mprotect((uint64_t)(uintptr_t)f->scratch + FZ_SCRATCH, VOS_PAGE_SIZE, VOS_PROT_NONE), "mprotect");
    uint8_t *stacks = (uint8_t *)(uintptr_t)map_anon(f, FZ_SLOTS * FZ_SLOT_STACK + RACER_STACK);
    for (unsigned i = 0; i < FZ_SLOTS; i++)
        f->slots[i].stack = stacks + i * FZ_SLOT_STACK;
    racer_stack = stacks + FZ_SLOTS * FZ_SLOT_STACK;
    pick_elf(f);
    ipc_objects(f);
    memory_objects(f, vos_start_cap(si, 1)->token);
    cap_objects(f);
    start_peer(f, f->console);
    f->ntids = 1;
    racer_rng.s = f->seed ^ 0x5eed;
    racer_start(f);
    reply_token(f);
    arena(f);
}

/* ---- the round ---- */

int fz_worker(struct fz *f, const struct vos_start_info *si)
{
    fzw = f;
    setup(f, si);
    while (f->done < f->calls) {
        step(f, 0, &f->rng);
        if ((f->done & 15) == 0) {
            slots_reap(f, 0);
            exiters_reap(f, 0);
            racer_tend(f, 0);
        }
        if ((f->done & 511) == 0)
            refresh_fixed(f);
    }
    stopping = 1;
    racer_tend(f, 1);
    for (unsigned i = 0; i < 64; i++) {
        slots_reap(f, 1);
        exiters_reap(f, 10000000);
    }
    /* The peer ends on its own, within its bounded timeouts. */
    struct call c = make(VOS_SYS_PROCESS_WAIT, f->pids[0], 0, 0, 0, 0);
    uint64_t ret[4];
    int64_t w = -VOS_ERR_TIMEOUT;
    for (unsigned i = 0; i < 200 && w == -VOS_ERR_TIMEOUT; i++) {
        c.a[1] = 50000000;
        w = run(f, 0, &c, ret);
    }
    if (w == -VOS_ERR_TIMEOUT)
        fz_fail(f, "the peer did not end (hung?)");
    if (w >= 0 && (ret[1] != VOS_EXIT_CODE || ret[2] != 0))
        fz_fail(f, "the peer ended with reason %lu code %#lx", (unsigned long)ret[1], (unsigned long)ret[2]);
    return 0;
}

/*
 * A message that carries a capability to the very endpoint it waits at,
 * then the process ends without receiving it: everything must still come
 * back (the coordinator checks), although the capability in flight could
 * keep the endpoint, and so itself, alive.
 */
int fz_cycle(struct fz *f, const struct vos_start_info *si)
{
    receive_self(f, si);
    ipc_objects(f);
    need(f, vos_sys_ipc_send(ids[CH_SELF], "x", 1, caps[EP_WORKER], caps[CH_SELF]), "send");
    return 0;
}

/* A child created and never started, then we end: it must go with us. */
int fz_unstarted(struct fz *f, const struct vos_start_info *si)
{
    receive_self(f, si);
    need(f, vos_bootfs_open(&bootfs, vos_start_cap(si, 2)->token), "boot files");
    const void *elf;
    uint64_t size;
    const char *argv[] = { "hello" };
    need(f, vos_bootfs_find(&bootfs, "hello", &elf, &size), "hello");
    need(f, vos_sys_process_create(elf, size, argv, 1, NULL, 0), "creating a child");
    return 0;
}
