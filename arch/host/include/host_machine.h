/*
 * host_machine.h — the simulated machine of the host target, as seen by
 * the test harness (tests/host) and by test code running as a user thread.
 *
 * Physical memory is one host arena: RAM for the frame allocator followed
 * by a user pool the harness maps into processes at the pool's own host
 * addresses, so test code can hand the kernel ordinary pointers.  The
 * console, clock and timer are plain variables the tests read and set.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct boot_info;

#define HOST_RAM_SIZE (64ull << 20)
#define HOST_USER_POOL_SIZE (32ull << 20)
#define HOST_PHYS_BASE 0x80000000ull /* not 0 and not a host address, so mixing them up fails */

/*
 * Devices for drivers (kernel/irq.c, devmem.c, ioport.c): a simulated
 * interrupt controller of HOST_IRQ_LINES lines (all masked at boot), a
 * device window that is not RAM (never touched: only capabilities and
 * page tables are tested) and 65536 I/O ports that are plain memory
 * (0x20-0x21 stand for the kernel's own).
 */
#define HOST_IRQ_LINES 64
#define HOST_CONSOLE_IRQ 10
#define HOST_DEVICE_BASE 0x10000000ull
#define HOST_DEVICE_SIZE (16ull << 20)
bool host_irq_masked(unsigned line);
void host_machine_irq_reset(void);      /* every line masked */
/* Line n fires (the test thread is interrupted): if unmasked, masked and reported to the kernel. */
void host_user_irq(unsigned line);

/* Create the arena and describe it (RAM, with the user pool reserved). */
void host_machine_boot(struct boot_info *bi);

/* User pool: page-aligned zeroed memory, all released at once by reset. */
void *host_user_alloc(size_t bytes);
void host_user_pool_reset(void);

/*
 * Fault injection (faults.c): from now on, count the kernel's allocations
 * (frames and kernel objects) and make the nth fail (1: the next).  0
 * disarms, keeping the count and whether it failed for the caller to read.
 */
void host_fail_alloc_at(uint64_t n);
uint64_t host_alloc_count(void);        /* allocations since the last host_fail_alloc_at */
bool host_alloc_failed(void);           /* the armed failure has happened */

/* Console: everything the kernel printed, and bytes for it to read. */
const char *host_console_text(void);   /* NUL-terminated */
void host_console_clear(void);
void host_console_feed(const char *s);
void host_console_echo(bool on);        /* also copy output to stderr (default: $VOS_HOST_ECHO) */

/* Time: the clock moves only when told to, or when the kernel idles. */
uint64_t host_clock_now(void);
void host_clock_advance(uint64_t ns);
uint64_t host_timer_deadline(void);     /* last arch_timer_set, UINT64_MAX if none */
void host_set_rtc(uint64_t epoch_ns);   /* realtime at boot; 0 = no RTC */

/* ---- running the machine (harness side, main context) ---- */

enum host_stop {
    HOST_STOP_IDLE,      /* nothing runnable: the kernel waits in arch_idle_wait */
    HOST_STOP_POWEROFF,  /* arch_poweroff: the machine is off for good */
    HOST_STOP_ABORT,     /* a user thread gave up (host_user_abort) */
};

/*
 * Run the kernel until it stops.  If it is idle, it resumes from
 * arch_idle_wait with the clock advanced to the timer deadline (the timer
 * interrupt that woke it); otherwise it is entered afresh, as after an
 * interrupt, and schedules.
 */
enum host_stop host_run_kernel(void);
bool host_powered_off(void);
int host_poweroff_status(void);
/* Called instead of powering off when the kernel panics outside a trap (harness calls); must not return. */
extern void (*host_poweroff_hook)(int status);
/* Free the host contexts of all threads; only when none of them will run again. */
void host_forget_contexts(void);

/* ---- user side: called by test code running as a user thread ---- */

/* What a thread's entry pc points to. */
typedef void host_user_fn(uint64_t arg);
/*
 * If set, a new thread whose pc it rejects takes an illegal-instruction
 * exception instead of starting: the fuzzer (tests/fuzz) lets the kernel
 * accept any pc it likes, but the host can only run real host functions.
 */
extern bool (*host_user_entry_ok)(uint64_t pc);
/*
 * Run every user thread on a private host stack, never on its user stack.
 * For the fuzzer: the kernel may then read and write any user memory it is
 * given (a length reaching into another thread's stack) without touching
 * a live host stack or its ASan marks.
 */
extern bool host_private_stacks;

/* Simulated traps other than syscalls; each returns only if the kernel resumes the thread. */
void host_user_page_fault(uint64_t addr, unsigned access);
void host_user_exception(unsigned exit_reason, uint64_t detail);
void host_user_timer_interrupt(void);   /* the clock reaches the timer deadline now */
/*
 * Loads and stores of user memory the thread cannot reach directly (memory
 * the kernel mapped, not the identity-mapped pool): through the current
 * page tables, raising a page fault where hardware would.
 */
void host_user_read(uint64_t va, void *dst, size_t n);
void host_user_write(uint64_t va, const void *src, size_t n);
/* Stop the machine and hand control back to the harness (a failed check). */
_Noreturn void host_user_abort(void);
