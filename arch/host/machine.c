/*
 * machine.c — the host target's simulated hardware: physical memory,
 * console, clock and timer, and the register-level pieces of arch.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "host_machine.h"
#include "kernel.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define HOST_ASAN 1
#endif
#endif

#define ARENA_SIZE (HOST_RAM_SIZE + HOST_USER_POOL_SIZE)

static char *arena;
static size_t pool_used;

void host_machine_boot(struct boot_info *bi)
{
    if (!arena) {
        /* Untouched pages cost nothing, so the whole arena is cheap. */
        void *m = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED) {
            perror("arch/host: mmap arena");
            abort();
        }
        arena = m;
    }
    memset(bi, 0, sizeof(*bi));
    bi->ram[0] = (struct boot_range){ HOST_PHYS_BASE, ARENA_SIZE };
    bi->n_ram = 1;
    /* The user pool is like a loader module: RAM the frame allocator must not hand out. */
    bi->reserved[0] = (struct boot_range){ HOST_PHYS_BASE + HOST_RAM_SIZE, HOST_USER_POOL_SIZE };
    boot_add_window(bi, HOST_DEVICE_BASE, HOST_DEVICE_SIZE); /* the simulated devices' registers */
    bi->n_reserved = 1;
    bi->boot_path = "host";
}

void *arch_phys_to_virt(paddr_t pa)
{
    if (pa < HOST_PHYS_BASE || pa - HOST_PHYS_BASE >= ARENA_SIZE)
        panic("arch_phys_to_virt: %#lx is not RAM", (unsigned long)pa);
    return arena + (pa - HOST_PHYS_BASE);
}

paddr_t arch_virt_to_phys(const void *va)
{
    const char *p = va;
    if (p < arena || p >= arena + ARENA_SIZE)
        panic("arch_virt_to_phys: %p is not in the direct map", va);
    return HOST_PHYS_BASE + (paddr_t)(p - arena);
}

void *host_user_alloc(size_t bytes)
{
    size_t n = ALIGN_UP(bytes, PAGE_SIZE);
    if (n > HOST_USER_POOL_SIZE - pool_used)
        panic("host: user pool exhausted (%zu bytes wanted)", bytes);
    char *p = arena + HOST_RAM_SIZE + pool_used;
    pool_used += n;
    memset(p, 0, n);
    return p;
}

void host_user_pool_reset(void)
{
#ifdef HOST_ASAN
    /* Abandoned user stacks keep ASan's redzone marks; the memory is fresh again. */
    __asan_unpoison_memory_region(arena + HOST_RAM_SIZE, HOST_USER_POOL_SIZE);
#endif
    pool_used = 0;
}

/* ---- console ---- */

static char *out;
static size_t out_len, out_cap;
static int echo = -1; /* -1: not decided yet */

void arch_console_putc(char c)
{
    if (out_len + 2 > out_cap) {
        out_cap = out_cap ? 2 * out_cap : 4096;
        out = realloc(out, out_cap);
        if (!out)
            abort();
    }
    out[out_len++] = c;
    out[out_len] = 0;
    if (echo < 0)
        echo = getenv("VOS_HOST_ECHO") != NULL;
    if (echo)
        fputc(c, stderr);
}

const char *host_console_text(void) { return out ? out : ""; }
void host_console_clear(void) { out_len = 0; if (out) out[0] = 0; }
void host_console_echo(bool on) { echo = on; }

void arch_console_uart(struct arch_uart *out)
{
    *out = (struct arch_uart){ "host", false, 0, 0 }; /* the host target runs no user programs */
}

/* ---- time ---- */

static uint64_t now_ns, rtc_base_ns = 1767225600ull * 1000000000ull; /* 2026-01-01 */
static uint64_t deadline = UINT64_MAX;

uint64_t host_clock_now(void) { return now_ns; }
void host_clock_advance(uint64_t ns) { now_ns += ns; }
uint64_t host_timer_deadline(void) { return deadline; }
void host_set_rtc(uint64_t epoch_ns) { rtc_base_ns = epoch_ns; }

uint64_t arch_time_ns(void) { return now_ns; }
uint64_t arch_cycles(void) { return now_ns; } /* a 1 GHz machine */
uint64_t arch_realtime_ns(void) { return rtc_base_ns ? rtc_base_ns + now_ns : 0; }
void arch_timer_set(uint64_t deadline_ns) { deadline = deadline_ns; }

/* ---- user context registers ---- */

void arch_frame_init(struct trap_frame *f, uaddr_t pc, uaddr_t sp, uint64_t arg)
{
    memset(f, 0, sizeof(*f));
    f->pc = pc;
    f->sp = sp;
    f->a0 = arg;
}

uaddr_t arch_frame_pc(const struct trap_frame *f) { return f->pc; }

void arch_frame_dump(const struct trap_frame *f)
{
    kprintf("  nr %#lx  pc %#lx  sp %#lx\n", (unsigned long)f->nr, (unsigned long)f->pc, (unsigned long)f->sp);
    kprintf("  a0 %#lx  a1 %#lx  a2 %#lx  a3 %#lx  a4 %#lx  a5 %#lx\n", (unsigned long)f->a0, (unsigned long)f->a1,
            (unsigned long)f->a2, (unsigned long)f->a3, (unsigned long)f->a4, (unsigned long)f->a5);
    kprintf("  r0 %#lx  r1 %#lx  r2 %#lx  r3 %#lx\n", (unsigned long)f->r0, (unsigned long)f->r1,
            (unsigned long)f->r2, (unsigned long)f->r3);
}

/* ---- devices for drivers: a simulated interrupt controller, device window and ports ---- */

static bool line_masked[HOST_IRQ_LINES];

bool arch_irq_valid(unsigned line) { return line >= 1 && line < HOST_IRQ_LINES; }
void arch_irq_mask(unsigned line) { line_masked[line] = true; }
void arch_irq_unmask(unsigned line) { line_masked[line] = false; }
void arch_irq_release(unsigned line) { line_masked[line] = true; }
void arch_irq_ack_prepare(unsigned line, struct arch_irq_ack *ack) { ack->line = line; }
bool host_irq_masked(unsigned line) { return line_masked[line]; }

void host_machine_irq_reset(void)
{
    for (unsigned i = 0; i < HOST_IRQ_LINES; i++)
        line_masked[i] = true;
}


unsigned arch_ioport_count(void) { return 0x10000; }
bool arch_ioport_range_ok(unsigned first, unsigned count) { return first + count <= 0x10000 && !(first <= 0x21 && first + count > 0x20); }
static uint32_t ports[0x10000];
uint32_t arch_ioport_in(unsigned port, unsigned width) { (void)width; return ports[port]; }
void arch_ioport_out(unsigned port, unsigned width, uint32_t value) { (void)width; ports[port] = value; }
