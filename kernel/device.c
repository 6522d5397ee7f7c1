/*
 * device.c — device resources.  The console is the one device so far: it
 * is written byte by byte to the arch console and read from a small ring
 * filled by console_poll_input() (on a console interrupt, or while idle).
 * It is a stream, so offsets are ignored.  A read with nothing typed yet
 * blocks until at least one byte arrives, then returns what is there.
 */
#include "device.h"
#include "ioport.h"
#include "irq.h"
#include "memobj.h"
#include "syscall_support.h"
#include "syscall_handlers.h"

#define CONSOLE_RING 256

static struct device console = { .name = "console" };
static char ring[CONSOLE_RING];
static unsigned ring_head, ring_tail; /* head: next to read */
static struct list readers = { &readers, &readers }; /* blocked in SYS_READ, FIFO */

/* Hand buffered bytes to t's buffer (in t's own address space). */
static long drain_into(struct vspace *vs, uaddr_t addr, uint64_t count, uint64_t *got)
{
    uint64_t n = 0;
    while (n < count && ring_head != ring_tail) {
        if (vspace_write(vs, addr + n, &ring[ring_head], 1))
            break;
        ring_head = (ring_head + 1) % CONSOLE_RING;
        n++;
    }
    *got = n;
    return n || !count ? VOS_OK : VOS_ERR_INVALID_ADDRESS;
}

struct device *console_device(void)
{
    if (!console.obj.type)
        object_init_static(&console.obj, VOS_OBJ_DEVICE);
    return &console;
}

void device_destroy(struct object *o)
{
    (void)o; /* devices are static: nothing to free */
}

void console_poll_input(void)
{
    int c;
    if (irq_line_held(arch_console_irq_line()))
        return; /* a driver has the UART now: its bytes are not the kernel's */
    /* Only take a byte from the UART when there is room for it: a full ring
     * leaves the rest waiting in the device rather than dropping it. */
    while ((ring_tail + 1) % CONSOLE_RING != ring_head && (c = arch_console_getc()) >= 0) {
        ring[ring_tail] = (char)c;
        ring_tail = (ring_tail + 1) % CONSOLE_RING;
    }
    while (ring_head != ring_tail && !list_empty(&readers)) {
        struct thread *t = list_first(&readers, struct thread, wait_link);
        uint64_t got;
        long err = drain_into(&t->proc->vspace, t->wait_args[0], t->wait_args[1], &got);
        if (err)
            syscall_fail_blocked(t, err);
        else
            syscall_result_read(&t->frame, got);
        sched_wake(t);
    }
}

static long console_write(user_in_t buf, uint64_t count, uint64_t *written)
{
    char chunk[128];
    for (uint64_t done = 0; done < count;) {
        uint64_t n = MIN(count - done, sizeof(chunk));
        long err = copy_from_user(chunk, buf, done, n);
        if (err)
            return done ? (*written = done, VOS_OK) : err;
        for (uint64_t i = 0; i < n; i++)
            arch_console_putc(chunk[i]);
        done += n;
    }
    *written = count;
    return VOS_OK;
}

static long console_read(struct thread *self, user_out_t buf, uint64_t count, uint64_t *got)
{
    console_poll_input();
    if (ring_head != ring_tail || count == 0)
        return drain_into(&self->proc->vspace, buf.addr, count, got);
    self->wait_args[0] = buf.addr;
    self->wait_args[1] = count;
    sched_wait(self, &readers, VOS_TIMEOUT_INFINITE, VOS_OK);
    return SYSCALL_BLOCKED;
}

long sys_write(struct thread *self, struct cap *capability, user_in_t buffer, uint64_t count, uint64_t offset,
               uint64_t *result)
{
    (void)self;
    switch (capability->obj->type) {
    case VOS_OBJ_MEMORY:
        return memobj_write(container_of(capability->obj, struct memobj, obj), buffer, count, offset, result);
    case VOS_OBJ_IO_PORT:
        return ioport_write(container_of(capability->obj, struct ioport, obj), buffer, count, offset, result);
    }
    return console_write(buffer, count, result); /* a stream: offset means nothing */
}

long sys_read(struct thread *self, struct cap *capability, user_out_t buffer, uint64_t count, uint64_t offset,
              uint64_t *result)
{
    if (capability->obj->type == VOS_OBJ_MEMORY)
        return memobj_read(container_of(capability->obj, struct memobj, obj), buffer, count, offset, result);
    if (capability->obj->type == VOS_OBJ_IO_PORT)
        return ioport_read(container_of(capability->obj, struct ioport, obj), buffer, count, offset, result);
    return console_read(self, buffer, count, result);
}
