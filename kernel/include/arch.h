/*
 * arch.h — the one interface an architecture implements.
 *
 * kernel/ is architecture-independent: everything it needs from the
 * machine is declared here, and everything an architecture needs from the
 * kernel is declared at the bottom ("provided by the kernel").  A port is
 * arch/<name>/ implementing these functions plus <arch_defs.h> (found on
 * the include path) defining:
 *
 *   struct trap_frame   the saved user context.  Every general-purpose
 *                       register the syscall ABI names in spec/arch.yaml is
 *                       a field with exactly that name (a0, x8, rdi, ...),
 *                       because the generated shims read them by name.
 *   struct arch_vspace  an address space's page-table root (and ASID/PCID).
 *   ARCH_NAME           "riscv64", "aarch64", "x86_64" or "host".
 *   ARCH_ELF_MACHINE    e_machine of user executables for this arch.
 *   ARCH_USER_TOP       first virtual address above user space.
 *   arch_highest_bit(x) static inline: index of the highest set bit of a
 *                       non-zero uint32_t (clz where the ISA has one).
 *
 * Execution model (seL4-style, one kernel stack): the kernel is entered
 * only by a trap and runs with interrupts disabled.  A thread that blocks
 * in a syscall keeps no kernel stack; whoever wakes it writes its return
 * registers into its trap frame.  Every way out that may change threads
 * ends in arch_enter_user(), which restores a whole trap frame and drops
 * to user mode with interrupts enabled.
 *
 * Syscalls take a shorter path (see kernel_entry_syscall below): the arch
 * saves only what C code may clobber, and when the caller simply continues
 * it restores only that.  Callee-saved registers stay live in the CPU
 * throughout and reach the frame only when the thread is switched away
 * from.  See docs/porting.md.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch_defs.h>

typedef uint64_t paddr_t; /* physical address */
typedef uint64_t uaddr_t; /* user virtual address: never dereferenced */

#define PAGE_SIZE 4096ul
#define PAGE_SHIFT 12

/* ---- boot ------------------------------------------------------------ */

#define BOOT_MAX_RANGES 32

struct boot_range {
    paddr_t base;
    uint64_t size;
};

/*
 * A device for a user-space driver, as the firmware described it (the
 * device tree on riscv64 and aarch64; x86_64's q35 devices are found by
 * their drivers at fixed addresses and on PCI).  init learns each from its
 * arguments, dev=BASE,SIZE,LINE,COMPATIBLE (docs/drivers.md).
 */
#define BOOT_MAX_DEVICES 64
struct boot_device {
    char compatible[32]; /* its first compatible string ("virtio,mmio"), cut to fit */
    paddr_t base;        /* its registers: the first range */
    uint64_t size;
    unsigned line;       /* its interrupt as IRQ capabilities number lines; 0: none */
};

/*
 * Filled by the arch's early boot before kernel_main().  ram[] is every
 * usable RAM range the firmware reported; reserved[] is everything inside
 * those ranges the kernel must not hand out (its own image, the device
 * tree, firmware, loader modules).  The frame allocator takes ram minus
 * reserved.
 */
struct boot_info {
    struct boot_range ram[BOOT_MAX_RANGES];
    unsigned n_ram;
    struct boot_range reserved[BOOT_MAX_RANGES];
    unsigned n_reserved;
    const char *boot_path; /* "opensbi", "u-boot", "direct", "multiboot"... for the log */
    /* The device-memory pool: where drivers' registers are, whole pages
     * (boot_add_window), never RAM and never a device the kernel drives. */
    struct boot_range windows[BOOT_MAX_RANGES];
    unsigned n_windows;
    /* The devices init hands to drivers, named to it by kernel/main.c. */
    struct boot_device dev[BOOT_MAX_DEVICES];
    unsigned n_dev;
};

/* Add [base, base + size), rounded out to pages, to bi's windows, merged with any it touches (kernel/devmem.c). */
void boot_add_window(struct boot_info *bi, paddr_t base, uint64_t size);

/* ---- console and power ---------------------------------------------- */

void arch_console_putc(char c);
/*
 * The UART arch_console_putc writes to, for the console server in user
 * space: kernel/main.c names it to init as the argument
 * uart=DRIVER,mmio|port,BASE,LINE (docs/drivers.md).
 */
struct arch_uart {
    const char *driver; /* the console server's driver for it: "ns16550", "pl011" */
    bool ports;         /* base is an x86_64 I/O port, not a physical address */
    uint64_t base;
    unsigned line;      /* its receive interrupt, numbered as IRQ capabilities number lines */
};
void arch_console_uart(struct arch_uart *out);
_Noreturn void arch_poweroff(int status);   /* 0 = success; QEMU exits */

/* ---- time ------------------------------------------------------------- */

uint64_t arch_cycles(void);                 /* cycle/instruction counter */
uint64_t arch_time_ns(void);                /* monotonic, since boot */
uint64_t arch_realtime_ns(void);            /* ns since 1970 at the call, 0 if no RTC */
void arch_timer_set(uint64_t deadline_ns);  /* one-shot: interrupt at/after deadline */

/* ---- physical memory ---------------------------------------------- */

/* All RAM is mapped in the kernel's half; these convert to and from it. */
void *arch_phys_to_virt(paddr_t pa);
paddr_t arch_virt_to_phys(const void *va);
/* Zero one page-aligned 4 KiB page (fresh frames): the fastest way the CPU has. */
void arch_page_zero(void *page);
/*
 * The kernel's memcpy (kernel/string.c) for n >= 256 bytes: copy a prefix
 * of the n bytes the fastest way the CPU has (riscv64's vector unit,
 * aarch64's SIMD registers after saving their owner's state, x86_64's
 * `rep movsq`) and return its length, which may be 0; memcpy copies the rest.
 */
size_t arch_memcpy_bulk(void *dst, const void *src, size_t n);

/* ---- address spaces ------------------------------------------------- */

/*
 * prot is a combination of VOS_PROT_READ/WRITE/EXEC from the generated ABI
 * header, plus ARCH_PROT_DEVICE for device memory (below).  Page-table pages come from vspace_table_alloc(vs) and go back
 * through vspace_table_free(vs) (below: the kernel charges them to the
 * process owning vs); user frames are the kernel's business.  All
 * functions take page-aligned user addresses below ARCH_USER_TOP;
 * map/unmap/protect flush whatever TLB state they must.
 *
 * Partial failure: arch_vspace_init either succeeds or leaves vs holding
 * nothing (root 0), and arch_vspace_destroy accepts such a vs, as it does
 * one a map left half built.  The kernel destroys what it initialised
 * however far that got.
 */
/*
 * ARCH_PROT_DEVICE: the page is device registers (kernel/devmem.c).  map
 * and protect make it uncached with the arch's device attributes (strongly
 * ordered, no speculation, never executable whatever prot says), and
 * lookup reports the bit back, so the kernel never reads or writes such a
 * page through its direct map.
 */
#define ARCH_PROT_DEVICE (1u << 8)
int arch_vspace_init(struct arch_vspace *vs);      /* 0, or -1 out of memory (vs holds nothing) */
void arch_vspace_destroy(struct arch_vspace *vs);  /* frees table pages, mappings or not, frames untouched; idempotent */
int arch_vspace_map(struct arch_vspace *vs, uaddr_t va, paddr_t pa, unsigned prot); /* 0 / -1 OOM */
paddr_t arch_vspace_unmap(struct arch_vspace *vs, uaddr_t va);  /* old frame, 0 if none */
/*
 * Nothing is mapped in [lo, hi) (page aligned), which contains [start,
 * end): free every table below the root whose whole span lies in [lo, hi),
 * looking only at the entries that cover [start, end).  The kernel calls
 * it when an unmap leaves a gap of at least ARCH_TABLE_SPAN aligned bytes
 * there, so tables never outlive the mappings they were made for.
 */
void arch_vspace_prune(struct arch_vspace *vs, uaddr_t start, uaddr_t end, uaddr_t lo, uaddr_t hi);
/* What the smallest page table maps: 512 entries of 4 KiB on every port. */
#define ARCH_TABLE_SPAN (512 * PAGE_SIZE)
int arch_vspace_protect(struct arch_vspace *vs, uaddr_t va, unsigned prot); /* 0 / -1 not mapped */
bool arch_vspace_lookup(struct arch_vspace *vs, uaddr_t va, paddr_t *pa, unsigned *prot); /* pa, prot may be NULL */
/*
 * arch_vspace_activate(vs): make vs the user address space of this CPU.
 * Each arch_defs.h provides it, inline where it is a register write: the
 * IPC fast path switches spaces on every message.
 */

/* ---- devices for user-space drivers (docs/abi.md, "Drivers") ----------- */

/*
 * Interrupt lines a driver may hold: numbered as the controller numbers
 * them (riscv64: PLIC source; aarch64: GIC INTID, SPIs only; x86_64: IOAPIC
 * input, the GSI).  arch_irq_valid: the line exists and is not the
 * kernel's own (the timer).  Lines start masked; mask and unmask are
 * idempotent and only ever called with interrupts off.
 */
#define ARCH_IRQ_LINES 1024                  /* every line number is below this */
bool arch_irq_valid(unsigned line);
/*
 * A line fires at most once until its driver acknowledges it: when the
 * arch takes it (IRQ_LINE below) it masks it, or, on a controller that
 * keeps a taken line in service until it is completed (the PLIC), leaves
 * it in service.  The kernel's calls, in a line's life:
 *  - arch_irq_ack_prepare(line, &ack), when a driver first holds it: fills
 *    struct arch_irq_ack (arch_defs.h) with what acknowledging it stores;
 *  - arch_irq_unmask(line), when it is bound: it may fire;
 *  - arch_irq_mask(line), when it is unbound: it must not reach the kernel
 *    more than once more before it is acknowledged (the kernel keeps that
 *    one as pending; an in-service controller need do nothing);
 *  - arch_irq_ack(&ack), inline in arch_defs.h, SYS_IRQ_ACK: a taken line
 *    may fire again (the PLIC: complete it; else: unmask it);
 *  - arch_irq_release(line), when nobody holds it any more: masked, not in
 *    service, as at boot, so the next holder starts afresh.
 */
void arch_irq_mask(unsigned line);
void arch_irq_unmask(unsigned line);
void arch_irq_release(unsigned line);
struct arch_irq_ack;
void arch_irq_ack_prepare(unsigned line, struct arch_irq_ack *ack);
/*
 * x86_64 I/O ports: how many there are (0 elsewhere: no I/O port
 * capability exists), whether [first, first + count) is free of the
 * kernel's own ports, and the access itself (width 1, 2 or 4).
 */
unsigned arch_ioport_count(void);
bool arch_ioport_range_ok(unsigned first, unsigned count);
uint32_t arch_ioport_in(unsigned port, unsigned width);
void arch_ioport_out(unsigned port, unsigned width, uint32_t value);

/* ---- user context ------------------------------------------------------ */

/* A fresh user context: start at pc with stack sp and arg in the first argument register. */
void arch_frame_init(struct trap_frame *f, uaddr_t pc, uaddr_t sp, uint64_t arg);
uaddr_t arch_frame_pc(const struct trap_frame *f);

/*
 * Restore f (the current thread's frame, in the address space last
 * activated) and return to user mode with interrupts enabled.  Later traps
 * save into this same frame.
 */
_Noreturn void arch_enter_user(struct trap_frame *f);

/*
 * Called by the kernel when nothing is runnable: wait (with interrupts
 * able to wake the CPU) until an interrupt is pending or has been taken
 * and acknowledged, then return with interrupts disabled.  The kernel
 * rechecks timers afterwards.
 */
void arch_idle_wait(void);

/*
 * The thread owning f is being destroyed: forget any state the arch keeps
 * for it lazily (x86_64's live SSE registers).  Optional: a weak no-op
 * default exists in kernel/thread.c.
 */
void arch_frame_release(struct trap_frame *f);

/* Print register state of f (for fault reports and panics). */
void arch_frame_dump(const struct trap_frame *f);

/* ---- provided by the kernel -------------------------------------------- */

_Noreturn void kernel_main(struct boot_info *bi);

/* Trap entries, called by the arch on the kernel stack, interrupts off. */

/*
 * A syscall.  The arch has saved into f the number and argument registers,
 * the user pc (already past the trap instruction), the user sp, and every
 * other register C code may clobber that the syscall ABI (spec/arch.yaml)
 * does not declare clobbered; callee-saved registers are still live.
 *
 * It calls kernel_entry_syscall(number, f), which returns the shim's
 * result: an error (> 0), which the arch passes with f to
 * kernel_syscall_failed, getting back the frame to resume; otherwise that
 * frame is sched_resume_frame, the first word of sched_cpu (sched.h),
 * which the arch loads itself.  syscall_run(f) is both steps in C (the
 * host's simulated trap, the message syscalls' general path).
 *
 * The frame to resume is f when the caller continues at once: the arch
 * reloads from f what it saved (the results are there now), clears any
 * clobbered register that could hold kernel data, and returns to user
 * mode.  Otherwise another thread runs next, and the arch first stores the
 * live callee-saved registers (and the user pc, if it left it in its CSR)
 * into f, which stays valid memory even if the thread has died.  Then, if
 * it is another thread's frame n (an IPC switch has chosen it), the arch
 * enters n with arch_enter_user(n); if it is NULL, it calls
 * kernel_syscall_switch(), where the scheduler chooses.  The kernel never
 * changes the user pc of a continuing caller, so an arch may leave it in
 * its CSR meanwhile.
 */
long kernel_entry_syscall(uint64_t nr, struct trap_frame *f); /* the number first: f stays where the shim wants it */
struct trap_frame *kernel_syscall_failed(struct trap_frame *f, long err);
struct trap_frame *syscall_run(struct trap_frame *f);
_Noreturn void kernel_syscall_switch(void);
/*
 * The message syscalls (numbers SYSCALL_MESSAGE_FIRST.. +COUNT in the
 * generated syscall_asm.h: the IPC register fast path, docs/ipc.md) take
 * this path instead.  The arch saves what it saves for any syscall (number,
 * arguments, pc past the trap, sp), leaves everything else live, and calls
 * kernel_ipc_fast(f), leaf C code that keeps every callee-saved register:
 *
 *  - It returns another thread's frame n: the switch is done.  The arch
 *    stores its live kept registers into f (spec/arch.yaml `message_kept`,
 *    the pc and sp too if not yet there), then enters n restoring only n's
 *    kept registers, pc, sp and the first SYSCALL_MESSAGE_RESULTS result
 *    words; the message registers pass through unchanged (the words are
 *    n's now) and every other register is zeroed, so nothing of the
 *    caller's reaches n.
 *  - It returns NULL, having changed nothing: the arch saves the whole
 *    context into f, message registers included, and calls
 *    kernel_entry_ipc(f), which returns the frame to enter (f, or another
 *    thread's) with arch_enter_user(), restoring all of it.
 *
 * A thread that blocked on the first path has its kept registers, pc and
 * sp in its frame, and stale values of its own in the others; whoever wakes
 * it writes the results (and message words) into its frame.
 */
struct trap_frame *kernel_ipc_fast(const struct trap_frame *f);
/* The same for a number the entry has told apart already: SYSCALL_MESSAGE_FIRST, FIRST + 1. */
struct trap_frame *kernel_ipc_fast_call(const struct trap_frame *f);
struct trap_frame *kernel_ipc_fast_reply_receive(const struct trap_frame *f);
struct trap_frame *kernel_entry_ipc(struct trap_frame *f);
_Noreturn void kernel_entry_page_fault(struct trap_frame *f, uaddr_t addr, unsigned access); /* access: one VOS_PROT_* bit */
_Noreturn void kernel_entry_exception(struct trap_frame *f, unsigned exit_reason, uint64_t detail); /* VOS_EXIT_* */
_Noreturn void kernel_entry_interrupt(struct trap_frame *f, unsigned source);

/*
 * source: IRQ_TIMER; IRQ_OTHER (nothing to do); or IRQ_LINE(n), device line
 * n, which the arch has masked, or left in service at the controller (see
 * arch_irq_ack): the kernel signals its driver, and the line stays quiet
 * until the driver acknowledges it (kernel/irq.c).  The kernel takes no interrupt of
 * the console UART: its driver is the console server (docs/porting.md).
 */
enum arch_irq_source { IRQ_TIMER = 1, IRQ_OTHER = 3, IRQ_LINE_BASE = 16 };
#define IRQ_LINE(n) (IRQ_LINE_BASE + (n))
/* For arch_idle_wait: device line n (held by a driver) was taken while idle, and masked. */
void irq_fire(unsigned line);

/*
 * For arch code, the ways to get memory: a zeroed page-table page for
 * vs, charged to the quota of the process owning vs (0 when it is over
 * its quota or memory is exhausted; the kernel remembers which), and its
 * return, which releases the charge.
 */
paddr_t vspace_table_alloc(struct arch_vspace *vs);
void vspace_table_free(struct arch_vspace *vs, paddr_t pa);
/*
 * And state an arch keeps for a thread beside its frame, made on demand
 * (riscv64's vector registers: their size depends on the hart): size bytes
 * (at most a page), zeroed, charged to the quota of the process owning the
 * thread of f; NULL with *err set (RESOURCE_EXHAUSTED, OUT_OF_MEMORY) when
 * there is none.  Freed with the size it was allocated with, at the latest
 * in arch_frame_release.
 */
void *kernel_thread_alloc(struct trap_frame *f, size_t size, long *err);
void kernel_thread_free(struct trap_frame *f, void *p, size_t size);

/* Logging and fatal errors. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Panic caused by a trap in kernel mode: prints frame and reason. */
_Noreturn void panic_frame(const struct trap_frame *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * A kernel-mode trap on a user address whose page is there for user code:
 * the hardware guard (guard: "SMAP", "PAN", ...) stopped the kernel from
 * reading, writing or running user memory (access: one VOS_PROT_* bit).
 * The kernel only reaches user memory through the page tables and the
 * direct map (usercopy.h), so this is always a kernel bug.  See
 * docs/porting.md, "Hardware guards".
 */
_Noreturn void panic_user_access(const struct trap_frame *f, uaddr_t addr, unsigned access, const char *guard);

/* Device-tree helpers for arches booted with one (kernel/fdt.c). */
int fdt_read_memory(const void *dtb, struct boot_info *bi); /* 0 ok, -1 bad blob */
/* A device node: enabled, with registers and a compatible string. */
struct fdt_device {
    char path[64];             /* "/soc/serial@10000000" (cut if longer) */
    char compatible[64];       /* its compatible strings, each NUL-ended */
    uint32_t compatible_len;
    struct boot_range reg[8];  /* its reg ranges, and a PCI host's windows */
    unsigned n_reg;
    uint32_t irq[3];           /* its first interrupt's cells, for the arch to decode */
    unsigned irq_cells;        /* 0: none */
};
int fdt_read_devices(const void *dtb, struct fdt_device *out, unsigned max); /* how many, or -1 bad blob */
bool fdt_compatible(const struct fdt_device *d, const char *compatible);
bool fdt_is_path(const struct fdt_device *d, const char *path, uint32_t len); /* path as /chosen stdout-path gives it */
bool fdt_below(const struct fdt_device *d, const struct fdt_device *ancestor); /* d's node is inside ancestor's */
/*
 * The arch's last step with the devices: every one but those it drives
 * itself (kernel(d) true) becomes device-memory windows and, with its
 * interrupt (line(d), 0 for none), one of init's devices.
 */
void fdt_give_devices(struct boot_info *bi, const struct fdt_device *devs, unsigned n,
                      bool (*kernel)(const struct fdt_device *d), unsigned (*line)(const struct fdt_device *d));
/* Property prop of node ("/" or a top-level node such as "/chosen"), or NULL. */
const void *fdt_prop(const void *dtb, const char *node, const char *prop, uint32_t *len);
uint32_t fdt_be32(const void *p);                           /* property cells are big-endian */
