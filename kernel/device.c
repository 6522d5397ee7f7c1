/*
 * device.c — device resources.  The console is the one device so far: it
 * is written byte by byte to the arch console and read from a small ring
 * filled by console_poll_input().  It is a stream, so offsets are ignored.
 */
#include "device.h"
#include "syscall_handlers.h"

#define CONSOLE_RING 256

static struct device console = { .name = "console" };
static char ring[CONSOLE_RING];
static unsigned ring_head, ring_tail; /* head: next to read */

struct device *console_device(void)
{
    if (!console.obj.type) {
        object_init(&console.obj, VOS_OBJ_DEVICE);
    }
    return &console;
}

void device_destroy(struct object *o)
{
    (void)o; /* devices are static: nothing to free */
}

void console_poll_input(void)
{
    int c;
    while ((c = arch_console_getc()) >= 0) {
        unsigned next = (ring_tail + 1) % CONSOLE_RING;
        if (next == ring_head)
            break; /* full: keep the rest in the UART */
        ring[ring_tail] = (char)c;
        ring_tail = next;
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

static long console_read(user_out_t buf, uint64_t count, uint64_t *got)
{
    uint64_t n = 0;
    console_poll_input();
    while (n < count && ring_head != ring_tail) {
        long err = copy_to_user(buf, n, &ring[ring_head], 1);
        if (err)
            return n ? (*got = n, VOS_OK) : err;
        ring_head = (ring_head + 1) % CONSOLE_RING;
        n++;
    }
    *got = n;
    return VOS_OK;
}

long sys_write(struct thread *self, struct cap *capability, user_in_t buffer, uint64_t count, uint64_t offset,
               uint64_t *result)
{
    (void)self;
    (void)offset;
    if (capability->obj->type != VOS_OBJ_DEVICE)
        return VOS_ERR_NOT_SUPPORTED; /* memory objects: see issue 5 */
    return console_write(buffer, count, result);
}

long sys_read(struct thread *self, struct cap *capability, user_out_t buffer, uint64_t count, uint64_t offset,
              uint64_t *result)
{
    (void)self;
    (void)offset;
    if (capability->obj->type != VOS_OBJ_DEVICE)
        return VOS_ERR_NOT_SUPPORTED;
    return console_read(buffer, count, result);
}
