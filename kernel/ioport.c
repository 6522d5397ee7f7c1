/*
 * ioport.c — I/O port ranges (x86_64; no such object exists elsewhere).
 *
 * Invariants: a range lies inside its parent's and never covers a port
 * the kernel drives itself (arch_ioport_range_ok: the interrupt
 * controllers, the timers, the RTC, power-off); an access through it
 * reaches only ports inside it.  The root covers every port there is and
 * only init holds it.  An access is SYS_READ or SYS_WRITE with count the
 * width (1, 2 or 4 bytes) and offset the port within the range.
 */
#include "cap.h"
#include "ioport.h"
#include "process.h"

struct ioport *ioport_root(void)
{
    unsigned n = arch_ioport_count();
    long err;
    struct ioport *io = n ? object_alloc(sizeof(*io), VOS_OBJ_IO_PORT, NULL, &err) : NULL;
    if (io)
        io->count = n;
    return io;
}

void ioport_destroy(struct object *o)
{
    (void)o; /* nothing but the object itself */
}

/* SYS_CAPABILITY_CREATE(IO_PORT, first | count << IO_PORT_COUNT_SHIFT) from a range holding it. */
long ioport_carve(struct thread *self, struct cap *parent, uint64_t request, uint64_t rights, vos_cap_t *result)
{
    const struct ioport *from = container_of(parent->obj, struct ioport, obj);
    uint64_t first = request & ((1u << VOS_IO_PORT_COUNT_SHIFT) - 1), count = request >> VOS_IO_PORT_COUNT_SHIFT;
    if (count == 0 || count > 0x10000)
        return VOS_ERR_INVALID_PARAMETER;
    if (first < from->first || first + count > (uint64_t)from->first + from->count)
        return VOS_ERR_PERMISSION_DENIED;
    if (!arch_ioport_range_ok((unsigned)first, (unsigned)count))
        return VOS_ERR_PERMISSION_DENIED;
    long err;
    struct ioport *io = object_alloc(sizeof(*io), VOS_OBJ_IO_PORT, self->proc, &err);
    if (!io)
        return err;
    io->first = (uint32_t)first;
    io->count = (uint32_t)count;
    struct cap *c;
    err = cap_insert(&self->proc->cspace, &io->obj, rights, parent, &c);
    object_put(&io->obj);
    if (err)
        return err;
    *result = cap_token(c);
    return VOS_OK;
}

/* The first port an access of width bytes at offset reaches: all of them in io, none the kernel's. */
static long port_of(const struct ioport *io, uint64_t width, uint64_t offset, unsigned *port)
{
    if (width != 1 && width != 2 && width != 4)
        return VOS_ERR_INVALID_PARAMETER;
    if (offset >= io->count || width > io->count - offset)
        return VOS_ERR_INVALID_PARAMETER;
    if (!arch_ioport_range_ok((unsigned)(io->first + offset), (unsigned)width))
        return VOS_ERR_PERMISSION_DENIED; /* through the root: never the kernel's own ports */
    *port = (unsigned)(io->first + offset);
    return VOS_OK;
}

long ioport_read(struct ioport *io, user_out_t buf, uint64_t width, uint64_t offset, uint64_t *done)
{
    unsigned port;
    long err = port_of(io, width, offset, &port);
    if (err)
        return err;
    uint32_t v = arch_ioport_in(port, (unsigned)width);
    err = copy_to_user(buf, 0, &v, width); /* little-endian: the low bytes first */
    *done = width;
    return err;
}

long ioport_write(struct ioport *io, user_in_t buf, uint64_t width, uint64_t offset, uint64_t *done)
{
    unsigned port;
    long err = port_of(io, width, offset, &port);
    if (err)
        return err;
    uint32_t v = 0;
    err = copy_from_user(&v, buf, 0, width);
    if (err)
        return err;
    arch_ioport_out(port, (unsigned)width, v);
    *done = width;
    return VOS_OK;
}
