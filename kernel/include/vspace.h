/*
 * vspace.h — a process's user address space: the arch page tables plus
 * the kernel's record of which frames are mapped where, so that tearing
 * the space down frees exactly what it owned.
 */
#pragma once

#include "kernel.h"

struct vspace {
    struct arch_vspace arch;
    struct list regions;    /* struct region, sorted by start */
    uint64_t mapped_pages;
};

struct region {
    struct list link;
    uaddr_t start, end;     /* page aligned, end exclusive */
    unsigned prot;          /* VOS_PROT_* */
};

long vspace_init(struct vspace *vs);
void vspace_destroy(struct vspace *vs);
/* Map fresh zeroed frames over [va, va+len): VOS_OK, INVALID_ADDRESS, OUT_OF_MEMORY, ALREADY_EXISTS. */
long vspace_map_anon(struct vspace *vs, uaddr_t va, uint64_t len, unsigned prot);
struct region *vspace_find(struct vspace *vs, uaddr_t va);
/* Kernel access to user memory through the page tables: VOS_OK or INVALID_ADDRESS. */
long vspace_read(struct vspace *vs, void *dst, uaddr_t src, uint64_t n);
long vspace_write(struct vspace *vs, uaddr_t dst, const void *src, uint64_t n);
/* Like vspace_write but ignoring the page's user protection (loading an image). */
long vspace_fill(struct vspace *vs, uaddr_t dst, const void *src, uint64_t n);
