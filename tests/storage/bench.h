/* bench.h — the storage figures (docs/performance.md, "Storage"): guest
 * instructions per KiB through program -> file server -> block driver ->
 * device, exact under `qemu -icount shift=0` (bench.c).  The storage suite
 * runs it on its RAM disk, `fscheck bench` on the system's disk (virtio-blk). */
#pragma once
#include <stdint.h>

/* A 1 MiB file at path written and read back sequentially in 4 KiB and
 * 64 KiB requests, and read at 64 random 4 KiB offsets; buf holds 64 KiB.
 * Each figure is one line, "storage-bench[ (tag)]: ...", given to say.
 * 0, or the number of calls that failed (the file is removed either way). */
int storage_bench(const char *path, const char *tag, uint8_t *buf, void (*say)(const char *line));
