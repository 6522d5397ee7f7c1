/*
 * virtio_mmio.c — the virtio-mmio transport (virtio 1.x, 4.2.2: the modern,
 * version 2 register layout; QEMU's `-global virtio-mmio.force-legacy=false`)
 * of the virtio-blk driver (virtio.h), on riscv64 and aarch64 `virt`.
 *
 * Capabilities: 3 the transport's register page (DEVICE_MEMORY).  Argument:
 * the offset of the transport in that page (aarch64 packs four 0x200-byte
 * transports in a page).
 */
#include <stdlib.h>

#include "virtio.h"

#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_DEVICE_FEATURES 0x010
#define R_DEVICE_FEATURES_SEL 0x014
#define R_DRIVER_FEATURES 0x020
#define R_DRIVER_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INTERRUPT_STATUS 0x060
#define R_INTERRUPT_ACK 0x064
#define R_STATUS 0x070
#define R_QUEUE_DESC 0x080
#define R_QUEUE_DRIVER 0x090
#define R_QUEUE_DEVICE 0x0a0
#define R_CONFIG 0x100

static volatile uint8_t *regs;

static uint32_t rd(uint32_t off) { return *(volatile uint32_t *)(regs + off); }
static void wr(uint32_t off, uint32_t v) { *(volatile uint32_t *)(regs + off) = v; }
static void wr64(uint32_t off, uint64_t v)
{
    wr(off, (uint32_t)v);
    wr(off + 4, (uint32_t)(v >> 32));
}

int vt_open(const struct vos_start_info *si, int argc, char **argv, vos_console_t con)
{
    const struct vos_cap_info *d = vos_start_cap(si, 3);
    uint64_t offset = argc > 1 ? strtoul(argv[1], NULL, 0) : 0;
    volatile void *page;
    if (!d || d->object_type != VOS_OBJ_DEVICE_MEMORY || offset >= VOS_PAGE_SIZE ||
        vos_devmem_map((vos_devmem_t){ d->token }, VOS_PAGE_SIZE, &page)) {
        vos_cprintf(con, "virtio-blk: no registers; no disk\n");
        return -1;
    }
    regs = (volatile uint8_t *)page + offset;
    if (rd(R_MAGIC) != 0x74726976 || rd(R_DEVICE_ID) != 2) {
        vos_cprintf(con, "virtio-blk: no virtio block device here; no disk\n");
        return -1;
    }
    if (rd(R_VERSION) != 2) {
        vos_cprintf(con, "virtio-blk: a legacy (version 1) transport: start QEMU with "
                         "-global virtio-mmio.force-legacy=false; no disk\n");
        return -1;
    }
    return 0;
}

uint8_t vt_status(void) { return (uint8_t)rd(R_STATUS); }
void vt_set_status(uint8_t status) { wr(R_STATUS, status); }

uint64_t vt_device_features(void)
{
    wr(R_DEVICE_FEATURES_SEL, 0);
    uint32_t lo = rd(R_DEVICE_FEATURES);
    wr(R_DEVICE_FEATURES_SEL, 1);
    return (uint64_t)rd(R_DEVICE_FEATURES) << 32 | lo;
}

void vt_driver_features(uint64_t features)
{
    wr(R_DRIVER_FEATURES_SEL, 0);
    wr(R_DRIVER_FEATURES, (uint32_t)features);
    wr(R_DRIVER_FEATURES_SEL, 1);
    wr(R_DRIVER_FEATURES, (uint32_t)(features >> 32));
}

uint32_t vt_queue_max(unsigned q)
{
    wr(R_QUEUE_SEL, q);
    return rd(R_QUEUE_READY) ? 0 : rd(R_QUEUE_NUM_MAX);
}

void vt_queue_enable(unsigned q, uint32_t size, uint64_t desc, uint64_t driver, uint64_t device)
{
    wr(R_QUEUE_SEL, q);
    wr(R_QUEUE_NUM, size);
    wr64(R_QUEUE_DESC, desc);
    wr64(R_QUEUE_DRIVER, driver);
    wr64(R_QUEUE_DEVICE, device);
    wr(R_QUEUE_READY, 1);
}

void vt_notify(unsigned q) { wr(R_QUEUE_NOTIFY, q); }
void vt_interrupt_ack(void) { wr(R_INTERRUPT_ACK, rd(R_INTERRUPT_STATUS)); }
uint32_t vt_config32(unsigned off) { return rd(R_CONFIG + off); }
