/* elf.h — the executable loader. */
#pragma once

#include "vspace.h"

/* Load image into vs; VOS_OK with *entry, INVALID_PARAMETER for a bad image, or OUT_OF_MEMORY. */
long elf_load(struct vspace *vs, const uint8_t *image, uint64_t len, uaddr_t *entry);
