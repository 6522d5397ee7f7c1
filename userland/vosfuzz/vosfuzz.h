/*
 * vosfuzz.h — the in-guest syscall fuzzer's shared pieces (docs/reliability.md).
 *
 * One program, four roles (main.c): the coordinator (first process: runs
 * workers round by round and checks that every byte of memory comes back),
 * the worker (worker.c: builds real objects, then makes random calls), the
 * peer (peer.c: a second process doing IPC with the worker) and the exiter
 * (a child that only exits, so SYS_EXIT's codes are checked through wait).
 *
 * Invariants the fuzzer keeps for itself, so that no random call can hurt
 * it: pointers the kernel writes through are the scratch area or invalid;
 * munmap/mprotect only touch the arena or mappings the fuzz made; new
 * threads only start at slot_entry on a free slot stack; the tokens it
 * fuzzes with are derived copies, never its own originals.  Every call's
 * description comes from the generated spec table (conf_syscalls in
 * conformance_cases.h), never from a hand-written list.
 */
#pragma once

#include <vos/vos.h>

#include "conformance_cases.h"

#define FZ_POOL 96     /* tokens the fuzz draws from */
#define FZ_FIXED 16    /* of which the first ones are re-derived when revoked */
#define FZ_REVOKED 32  /* tokens known dead */
#define FZ_MAPS 32     /* mappings the fuzz made */
#define FZ_IDS 16      /* pids, tids */
#define FZ_SLOTS 8     /* disposable threads */
#define FZ_SLOT_STACK (16 * 1024)
#define FZ_SCRATCH (64 * 1024)
#define FZ_RING 64

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define ARRAY_LEN(x) (sizeof(x) / sizeof((x)[0]))

/* splitmix64: a deterministic stream per seed. */
struct rng {
    uint64_t s;
};
static inline uint64_t rnd(struct rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static inline uint64_t below(struct rng *r, uint64_t n) { return n ? rnd(r) % n : 0; }
static inline int chance(struct rng *r, unsigned pct) { return below(r, 100) < pct; }

struct tok {
    uint64_t token, id;
    uint32_t type; /* VOS_OBJ_*, or VOS_OBJ_NONE when unknown */
};

/* One call: the syscall's index in conf_syscalls (-1: a number the spec does not define). */
struct call {
    int idx;
    uint64_t nr;
    uint64_t a[CONF_MAX_ARGS];
    int64_t duration[2]; /* SYS_NANOSLEEP's Timespec: here, where no other thread or call writes */
};

struct fz_ring_entry {
    uint64_t seq, nr, a[CONF_MAX_ARGS];
    int64_t w;
    uint32_t who, pending; /* pending: the call has not returned (yet) */
};
struct fz_ring {
    uint64_t next;
    struct fz_ring_entry e[FZ_RING];
};

struct slot {
    volatile int busy;
    int age;
    vos_tid_t tid;
    uint64_t wake_cap;  /* revoking it wakes the thread (0: none) */
    int32_t code;       /* what it exits with, what join must return */
    struct rng rng;
    struct call c;
    struct vos_ipc_short_message msg;
    uint8_t *stack;
};

struct fz {
    struct rng rng;
    vos_cap_t console;
    const char *role;
    uint64_t seed, calls;
    struct tok pool[FZ_POOL];
    vos_cap_t orig[FZ_FIXED];   /* private originals the fixed tokens are derived from */
    uint64_t orig_rights[FZ_FIXED];
    unsigned npool, nfixed;
    uint64_t revoked[FZ_REVOKED];
    unsigned nrevoked;
    struct { uint64_t addr, len; } maps[FZ_MAPS];
    unsigned nmaps;
    uint64_t pids[FZ_IDS], hostile[FZ_IDS], tids[FZ_IDS];
    unsigned npids, nhostile, ntids;
    uint64_t arena_lo, arena_hi;
    uint8_t *scratch;           /* FZ_SCRATCH bytes; the page after it is inaccessible */
    uint8_t *elfbuf;            /* hostile ELF images are built here */
    const uint8_t *elf;         /* a real ELF from the boot files */
    uint64_t elf_len;
    struct slot slots[FZ_SLOTS];
    vos_cap_t self;             /* the process's own capability (to make channel capabilities) */
    uint64_t own_pid, main_tid;
    uint64_t done;              /* calls made */
};

/* fuzz.c */
void fz_lock(void);
void fz_unlock(void);
void fz_pool_add(struct fz *f, uint64_t token, uint32_t type, uint64_t id);
void fz_gen(struct fz *f, struct rng *r, struct call *c);
int64_t fz_invoke(const struct call *c, uint64_t *ret);
int fz_allowed(const struct call *c, int64_t w);
struct fz_ring_entry *fz_record(struct fz *f, unsigned who, const struct call *c);
void fz_record_end(struct fz_ring_entry *e, int64_t w);
void fz_ring_attach(void *mem);
void fz_ring_print(vos_cap_t console, const struct fz_ring *rg);
void fz_harvest(struct fz *f, const struct call *c, int64_t w, const uint64_t *ret);
_Noreturn void fz_fail(struct fz *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fz_timeout_arg(const struct call *c);
int fz_cap_arg(const struct call *c);
const struct conf_syscall *fz_spec(const struct call *c);
int fz_find(uint64_t nr);

/* worker.c, peer.c */
int fz_worker(struct fz *f, const struct vos_start_info *si);
int fz_cycle(struct fz *f, const struct vos_start_info *si);
int fz_unstarted(struct fz *f, const struct vos_start_info *si);
int fz_peer(struct fz *f, const struct vos_start_info *si, uint64_t steps);
