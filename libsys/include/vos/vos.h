/*
 * vos/vos.h — typed wrappers over the raw syscall stubs (<vos/syscalls.h>).
 *
 * One result convention: every call returns a vos_status_t, VOS_OK (0) or
 * the negated error code (exactly the raw stubs' word 0), and hands its
 * results back through pointer arguments.  vos_status_name() names it.
 *
 * Typed handles: each kind of capability is a distinct struct, so passing
 * a memory capability where a channel is wanted does not compile.  VOS_ANY()
 * turns any handle into the generic vos_any_t the capability operations
 * take; vos_as() goes back (the caller vouches for the type).
 */
#pragma once

#include <vos/libsys.h>
#include <vos/syscalls.h>

typedef int64_t vos_status_t;

typedef struct { vos_cap_t cap; } vos_any_t;                     /* any capability */
typedef struct { vos_cap_t cap; } vos_mem_t;                     /* MEMORY: pool or region */
typedef struct { vos_cap_t cap; } vos_dev_t;                     /* DEVICE (the console) */
typedef struct { vos_cap_t cap; } vos_reply_t;                   /* REPLY token */
typedef struct { vos_endpoint_t id; vos_cap_t cap; } vos_ep_t;   /* ENDPOINT: id and capability */
typedef struct { vos_channel_t id; vos_cap_t cap; } vos_chan_t;  /* CHANNEL: id and capability */
typedef struct { vos_pid_t pid; } vos_proc_t;                    /* a child (authority: parenthood) */
typedef struct { vos_cap_t cap; } vos_irq_t;                     /* IRQ: one interrupt line */
typedef struct { vos_cap_t cap; } vos_devmem_t;                  /* DEVICE_MEMORY: pool or register range */
typedef struct { vos_cap_t cap; } vos_ioport_t;                  /* IO_PORT: a range of x86_64 I/O ports */
typedef struct { vos_tid_t tid; void *stack; uint64_t stack_size; } vos_thread_t;

#define VOS_ANY(h) ((vos_any_t){ (h).cap })

/* The name of a status: "Success", "InvalidCapability", ... */
const char *vos_status_name(vos_status_t st);

/* ---- initial capabilities ---- */
/* The i-th initial capability's record, or NULL. */
const struct vos_cap_info *vos_start_cap(const struct vos_start_info *si, uint64_t i);
/* The first initial capability of `type` holding at least `rights`; 0 when found, else -NotFound. */
vos_status_t vos_start_lookup(const struct vos_start_info *si, uint64_t type, uint64_t rights,
                              struct vos_cap_info *out);
/* Letters for a rights mask ("RWXGDV", '-' for each missing right) in buf[7]. */
const char *vos_rights_string(uint64_t rights, char buf[7]);

/* ---- capabilities ---- */
vos_status_t vos_cap_derive(vos_any_t parent, uint64_t rights, vos_any_t *out);
vos_status_t vos_cap_revoke(vos_any_t cap);
vos_status_t vos_cap_validate(vos_any_t cap, uint64_t rights);
vos_status_t vos_cap_create(uint64_t type, vos_object_t id, uint64_t rights, vos_any_t parent, vos_any_t *out);

/* ---- memory ---- */
vos_status_t vos_mmap(void *hint, uint64_t len, uint32_t prot, uint32_t flags, vos_mem_t mem, uint64_t offset,
                      void **out);
/* Fresh zeroed private memory from the caller's own quota. */
vos_status_t vos_mmap_anon(uint64_t len, uint32_t prot, void **out);
vos_status_t vos_munmap(void *addr, uint64_t len);
vos_status_t vos_mprotect(void *addr, uint64_t len, uint32_t prot);
/* A new region of `size` bytes carved from a pool, with `rights`. */
vos_status_t vos_mem_carve(vos_mem_t pool, uint64_t size, uint64_t rights, vos_mem_t *out);
/* SYS_READ / SYS_WRITE on a region or device; *done (may be NULL) gets the byte count. */
vos_status_t vos_mem_read(vos_any_t cap, void *buf, uint64_t len, uint64_t offset, uint64_t *done);
vos_status_t vos_mem_write(vos_any_t cap, const void *buf, uint64_t len, uint64_t offset, uint64_t *done);

/* ---- drivers (docs/abi.md, "Drivers") ---- */
/* A capability for interrupt line `line`, from the interrupt-control capability. */
vos_status_t vos_irq_create(vos_any_t control, uint64_t line, uint64_t rights, vos_irq_t *out);
/* Route the line to ep (unmasking it): receives there return IRQ_SENDER messages carrying badge. */
vos_status_t vos_irq_bind(vos_irq_t irq, vos_ep_t ep, uint64_t badge);
vos_status_t vos_irq_unbind(vos_irq_t irq);            /* and mask it */
vos_status_t vos_irq_ack(vos_irq_t irq);               /* served: unmask the line */
/* Registers [phys, phys + size) (page aligned, size rounded up to pages, at most 16 MiB) from the pool. */
vos_status_t vos_devmem_create(vos_devmem_t pool, uint64_t phys, uint64_t size, uint64_t rights, vos_devmem_t *out);
/* Map len bytes of a register range read/write (uncached; never executable). */
vos_status_t vos_devmem_map(vos_devmem_t dev, uint64_t len, volatile void **out);
/* A physically contiguous region (DMA memory) of size bytes, and a byte's physical address. */
vos_status_t vos_dma_alloc(vos_mem_t pool, uint64_t size, uint64_t rights, vos_mem_t *out);
vos_status_t vos_mem_physical(vos_any_t region, uint64_t offset, uint64_t *phys);
/* x86_64 I/O ports: a sub-range, and one access of width 1, 2 or 4 at port first + offset. */
vos_status_t vos_ioport_create(vos_ioport_t from, unsigned first, unsigned count, uint64_t rights, vos_ioport_t *out);
vos_status_t vos_ioport_in(vos_ioport_t io, unsigned offset, unsigned width, uint32_t *value);
vos_status_t vos_ioport_out(vos_ioport_t io, unsigned offset, unsigned width, uint32_t value);

/* ---- processes ---- */
struct vos_spawn {
    const char *const *argv; /* argv[0] names the program (and the process) */
    uint64_t argc;
    const vos_any_t *caps;   /* granted: each needs GRANT; the child gets them in this order */
    uint64_t ncaps;
};
/* Create a process from an ELF image in memory; it runs after vos_process_start. */
vos_status_t vos_process_create(const void *elf, uint64_t len, const struct vos_spawn *sp, vos_proc_t *out);
vos_status_t vos_process_start(vos_proc_t p);
/* Find argv[0] in the boot files, create and start it. */
vos_status_t vos_process_spawn(const struct vos_bootfs *fs, const struct vos_spawn *sp, vos_proc_t *out);
/* timeout_ns 0 polls (-Timeout while it runs), VOS_TIMEOUT_INFINITE waits. */
vos_status_t vos_process_wait(vos_proc_t p, uint64_t timeout_ns, struct vos_process_exit_info *out);
/* "exited with code 3", "killed: protection fault at 0x1000", ... into buf. */
const char *vos_exit_describe(const struct vos_process_exit_info *info, char *buf, size_t len);

/* ---- threads ---- */
/* Run fn(arg) on a new thread with a stack of `stack_size` bytes (mapped here, unmapped by join). */
vos_status_t vos_thread_spawn(int (*fn)(void *), void *arg, uint64_t stack_size, vos_thread_t *out);
/* The thread's exit code in *code.  Exit codes -1..-14 read as errors (the raw
 * call returns the code in word 0, where those values mean an error). */
vos_status_t vos_thread_join(vos_thread_t *t, uint64_t timeout_ns, int32_t *code);
_Noreturn void vos_thread_exit(int32_t code);

/* ---- IPC (docs/ipc.md) ---- */
vos_status_t vos_endpoint_create(vos_ep_t *out);
/* A channel delivering to `to`, and a capability to it with `rights` made with
 * `self`, the caller's own process capability (the creator owns the channel). */
vos_status_t vos_channel_create(vos_ep_t from, vos_ep_t to, vos_any_t self, uint64_t rights, vos_chan_t *out);
/* A handle from an initial capability's record (its object id is the endpoint/channel id). */
vos_ep_t vos_ep_from(const struct vos_cap_info *ci);
vos_chan_t vos_chan_from(const struct vos_cap_info *ci);

struct vos_message {
    vos_pid_t sender;
    uint64_t len;       /* with -BufferTooSmall: the length needed (the message stays queued) */
    vos_any_t cap;      /* transferred capability, or {0} */
    vos_reply_t reply;  /* {0} unless the sender used vos_call */
};
/* `xfer` is an optional capability to transfer ({0}: none). */
vos_status_t vos_send(vos_chan_t ch, const void *msg, uint64_t len, vos_any_t xfer);
vos_status_t vos_receive(vos_ep_t ep, void *buf, uint64_t len, uint64_t timeout_ns, struct vos_message *out);
/* Send and wait for the reply; *resp_len gets its length, *cap (may be NULL) a capability sent back. */
vos_status_t vos_call(vos_chan_t ch, const void *req, uint64_t req_len, void *resp, uint64_t resp_cap,
                      uint64_t timeout_ns, vos_any_t xfer, uint64_t *resp_len, vos_any_t *cap);
vos_status_t vos_reply(vos_reply_t r, const void *resp, uint64_t len, vos_any_t xfer);

/* ---- time ---- */
vos_status_t vos_clock(uint64_t clock_id, struct vos_timespec *out);
uint64_t vos_now_ns(void); /* the monotonic clock in nanoseconds */
vos_status_t vos_sleep_ns(uint64_t ns);
void vos_yield(void);

/* ---- the console (userland/console: the console server) ----
 * A program's console is its first initial capability: a CHANNEL to the
 * console server (userland/console, the UART's driver), or a DEVICE, the
 * kernel's write-only debug output (the test kernels' first processes run
 * without a console server).  The server answers calls of this protocol:
 *   request 'W' + bytes          reply: nothing (the bytes were written)
 *   request 'R' + uint32 max     reply: 1..max bytes typed (blocks until one is)
 */
#define VOS_CONSOLE_WRITE 'W'
#define VOS_CONSOLE_READ 'R'
#define VOS_CONSOLE_CHUNK 1024 /* bytes per request either way */
typedef struct {
    vos_dev_t dev;   /* direct, or {0} */
    vos_chan_t chan; /* through the console server, or {0} */
} vos_console_t;

/* From caps[0] (DEVICE or CHANNEL), else the first DEVICE; {0} if none. */
vos_console_t vos_console_open(const struct vos_start_info *si);
vos_any_t vos_console_cap(vos_console_t c); /* to grant it to a child */
vos_status_t vos_console_write(vos_console_t c, const void *buf, uint64_t len);
/* Blocks until at least one byte is typed; *got gets the count (a DEVICE: NotSupported).
 * Both call the server again if it died holding the call (NotFound): init restarts it. */
vos_status_t vos_console_read(vos_console_t c, void *buf, uint64_t len, uint64_t *got);
int vos_cprintf(vos_console_t c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vos_vcprintf(vos_console_t c, const char *fmt, va_list ap);
