/*
 * mmap.c — the memory syscalls: policy checks on top of vspace.c.
 *
 * W^X: no mapping may be writable and executable at once (InvalidParameter).
 * Anonymous memory is private to the process and allocated on first touch
 * unless POPULATE asks for it now.  Memory objects (regions carved from a
 * pool) map SHARED — the very frames, seen by every process mapping them —
 * or PRIVATE, a copy taken at map time.
 */
#include "memobj.h"
#include "syscall_handlers.h"

#define PROT_WX (VOS_PROT_WRITE | VOS_PROT_EXEC)
#define ANY_PROT (VOS_PROT_READ | VOS_PROT_WRITE | VOS_PROT_EXEC)

static unsigned prot_allowed_by(const struct cap *c)
{
    return (c->rights & VOS_RIGHT_READ ? VOS_PROT_READ : 0) | (c->rights & VOS_RIGHT_WRITE ? VOS_PROT_WRITE : 0) |
           (c->rights & VOS_RIGHT_EXECUTE ? VOS_PROT_EXEC : 0);
}

static long range_args(uint64_t addr, uint64_t length, uint64_t *len)
{
    if ((addr & (PAGE_SIZE - 1)) || length == 0 || length > ARCH_USER_TOP)
        return VOS_ERR_INVALID_PARAMETER;
    *len = ALIGN_UP(length, PAGE_SIZE);
    return VOS_OK;
}

/* A private copy of a region's bytes, as fresh anonymous pages, bounded by the capability. */
static long map_private_copy(struct vspace *vs, uaddr_t va, uint64_t len, unsigned prot, unsigned max_prot,
                             struct memobj *m, uint64_t offset)
{
    long err = vspace_map(vs, va, len, prot, max_prot, NULL, 0, true);
    for (uint64_t off = 0; !err && off < len; off += PAGE_SIZE)
        err = vspace_fill(vs, va + off, arch_phys_to_virt(memobj_frame(m, (offset + off) / PAGE_SIZE)), PAGE_SIZE);
    if (err)
        vspace_unmap(vs, va, len);
    return err;
}

/* Inlined: sys_mmap calls it twice (the hint, then a free range) but usually runs it once. */
static inline __attribute__((always_inline)) long map_at(struct vspace *vs, uaddr_t va, uint64_t len, unsigned prot,
                                                         uint32_t flags, struct cap *capability, struct memobj *m,
                                                         uint64_t offset)
{
    if (flags & VOS_MAP_ANONYMOUS)
        return vspace_map(vs, va, len, prot, ANY_PROT, NULL, 0, flags & VOS_MAP_POPULATE);
    if (flags & VOS_MAP_SHARED)
        return vspace_map(vs, va, len, prot, prot_allowed_by(capability), m, offset, true);
    return map_private_copy(vs, va, len, prot, prot_allowed_by(capability), m, offset);
}

long sys_mmap(struct thread *self, uint64_t addr, uint64_t length, uint32_t prot, uint32_t flags,
              struct cap *capability, uint64_t offset, uint64_t *result)
{
    struct vspace *vs = &self->proc->vspace;
    bool anonymous = flags & VOS_MAP_ANONYMOUS, fixed = flags & VOS_MAP_FIXED;
    bool shared = flags & VOS_MAP_SHARED, private = flags & VOS_MAP_PRIVATE;
    uint64_t len;
    if (length == 0 || length > ARCH_USER_TOP || (prot & PROT_WX) == PROT_WX || shared == private)
        return VOS_ERR_INVALID_PARAMETER;
    len = ALIGN_UP(length, PAGE_SIZE);
    if (fixed && (addr & (PAGE_SIZE - 1)))
        return VOS_ERR_INVALID_PARAMETER;

    struct memobj *m = capability ? container_of(capability->obj, struct memobj, obj) : NULL;
    if (anonymous ? (offset || (m && !m->pool)) : (!m || m->pool || (offset & (PAGE_SIZE - 1))))
        return m || anonymous ? VOS_ERR_INVALID_PARAMETER : VOS_ERR_INVALID_CAPABILITY;
    if (!anonymous && (offset > m->size || len > m->size - offset))
        return VOS_ERR_INVALID_PARAMETER;
    if (m && memobj_is_device(m) && (anonymous || !shared))
        return VOS_ERR_INVALID_PARAMETER; /* no RAM from it; a private copy would read registers via the direct map */
    if (m && memobj_is_device(m) && (prot & VOS_PROT_EXEC))
        return VOS_ERR_PERMISSION_DENIED; /* never code (its capabilities lack EXECUTE anyway) */

    /* FIXED: exactly there.  Otherwise addr is a hint, and any free range will do. */
    uaddr_t va = addr & (PAGE_SIZE - 1) ? 0 : addr;
    long err = va ? map_at(vs, va, len, prot, flags, capability, m, offset) : VOS_ERR_ALREADY_EXISTS;
    if (!fixed && (err == VOS_ERR_ALREADY_EXISTS || err == VOS_ERR_INVALID_ADDRESS)) {
        if (!(va = vspace_find_free(vs, len)))
            return VOS_ERR_OUT_OF_MEMORY;
        err = map_at(vs, va, len, prot, flags, capability, m, offset);
    }
    if (err)
        return err;
    *result = va;
    return VOS_OK;
}

long sys_munmap(struct thread *self, uint64_t addr, uint64_t length)
{
    uint64_t len;
    long err = range_args(addr, length, &len);
    return err ? err : vspace_unmap(&self->proc->vspace, addr, len);
}

long sys_mprotect(struct thread *self, uint64_t addr, uint64_t length, uint32_t prot)
{
    uint64_t len;
    long err = range_args(addr, length, &len);
    if (err || (prot & PROT_WX) == PROT_WX)
        return err ? err : VOS_ERR_INVALID_PARAMETER;
    return vspace_protect(&self->proc->vspace, addr, len, prot);
}
