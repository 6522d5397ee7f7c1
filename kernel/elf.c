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
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4

struct elf64_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static unsigned prot_of(uint32_t flags)
{
    return (flags & PF_R ? VOS_PROT_READ : 0) | (flags & PF_W ? VOS_PROT_WRITE : 0) |
           (flags & PF_X ? VOS_PROT_EXEC : 0);
}

long elf_load(struct vspace *vs, const uint8_t *image, uint64_t len, uaddr_t *entry)
{
    struct elf64_ehdr eh;
    if (len < sizeof(eh))
        return VOS_ERR_INVALID_PARAMETER;
    memcpy(&eh, image, sizeof(eh));
    if (memcmp(eh.ident, "\177ELF", 4) || eh.ident[4] != 2 /* 64-bit */ || eh.ident[5] != 1 /* LE */ ||
        eh.ident[6] != 1 || eh.type != 2 /* ET_EXEC */ || eh.machine != ARCH_ELF_MACHINE ||
        eh.phentsize != sizeof(struct elf64_phdr) || eh.phnum == 0 || eh.phnum > 64 ||
        eh.phoff > len || (uint64_t)eh.phnum * sizeof(struct elf64_phdr) > len - eh.phoff)
        return VOS_ERR_INVALID_PARAMETER;

    bool entry_ok = false;
    for (unsigned i = 0; i < eh.phnum; i++) {
        struct elf64_phdr ph;
        memcpy(&ph, image + eh.phoff + i * sizeof(ph), sizeof(ph));
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        uaddr_t start = ALIGN_DOWN(ph.vaddr, PAGE_SIZE);
        if (ph.filesz > ph.memsz || ph.memsz > ELF_MAX_SEGMENT || ph.offset > len || ph.filesz > len - ph.offset ||
            ph.vaddr < PAGE_SIZE || ph.vaddr >= USER_STACK_TOP - USER_STACK_SIZE ||
            ph.memsz > USER_STACK_TOP - USER_STACK_SIZE - ph.vaddr ||
            (ph.flags & (PF_W | PF_X)) == (PF_W | PF_X))
            return VOS_ERR_INVALID_PARAMETER;
        uaddr_t end = ALIGN_UP(ph.vaddr + ph.memsz, PAGE_SIZE);
        long err = vspace_map_anon(vs, start, end - start, prot_of(ph.flags));
        if (err)
            return err == VOS_ERR_OUT_OF_MEMORY ? err : VOS_ERR_INVALID_PARAMETER;
        if (ph.filesz && vspace_fill(vs, ph.vaddr, image + ph.offset, ph.filesz))
            return VOS_ERR_INVALID_PARAMETER;
        if ((ph.flags & PF_X) && eh.entry >= ph.vaddr && eh.entry < ph.vaddr + ph.memsz)
            entry_ok = true;
    }
    if (!entry_ok)
        return VOS_ERR_INVALID_PARAMETER;
    *entry = eh.entry;
    return VOS_OK;
}
