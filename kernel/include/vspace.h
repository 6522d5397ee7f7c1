/*
 * vspace.h — a process's user address space: the arch page tables plus
 * the kernel's record of what was asked for (regions), so that faults can
 * tell "unmapped" from "not allowed", lazily allocated pages can be filled
 * in, and teardown frees exactly what the space owned.
 */
#pragma once

#include "kernel.h"

struct process;
struct memobj;

/* One remembered translation: user page -> direct-map address (xlat.h). */
struct xlat {
    uint64_t page;          /* the user page's number (address / PAGE_SIZE); XLAT_EMPTY: none */
    intptr_t delta;         /* direct-map address minus user address */
};
#define XLAT_ENTRIES 8      /* [4 * writing + page number mod 4] */
#define XLAT_EMPTY UINT64_MAX /* no user page's number: matches none */

struct vspace {
    struct arch_vspace arch;
    struct process *owner;  /* charged for its frames, page tables and region records (kmem.c) */
    struct list regions;    /* struct region, sorted by start, disjoint */
    uint64_t anon_pages;    /* anonymous frames mapped (and charged) */
    uint64_t shrinks;       /* bumped by unmaps and protects: a remembered range goes stale (xlat.h) */
    struct xlat xlat[XLAT_ENTRIES]; /* the last pages read and written, translated (xlat.h) */
    struct region *hint;    /* NULL or a region near the last operation: lookups start there */
    struct region *spare;   /* dropped region records kept for the next map (linked through link.next) */
    unsigned spare_count;
    long alloc_err;         /* why the last allocation for this space failed: OUT_OF_MEMORY or RESOURCE_EXHAUSTED */
};

/*
 * A mapped range.  Anonymous regions (backing NULL) own their frames,
 * allocated on first touch unless populated; backed regions map the frames
 * of a memory object (holding a reference on it) at backing_off.
 */
struct region {
    struct list link;
    uaddr_t start, end;     /* page aligned, end exclusive */
    unsigned prot;          /* VOS_PROT_* now */
    unsigned max_prot;      /* the most SYS_MPROTECT may grant (the capability's rights) */
    struct memobj *backing;
    uint64_t backing_off;
    /*
     * At least the number of r's pages present in the page tables: exact,
     * except that both halves of a split keep the whole's count.  Zero
     * means nothing to look up on a first touch or to unmap.
     */
    uint64_t mapped_max;
};

#define MMAP_BASE 0x1000000000ull   /* where SYS_MMAP looks for free space */

long vspace_init(struct vspace *vs, struct process *owner);
void vspace_destroy(struct vspace *vs);
/* Remove every mapping of backing (its last capability went: kernel/devmem.c). */
void vspace_unmap_backing(struct vspace *vs, const struct memobj *backing);

/*
 * Map [va, va+len) (page aligned).  VOS_OK, INVALID_ADDRESS (outside user
 * space), ALREADY_EXISTS (overlap), OUT_OF_MEMORY, RESOURCE_EXHAUSTED.
 */
long vspace_map(struct vspace *vs, uaddr_t va, uint64_t len, unsigned prot, unsigned max_prot,
                struct memobj *backing, uint64_t backing_off, bool populate);
long vspace_unmap(struct vspace *vs, uaddr_t va, uint64_t len);            /* holes are fine */
long vspace_protect(struct vspace *vs, uaddr_t va, uint64_t len, unsigned prot); /* all of it must be mapped */
uaddr_t vspace_find_free(struct vspace *vs, uint64_t len); /* 0: no room */
struct region *vspace_find(struct vspace *vs, uaddr_t va);
/* A user access to va faulted: VOS_OK if it was a lazy page now filled, else the exit reason. */
long vspace_fault(struct vspace *vs, uaddr_t va, unsigned access, uint64_t *reason);

/* Kernel access to user memory through the page tables: VOS_OK or INVALID_ADDRESS. */
long vspace_read(struct vspace *vs, void *dst, uaddr_t src, uint64_t n);
long vspace_write(struct vspace *vs, uaddr_t dst, const void *src, uint64_t n);
/* Like vspace_write but ignoring the user protection (loading an image). */
long vspace_fill(struct vspace *vs, uaddr_t dst, const void *src, uint64_t n);

/*
 * The kernel's direct-map address of user address va (< ARCH_USER_TOP) if
 * its page is present with the user permissions need, else NULL: a lazy
 * page is not filled in (callers fall back to vspace_read/vspace_write).
 * One page-table walk, no region-list walk: for the IPC copies and the
 * spilled syscall arguments.  vspace_present: the same test, no address.
 */
static inline bool vspace_present(struct vspace *vs, uaddr_t va, unsigned need)
{
    unsigned prot;
    return arch_vspace_lookup(&vs->arch, ALIGN_DOWN(va, PAGE_SIZE), NULL, &prot) &&
           (prot & (need | ARCH_PROT_DEVICE)) == need; /* device registers are never copied to or from */
}

static inline void *vspace_direct(struct vspace *vs, uaddr_t va, unsigned need)
{
    paddr_t pa;
    unsigned prot;
    uaddr_t page = ALIGN_DOWN(va, PAGE_SIZE);
    if (!arch_vspace_lookup(&vs->arch, page, &pa, &prot) || (prot & (need | ARCH_PROT_DEVICE)) != need)
        return NULL;
    return (char *)arch_phys_to_virt(pa) + (va - page);
}
