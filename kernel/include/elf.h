/* elf.h — the executable loader. */
#pragma once

#include "usercopy.h"
#include "vspace.h"

#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4

/* The ELF64 file and program headers, as far as the loader reads them (the host tests build images with them). */
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

/* Where an image comes from: kernel memory (init) or the caller's memory. */
struct elf_source {
    const uint8_t *kernel;  /* non-NULL: a kernel buffer */
    user_in_t user;         /* otherwise: user memory of the current process */
    uint64_t len;
};

/*
 * Load the image into vs: VOS_OK with *entry; INVALID_PARAMETER for a bad
 * image; INVALID_ADDRESS if the user buffer is unreadable; OUT_OF_MEMORY or
 * RESOURCE_EXHAUSTED.  On failure, vs may hold partial mappings.
 */
long elf_load(struct vspace *vs, const struct elf_source *src, uaddr_t *entry);
