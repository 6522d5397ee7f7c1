/* pci.h — PCI configuration space through ECAM, and where a modern
 * virtio-pci device keeps its structures (pci.c).  Used by init (to find a
 * device and carve exactly its registers and interrupt), by the virtio-pci
 * transport (virtio_pci.c) and by the drivers suite (tests/drivers).
 *
 * The machine facts of x86_64 `q35` live here, in one place: where the ECAM
 * window is and how a device's INTx pin reaches the IOAPIC. */
#pragma once
#include <stdint.h>

/* q35: the MCH's PCIEXBAR, which QEMU's firmware (SeaBIOS) sets to its
 * default 0xb0000000; bus 0 is its first MiB (32 devices x 8 functions x 4 KiB). */
#define Q35_ECAM_BASE 0xb0000000ull
#define PCI_BUS0_BYTES (1u << 20)
#define PCI_FN_OFFSET(dev, fn) (((uint64_t)(dev) << 15) | ((uint64_t)(fn) << 12))

/* q35: the ICH9 routes INTA-INTD (pin 1-4) of a device in slot s < 25 to
 * PIRQ (s + pin - 1) % 4 + 4, i.e. PIRQE-H, and PIRQ n is IOAPIC input
 * 16 + n (level, active low).  -1 for no pin or the chipset's own slots. */
static inline int q35_intx_gsi(unsigned slot, unsigned pin)
{
    return pin < 1 || pin > 4 || slot >= 25 ? -1 : (int)(16 + (slot + pin - 1) % 4 + 4);
}

/* Configuration registers (PCI 3.0) */
#define PCI_VENDOR 0x00
#define PCI_DEVICE 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_CAP_PTR 0x34
#define PCI_INT_PIN 0x3d
#define PCI_CMD_MEMORY 0x0002
#define PCI_CMD_MASTER 0x0004
#define PCI_CMD_INTX_OFF 0x0400
#define PCI_STATUS_CAPS 0x0010

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_MODERN(type) (0x1040 + (type)) /* 2: block, 4: entropy */
#define VIRTIO_PCI_TRANSITIONAL_BLK 0x1001           /* a block device with the legacy interface too */

/* One function's 4 KiB of configuration space, mapped. */
uint32_t pci_read32(volatile const uint8_t *cfg, unsigned off);
uint16_t pci_read16(volatile const uint8_t *cfg, unsigned off);
uint8_t pci_read8(volatile const uint8_t *cfg, unsigned off);
void pci_write16(volatile uint8_t *cfg, unsigned off, uint16_t v);
/* A memory BAR's physical address (64-bit BARs included); 0 if none. */
uint64_t pci_bar_address(volatile const uint8_t *cfg, unsigned bar);

/* A modern virtio-pci device's structures (virtio 1.x, 4.1.4): offsets in
 * one memory BAR, and the page-aligned part of that BAR holding all four. */
struct virtio_pci_layout {
    unsigned bar;
    uint64_t bar_phys; /* the page of that BAR where the structures start */
    uint64_t span;     /* bytes from bar_phys covering every structure, whole pages */
    uint64_t common, notify, isr, device; /* offsets from bar_phys */
    uint32_t notify_multiplier;
};
/* NULL when found, else why not. */
const char *virtio_pci_layout(volatile const uint8_t *cfg, struct virtio_pci_layout *out);
