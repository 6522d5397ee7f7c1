/*
 * virtio_pci.c — the virtio-pci transport (virtio 1.x, 4.1: a modern
 * device, QEMU's `virtio-blk-pci,disable-legacy=on`) of the virtio-blk
 * driver (virtio.h), on x86_64 `q35`.
 *
 * Capabilities: 3 the registers: the page-aligned part of the memory BAR
 * holding the four structures the virtio capabilities point at (common
 * configuration, notification, ISR status, device configuration), 5 the
 * function's 4 KiB of PCI configuration space (ECAM).  init found the
 * device and carved both (userland/init/storage.c); the interrupt (4) is
 * the function's INTx line at the IOAPIC: reading the ISR status lowers it.
 * No MSI-X: left disabled, the device interrupts through INTx.
 */
#include "pci.h"
#include "virtio.h"

/* The common configuration structure (virtio 1.x, 4.1.4.3) */
#define C_DEVICE_FEATURE_SELECT 0x00
#define C_DEVICE_FEATURE 0x04
#define C_DRIVER_FEATURE_SELECT 0x08
#define C_DRIVER_FEATURE 0x0c
#define C_DEVICE_STATUS 0x14
#define C_QUEUE_SELECT 0x16
#define C_QUEUE_SIZE 0x18
#define C_QUEUE_ENABLE 0x1c
#define C_QUEUE_NOTIFY_OFF 0x1e
#define C_QUEUE_DESC 0x20
#define C_QUEUE_DRIVER 0x28
#define C_QUEUE_DEVICE 0x30

static volatile uint8_t *common, *isr, *device;
static volatile uint16_t *notify_at; /* queue 0's notification address */
static volatile uint8_t *notify_base;
static uint32_t notify_multiplier;

static uint32_t c32(unsigned off) { return *(volatile uint32_t *)(common + off); }
static uint16_t c16(unsigned off) { return *(volatile uint16_t *)(common + off); }
static void w32(unsigned off, uint32_t v) { *(volatile uint32_t *)(common + off) = v; }
static void w16(unsigned off, uint16_t v) { *(volatile uint16_t *)(common + off) = v; }
static void w64(unsigned off, uint64_t v)
{
    w32(off, (uint32_t)v);
    w32(off + 4, (uint32_t)(v >> 32));
}

int vt_open(const struct vos_start_info *si, int argc, char **argv, vos_console_t con)
{
    (void)argc, (void)argv;
    const struct vos_cap_info *r = vos_start_cap(si, 3), *c = vos_start_cap(si, 5);
    volatile void *cfg_page, *bar;
    if (!r || r->object_type != VOS_OBJ_DEVICE_MEMORY || !c || c->object_type != VOS_OBJ_DEVICE_MEMORY ||
        vos_devmem_map((vos_devmem_t){ c->token }, VOS_PAGE_SIZE, &cfg_page)) {
        vos_cprintf(con, "virtio-blk: no registers; no disk\n");
        return -1;
    }
    volatile uint8_t *cfg = cfg_page;
    if (pci_read16(cfg, PCI_VENDOR) != VIRTIO_PCI_VENDOR || pci_read16(cfg, PCI_DEVICE) != VIRTIO_PCI_MODERN(2)) {
        vos_cprintf(con, "virtio-blk: no modern virtio-pci block device here (a transitional one needs "
                         "disable-legacy=on); no disk\n");
        return -1;
    }
    struct virtio_pci_layout l;
    const char *why = virtio_pci_layout(cfg, &l);
    if (why || vos_devmem_map((vos_devmem_t){ r->token }, l.span, &bar)) {
        vos_cprintf(con, "virtio-blk: %s; no disk\n", why ? why : "its registers are not all given");
        return -1;
    }
    /* Memory decoding and bus mastering (DMA) on, INTx not disabled. */
    uint16_t cmd = pci_read16(cfg, PCI_COMMAND);
    pci_write16(cfg, PCI_COMMAND, (uint16_t)((cmd | PCI_CMD_MEMORY | PCI_CMD_MASTER) & ~PCI_CMD_INTX_OFF));
    volatile uint8_t *b = bar;
    common = b + l.common;
    isr = b + l.isr;
    device = b + l.device;
    notify_base = b + l.notify;
    notify_multiplier = l.notify_multiplier;
    return 0;
}

uint8_t vt_status(void) { return common[C_DEVICE_STATUS]; }
void vt_set_status(uint8_t status) { common[C_DEVICE_STATUS] = status; }

uint64_t vt_device_features(void)
{
    w32(C_DEVICE_FEATURE_SELECT, 0);
    uint32_t lo = c32(C_DEVICE_FEATURE);
    w32(C_DEVICE_FEATURE_SELECT, 1);
    return (uint64_t)c32(C_DEVICE_FEATURE) << 32 | lo;
}

void vt_driver_features(uint64_t features)
{
    w32(C_DRIVER_FEATURE_SELECT, 0);
    w32(C_DRIVER_FEATURE, (uint32_t)features);
    w32(C_DRIVER_FEATURE_SELECT, 1);
    w32(C_DRIVER_FEATURE, (uint32_t)(features >> 32));
}

uint32_t vt_queue_max(unsigned q)
{
    w16(C_QUEUE_SELECT, (uint16_t)q);
    return c16(C_QUEUE_ENABLE) ? 0 : c16(C_QUEUE_SIZE); /* the size reads as the maximum until written */
}

void vt_queue_enable(unsigned q, uint32_t size, uint64_t desc, uint64_t driver, uint64_t device_)
{
    w16(C_QUEUE_SELECT, (uint16_t)q);
    w16(C_QUEUE_SIZE, (uint16_t)size);
    w64(C_QUEUE_DESC, desc);
    w64(C_QUEUE_DRIVER, driver);
    w64(C_QUEUE_DEVICE, device_);
    notify_at = (volatile uint16_t *)(notify_base + (uint64_t)c16(C_QUEUE_NOTIFY_OFF) * notify_multiplier);
    w16(C_QUEUE_ENABLE, 1);
}

void vt_notify(unsigned q) { *notify_at = (uint16_t)q; } /* one queue: queue 0's address */
void vt_interrupt_ack(void) { (void)isr[0]; } /* reading clears it and lowers INTx */
uint32_t vt_config32(unsigned off) { return *(volatile uint32_t *)(device + off); }
