/*
 * frame.c — the physical frame allocator.
 *
 * Free frames form a singly linked list threaded through the frames
 * themselves (via the kernel's direct map), so allocation and freeing are
 * O(1) and the allocator needs no memory of its own.  It is fed once, at
 * boot, with RAM minus everything reserved.
 */
#include "memory.h"

struct free_frame {
    struct free_frame *next;
};

static struct free_frame *free_list;
static uint64_t free_count, total_count;

static bool reserved(const struct boot_info *bi, paddr_t pa)
{
    for (unsigned i = 0; i < bi->n_reserved; i++)
        if (pa + PAGE_SIZE > bi->reserved[i].base && pa < bi->reserved[i].base + bi->reserved[i].size)
            return true;
    return pa == 0; /* 0 means "no frame" */
}

void frame_init(const struct boot_info *bi)
{
    for (unsigned i = 0; i < bi->n_ram; i++) {
        paddr_t pa = ALIGN_UP(bi->ram[i].base, PAGE_SIZE);
        paddr_t end = ALIGN_DOWN(bi->ram[i].base + bi->ram[i].size, PAGE_SIZE);
        /* Highest first, so the list hands out low frames first. */
        for (paddr_t p = end; p > pa; p -= PAGE_SIZE) {
            if (reserved(bi, p - PAGE_SIZE))
                continue;
            frame_free(p - PAGE_SIZE);
            total_count++;
        }
    }
}

paddr_t frame_alloc(void)
{
    struct free_frame *f = free_list;
    if (!f)
        return 0;
    free_list = f->next;
    free_count--;
    arch_page_zero(f); /* most of what a page fault costs: see docs/performance.md */
    return arch_virt_to_phys(f);
}

void frame_free(paddr_t pa)
{
    KASSERT(pa && (pa & (PAGE_SIZE - 1)) == 0);
    struct free_frame *f = arch_phys_to_virt(pa);
    f->next = free_list;
    free_list = f;
    free_count++;
}

uint64_t frame_free_count(void) { return free_count; }
uint64_t frame_total_count(void) { return total_count; }
