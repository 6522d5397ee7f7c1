/*
 * device.c — device resources.  The console DEVICE is the kernel's debug
 * output: SYS_WRITE puts its bytes out through the early console
 * (arch_console_putc, docs/porting.md) for a first process that runs
 * without the console server (the test kernels' suites).  It cannot be
 * read: typed input belongs to the console server, the user-space UART
 * driver (userland/console, docs/drivers.md), and the kernel never takes
 * a byte from the UART.  It is a stream, so offsets are ignored.
 */
#include "device.h"
#include "ioport.h"
#include "irq.h"
#include "memobj.h"
#include "syscall_support.h"
#include "syscall_handlers.h"

static struct device console = { .name = "console" };

struct device *console_device(void)
{
    if (!console.obj.type)
        object_init_static(&console.obj, VOS_OBJ_DEVICE);
    return &console;
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

long sys_write(struct thread *self, struct cap *capability, user_in_t buffer, uint64_t offset, uint64_t *result)
{
    const uint64_t count = buffer.len;
    (void)self;
    switch (capability->obj->type) {
    case VOS_OBJ_MEMORY:
        return memobj_write(container_of(capability->obj, struct memobj, obj), buffer, count, offset, result);
    case VOS_OBJ_IO_PORT:
        return ioport_write(container_of(capability->obj, struct ioport, obj), buffer, count, offset, result);
    }
    return console_write(buffer, count, result); /* a stream: offset means nothing */
}

long sys_read(struct thread *self, struct cap *capability, user_out_t buffer, uint64_t offset, uint64_t *result)
{
    const uint64_t count = buffer.len;
    (void)self;
    if (capability->obj->type == VOS_OBJ_MEMORY)
        return memobj_read(container_of(capability->obj, struct memobj, obj), buffer, count, offset, result);
    if (capability->obj->type == VOS_OBJ_IO_PORT)
        return ioport_read(container_of(capability->obj, struct ioport, obj), buffer, count, offset, result);
    return VOS_ERR_NOT_SUPPORTED; /* the console: input is the console server's */
}
