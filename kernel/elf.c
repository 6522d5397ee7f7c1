/*
 * elf.c — loading ELF64 executables into a fresh address space.
 *
 * Nothing in the image is trusted: every offset and size is checked
 * before use, segments must lie in user space below the stack area, must
 * not overlap, and must not be both writable and executable (W^X).  Any
 * violation is VOS_ERR_INVALID_PARAMETER; the partly built space is the
 * caller's to destroy.
 */
#include "elf.h"
#include "process.h"

#define ELF_MAX_SEGMENT (64ull << 20)

static long source_read(const struct elf_source *src, uint64_t off, void *dst, uint64_t n)
{
    if (off > src->len || n > src->len - off)
        return VOS_ERR_INVALID_PARAMETER;
    if (src->kernel) {
        memcpy(dst, src->kernel + off, n);
        return VOS_OK;
    }
    return copy_from_user(dst, src->user, off, n);
}

/* Segment data goes through a small buffer: the image is never trusted to fit anywhere. */
static long copy_segment(struct vspace *vs, const struct elf_source *src, uint64_t off, uaddr_t va, uint64_t n)
{
    uint8_t buf[256];
    for (uint64_t done = 0; done < n;) {
        uint64_t chunk = MIN(n - done, sizeof(buf));
        long err = source_read(src, off + done, buf, chunk);
        if (!err)
            err = vspace_fill(vs, va + done, buf, chunk);
        if (err)
            return err;
        done += chunk;
    }
    return VOS_OK;
}

static unsigned prot_of(uint32_t flags)
{
    return (flags & PF_R ? VOS_PROT_READ : 0) | (flags & PF_W ? VOS_PROT_WRITE : 0) |
           (flags & PF_X ? VOS_PROT_EXEC : 0);
}

long elf_load(struct vspace *vs, const struct elf_source *src, uaddr_t *entry)
{
    struct elf64_ehdr eh;
    uint64_t len = src->len;
    long err = source_read(src, 0, &eh, sizeof(eh));
    if (err)
        return err;
    if (memcmp(eh.ident, "\177ELF", 4) || eh.ident[4] != 2 /* 64-bit */ || eh.ident[5] != 1 /* LE */ ||
        eh.ident[6] != 1 || eh.type != 2 /* ET_EXEC */ || eh.machine != ARCH_ELF_MACHINE ||
        eh.phentsize != sizeof(struct elf64_phdr) || eh.phnum == 0 || eh.phnum > 64 ||
        eh.phoff > len || (uint64_t)eh.phnum * sizeof(struct elf64_phdr) > len - eh.phoff)
        return VOS_ERR_INVALID_PARAMETER;

    bool entry_ok = false;
    for (unsigned i = 0; i < eh.phnum; i++) {
        struct elf64_phdr ph;
        if ((err = source_read(src, eh.phoff + i * sizeof(ph), &ph, sizeof(ph))))
            return err;
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        uaddr_t start = ALIGN_DOWN(ph.vaddr, PAGE_SIZE);
        if (ph.filesz > ph.memsz || ph.memsz > ELF_MAX_SEGMENT || ph.offset > len || ph.filesz > len - ph.offset ||
            ph.vaddr < PAGE_SIZE || ph.vaddr >= USER_STACK_TOP - USER_STACK_SIZE ||
            ph.memsz > USER_STACK_TOP - USER_STACK_SIZE - ph.vaddr ||
            (ph.flags & (PF_W | PF_X)) == (PF_W | PF_X))
            return VOS_ERR_INVALID_PARAMETER;
        uaddr_t end = ALIGN_UP(ph.vaddr + ph.memsz, PAGE_SIZE);
        err = vspace_map(vs, start, end - start, prot_of(ph.flags), VOS_PROT_READ | VOS_PROT_WRITE | VOS_PROT_EXEC,
                         NULL, 0, true);
        if (err)
            return err == VOS_ERR_ALREADY_EXISTS || err == VOS_ERR_INVALID_ADDRESS ? VOS_ERR_INVALID_PARAMETER : err;
        if (ph.filesz && (err = copy_segment(vs, src, ph.offset, ph.vaddr, ph.filesz)))
            return err;
        if ((ph.flags & PF_X) && eh.entry >= ph.vaddr && eh.entry < ph.vaddr + ph.memsz)
            entry_ok = true;
    }
    if (!entry_ok)
        return VOS_ERR_INVALID_PARAMETER;
    *entry = eh.entry;
    return VOS_OK;
}
