/* ioport.h — x86_64 I/O port ranges (kernel/ioport.c). */
#pragma once

#include "object.h"
#include "usercopy.h"

struct cap;
struct thread;

struct ioport {
    struct object obj;
    uint32_t first, count;  /* ports [first, first + count) */
};

struct ioport *ioport_root(void);   /* all the machine's ports, for init; NULL where there are none */
long ioport_carve(struct thread *self, struct cap *parent, uint64_t request, uint64_t rights, vos_cap_t *result);
long ioport_read(struct ioport *io, user_out_t buf, uint64_t width, uint64_t offset, uint64_t *done);
long ioport_write(struct ioport *io, user_in_t buf, uint64_t width, uint64_t offset, uint64_t *done);
