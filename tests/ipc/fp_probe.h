/*
 * fp_probe.h — floating point in ipctest and ipcpeer: a value kept in one
 * FP/SIMD register across IPC, the rounding mode, and a chain of double
 * operations whose bits depend on both.
 *
 * Every arch switches the FP/SIMD registers lazily (docs/abi.md, "Floating
 * point"): a thread that does not own them traps at its first FP
 * instruction, and only then is the owner's state saved and its own
 * loaded.  The register fast path and the general switch must get that
 * right on every switch, so ipctest's client and ipcpeer's shortecho
 * server each keep a value of their own in the probe register (xmm15,
 * d15, fs11) around every register call, and several threads in several
 * processes, each with its own rounding mode, run the chain under
 * preemption and IPC: seeing another thread's register or rounding mode
 * changes the bits.  The probe register is one the syscall ABI keeps
 * (spec/arch.yaml), and the compiler leaves it alone between set and get.
 */
#pragma once

#include <stdint.h>

#pragma STDC FP_CONTRACT OFF /* the same operations, so the same bits, in every caller */

/* Rounding modes, in the encoding of the arch's control register (set below). */
enum fp_rounding { FP_NEAREST, FP_UP, FP_DOWN, FP_TOWARD_ZERO };

#if defined(__x86_64__)
static inline void fp_probe_set(uint64_t v) { __asm__ volatile("movq %0, %%xmm15" : : "r"(v) : "xmm15"); }
static inline uint64_t fp_probe_get(void)
{
    uint64_t v;
    __asm__ volatile("movq %%xmm15, %0" : "=r"(v));
    return v;
}
static const unsigned rc_bits[] = { 0, 2, 1, 3 }; /* MXCSR.RC: nearest, down, up, zero */
static inline void fp_set_rounding(enum fp_rounding r)
{
    uint32_t csr;
    __asm__ volatile("stmxcsr %0" : "=m"(csr));
    csr = (csr & ~(3u << 13)) | rc_bits[r] << 13;
    __asm__ volatile("ldmxcsr %0" : : "m"(csr));
}
static inline enum fp_rounding fp_get_rounding(void)
{
    uint32_t csr;
    __asm__ volatile("stmxcsr %0" : "=m"(csr));
    return (enum fp_rounding)rc_bits[csr >> 13 & 3]; /* the table is its own inverse */
}
#elif defined(__aarch64__)
static inline void fp_probe_set(uint64_t v) { __asm__ volatile("fmov d15, %0" : : "r"(v) : "d15"); }
static inline uint64_t fp_probe_get(void)
{
    uint64_t v;
    __asm__ volatile("fmov %0, d15" : "=r"(v));
    return v;
}
static const unsigned rmode_bits[] = { 0, 1, 2, 3 }; /* FPCR.RMode: RN, RP, RM, RZ */
static inline void fp_set_rounding(enum fp_rounding r)
{
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    fpcr = (fpcr & ~(3ull << 22)) | (uint64_t)rmode_bits[r] << 22;
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
}
static inline enum fp_rounding fp_get_rounding(void)
{
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    return (enum fp_rounding)(fpcr >> 22 & 3);
}
#elif defined(__riscv)
static inline void fp_probe_set(uint64_t v) { __asm__ volatile("fmv.d.x fs11, %0" : : "r"(v) : "fs11"); }
static inline uint64_t fp_probe_get(void)
{
    uint64_t v;
    __asm__ volatile("fmv.x.d %0, fs11" : "=r"(v));
    return v;
}
static const unsigned frm_bits[] = { 0, 3, 2, 1 }; /* frm: RNE, RUP, RDN, RTZ */
static inline void fp_set_rounding(enum fp_rounding r) { __asm__ volatile("fsrm %0" : : "r"(frm_bits[r])); }
static inline enum fp_rounding fp_get_rounding(void)
{
    uint64_t frm;
    __asm__ volatile("frrm %0" : "=r"(frm));
    return (enum fp_rounding)frm_bits[frm & 3]; /* the table is its own inverse */
}
#endif

/*
 * ipcpeer fpwork: rounds of steps per thread.  Round 0 is long (some 6
 * million instructions a thread, with no syscall in it): the four threads'
 * round 0 together outlasts two 10 ms time slices even at a billion guest
 * instructions a second, so the timer preempts them in the middle of their
 * arithmetic; the other rounds are short, with a register call after each.
 */
enum { FP_ROUNDS = 24, FP_STEPS = 20000, FP_LONG_STEPS = 500000 };

static inline unsigned fp_round_steps(uint64_t round) { return round ? FP_STEPS : FP_LONG_STEPS; }

/* The state of a chain: x and a running sum, both rounded at every operation. */
struct fp_chain {
    double x, sum;
};

static inline void fp_chain_start(struct fp_chain *c, uint64_t seed)
{
    c->x = (double)(seed % 1000 + 1) / 3.0;
    c->sum = 0;
}

/* n more steps, numbered from first (each operation rounds, in the current mode). */
static inline void fp_chain_run(struct fp_chain *c, uint64_t first, unsigned n)
{
    double x = c->x, sum = c->sum;
    for (uint64_t i = first; i < first + n; i++) {
        x = x * 1.0000001 + 1.0 / (double)(i + 3);
        sum = sum + x / 7.0;
    }
    c->x = x;
    c->sum = sum;
}

static inline uint64_t fp_chain_bits(const struct fp_chain *c)
{
    union { double d; uint64_t u; } x = { c->x }, s = { c->sum };
    return x.u * 31 ^ s.u;
}
