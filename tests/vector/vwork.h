/*
 * vwork.h — what the vector suite (vector.c) and its peer processes
 * (vector-peer.c) share: the register-level pieces of vwork.S and the
 * computation every worker thread does.
 *
 * A worker (seed, variant) sets its vector configuration once
 * (vwork_setup: vl, vtype, vxrm, frm and three constant vector registers)
 * and then runs VWORK_BLOCKS blocks of vector and double arithmetic that
 * rely on that configuration never being reloaded: between blocks it
 * makes IPC calls, inside them it yields.  Whatever the kernel gets wrong
 * in saving and restoring the unit (a register, vl, vtype, vxrm/vxsat,
 * frm) changes the result, which must be bit-exact the same as the one
 * the suite computed alone beforehand.
 */
#pragma once

#include <stdint.h>
#include <vos/vos.h>

struct vwork {
    uint64_t acc[4];   /* integer accumulators (vl of them used) */
    uint64_t dbl[4];   /* double accumulators, as bits */
    uint64_t scalar;   /* a scalar double, as bits */
    uint64_t vl, vtype, vcsr, fcsr; /* vwork_final */
};
_Static_assert(sizeof(struct vwork) == 104, "vwork.S's offsets");

/* The vector state in memory: vl (v_around: the AVL to set), vtype, vcsr, vstart, then v0..v31. */
enum { VSTATE_HEAD = 4 };

void v_around(void (*fn)(void), const uint64_t *in, uint64_t *out);
void v_read(uint64_t *out);
void vwork_setup(uint64_t seed, uint64_t variant);
void vwork_block(struct vwork *w, uint64_t iterations, uint64_t yield_every, uint64_t variant, uint64_t yield_nr);
void vwork_final(struct vwork *w);
_Noreturn void v_fill_and_die(uint64_t byte, uint64_t fault, uint64_t thread_exit_nr);

enum { VWORK_BLOCKS = 12, VWORK_ITERATIONS = 3000, VWORK_YIELD_EVERY = 701 };

static inline void vwork_start(struct vwork *w, uint64_t seed, uint64_t variant)
{
    for (unsigned i = 0; i < 4; i++) {
        w->acc[i] = seed * (i + 1) + 0x9e3779b97f4a7c15ull;
        w->dbl[i] = 0x3ff0000000000000ull + ((uint64_t)(i + 1) << 44); /* 1.0625, 1.125, ... */
    }
    w->scalar = 0x3ff0000000000000ull;
    vwork_setup(seed, variant);
}

/* FNV-1a over the words: what a worker reports. */
static inline uint64_t vwork_hash(const struct vwork *w)
{
    const uint64_t *p = (const uint64_t *)w;
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned i = 0; i < sizeof(*w) / 8; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* The suite's reference: the same computation, alone, without yields. */
static inline uint64_t vwork_reference(uint64_t seed, uint64_t variant)
{
    struct vwork w;
    vwork_start(&w, seed, variant);
    for (unsigned b = 0; b < VWORK_BLOCKS; b++)
        vwork_block(&w, VWORK_ITERATIONS, 0, variant, VOS_SYS_YIELD);
    vwork_final(&w);
    return vwork_hash(&w);
}

/* The messages a worker sends its suite (SYS_IPC_CALL_SHORT, 64 bytes): w0 = worker, w1 = what, w2 = hash. */
enum { VWORK_PROGRESS = 1, VWORK_DONE = 2 };

/* A worker thread's life: its blocks, an IPC call to the suite after each, the hash last. 0 if every call went through. */
static inline int vwork_worker(uint64_t id, uint64_t seed, uint64_t variant, vos_cap_t channel)
{
    struct vwork w;
    struct vos_ipc_short_message m;
    vwork_start(&w, seed, variant);
    for (unsigned b = 0; b < VWORK_BLOCKS; b++) {
        vwork_block(&w, VWORK_ITERATIONS, VWORK_YIELD_EVERY, variant, VOS_SYS_YIELD);
        m.w0 = id, m.w1 = VWORK_PROGRESS, m.w2 = b;
        if (vos_sys_ipc_call_short(channel, 64, &m) != 64)
            return 1;
    }
    vwork_final(&w);
    m.w0 = id, m.w1 = VWORK_DONE, m.w2 = vwork_hash(&w);
    return vos_sys_ipc_call_short(channel, 64, &m) != 64;
}
