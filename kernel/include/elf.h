/* elf.h — the executable loader. */
#pragma once

#include "usercopy.h"
#include "vspace.h"

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
