/*
 * sse_probe.h — a value kept in xmm15 across IPC (x86_64).
 *
 * x86_64 switches the SSE registers lazily (arch/x86_64/README.md): a
 * thread that does not own them runs with CR0.TS set and takes #NM at its
 * first SSE instruction.  The register fast path decides that ownership on
 * every switch, so ipctest's client and ipcpeer's shortecho server each
 * keep a value of their own in xmm15 around every register call and check
 * it survived: seeing the other's value (or anything else) fails the test.
 * Other arches give user code no vector registers, so there the probe
 * keeps the value in memory and the check cannot fail.
 */
#pragma once

#include <stdint.h>

#if defined(__x86_64__)
static inline void sse_probe_set(uint64_t v)
{
    __asm__ volatile("movq %0, %%xmm15" : : "r"(v) : "xmm15");
}
static inline uint64_t sse_probe_get(void)
{
    uint64_t v;
    __asm__ volatile("movq %%xmm15, %0" : "=r"(v));
    return v;
}
#else
static uint64_t sse_probe_value;
static inline void sse_probe_set(uint64_t v) { sse_probe_value = v; }
static inline uint64_t sse_probe_get(void) { return sse_probe_value; }
#endif
