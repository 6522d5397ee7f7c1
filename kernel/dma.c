/*
 * dma.c — the DMA zone: physically contiguous RAM for devices.
 *
 * The frame allocator hands out single frames in no useful order, so at
 * boot, before anyone can allocate, the kernel sets aside DMA_ZONE_PAGES
 * consecutive frames.  Invariants: the zone is one run of consecutive
 * frames never on the frame allocator's free list; used[] has a bit per
 * page, set while a DMA region holds it; pages are zeroed when handed out.
 * Allocation is first fit (regions are few and long-lived: virtqueues and
 * buffers a driver sets up once).
 */
#include "memobj.h"
#include "memory.h"

#define DMA_ZONE_PAGES 512  /* 2 MiB */

static paddr_t zone;        /* first frame, or 0: no zone */
static uint64_t used[DMA_ZONE_PAGES / 64];

static bool is_used(uint64_t i) { return used[i / 64] >> (i % 64) & 1; }
static void set_used(uint64_t i, bool on)
{
    if (on)
        used[i / 64] |= 1ull << (i % 64);
    else
        used[i / 64] &= ~(1ull << (i % 64));
}

/*
 * At boot the free list hands out frames in ascending order, so the first
 * run of DMA_ZONE_PAGES consecutive frames comes quickly; frames that
 * break a run go back.
 */
void dma_init(void)
{
    paddr_t first = 0, last = 0, skipped = 0;
    uint64_t run = 0;
    while (run < DMA_ZONE_PAGES) {
        paddr_t pa = frame_alloc();
        if (!pa)
            break;
        if (run && pa == last + PAGE_SIZE) {
            run++;
        } else {
            while (run--) { /* a gap: the run so far goes back, chained through its own first word */
                paddr_t back = first + run * PAGE_SIZE;
                *(paddr_t *)arch_phys_to_virt(back) = skipped;
                skipped = back;
            }
            first = pa;
            run = 1;
        }
        last = pa;
    }
    while (skipped) {
        paddr_t next = *(paddr_t *)arch_phys_to_virt(skipped);
        frame_free(skipped);
        skipped = next;
    }
    if (run == DMA_ZONE_PAGES)
        zone = first;
    else
        while (run--)
            frame_free(first + run * PAGE_SIZE);
}

paddr_t dma_alloc(uint64_t pages)
{
    for (uint64_t start = 0; zone && start + pages <= DMA_ZONE_PAGES; start++) {
        uint64_t n = 0;
        while (n < pages && !is_used(start + n))
            n++;
        if (n < pages) {
            start += n; /* the next candidate starts past the used page */
            continue;
        }
        for (uint64_t i = 0; i < pages; i++) {
            set_used(start + i, true);
            arch_page_zero(arch_phys_to_virt(zone + (start + i) * PAGE_SIZE));
        }
        return zone + start * PAGE_SIZE;
    }
    return 0;
}

void dma_free(paddr_t pa, uint64_t pages)
{
    uint64_t start = (pa - zone) / PAGE_SIZE;
    KASSERT(zone && pa >= zone && start + pages <= DMA_ZONE_PAGES);
    for (uint64_t i = 0; i < pages; i++) {
        KASSERT(is_used(start + i));
        set_used(start + i, false);
    }
}
