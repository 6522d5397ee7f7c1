/*
 * pci.c — configuration-space access and the virtio-pci capability walk
 * (pci.h).  Facts from the PCI 3.0 specification (header layout, BARs, the
 * capability list) and virtio 1.x, 4.1.4 (the vendor-specific capabilities
 * of a modern device: cfg_type, bar, offset, length; the notify
 * capability's multiplier).  Every access is a 32-bit one: ECAM serves
 * those on every platform.
 */
#include "pci.h"

uint32_t pci_read32(volatile const uint8_t *cfg, unsigned off)
{
    return *(volatile const uint32_t *)(cfg + (off & 0xffc));
}

uint16_t pci_read16(volatile const uint8_t *cfg, unsigned off)
{
    return (uint16_t)(pci_read32(cfg, off) >> (8 * (off & 2)));
}

uint8_t pci_read8(volatile const uint8_t *cfg, unsigned off)
{
    return (uint8_t)(pci_read32(cfg, off) >> (8 * (off & 3)));
}

/* The write keeps the other half of the word: for the command register,
 * the status half is write-one-to-clear, so that half is written as 0. */
void pci_write16(volatile uint8_t *cfg, unsigned off, uint16_t v)
{
    volatile uint32_t *w = (volatile uint32_t *)(cfg + (off & 0xffc));
    uint32_t keep = off == PCI_COMMAND ? 0 : *w;
    unsigned sh = 8 * (off & 2);
    *w = (keep & ~(0xffffu << sh)) | (uint32_t)v << sh;
}

uint64_t pci_bar_address(volatile const uint8_t *cfg, unsigned bar)
{
    if (bar > 5)
        return 0;
    uint32_t lo = pci_read32(cfg, PCI_BAR0 + 4 * bar);
    if (lo & 1)
        return 0; /* an I/O BAR */
    uint64_t a = lo & ~0xfull;
    if (((lo >> 1) & 3) == 2) /* 64-bit: the next BAR holds the high half */
        a |= bar < 5 ? (uint64_t)pci_read32(cfg, PCI_BAR0 + 4 * (bar + 1)) << 32 : 0;
    return a;
}

#define CAP_VENDOR 0x09
enum { CFG_COMMON = 1, CFG_NOTIFY = 2, CFG_ISR = 3, CFG_DEVICE = 4 };

const char *virtio_pci_layout(volatile const uint8_t *cfg, struct virtio_pci_layout *out)
{
    if (!(pci_read16(cfg, PCI_STATUS) & PCI_STATUS_CAPS))
        return "no capability list";
    uint64_t off[5] = { 0 }, end = 0, start = ~0ull;
    int found = 0, bar = -1;
    unsigned p = pci_read8(cfg, PCI_CAP_PTR) & 0xfc;
    for (int steps = 0; p >= 0x40 && steps < 48; steps++) { /* bounded: a looping list ends */
        uint8_t id = pci_read8(cfg, p), next = pci_read8(cfg, p + 1), type = pci_read8(cfg, p + 3);
        if (id == CAP_VENDOR && type >= CFG_COMMON && type <= CFG_DEVICE && !(found & (1 << type))) {
            unsigned b = pci_read8(cfg, p + 4);
            uint64_t o = pci_read32(cfg, p + 8), len = pci_read32(cfg, p + 12);
            if (bar >= 0 && (unsigned)bar != b)
                return "its structures are in more than one BAR";
            bar = (int)b;
            if (type == CFG_NOTIFY)
                out->notify_multiplier = pci_read32(cfg, p + 16);
            off[type] = o;
            start = o < start ? o : start;
            end = o + len > end ? o + len : end;
            found |= 1 << type;
        }
        p = next & 0xfc;
    }
    if (found != 0x1e)
        return "a virtio capability is missing";
    uint64_t a = pci_bar_address(cfg, (unsigned)bar);
    if (!a)
        return "its BAR is not a memory BAR";
    uint64_t first = (a + start) & ~0xfffull;
    out->bar = (unsigned)bar;
    out->bar_phys = first;
    out->span = ((a + end + 0xfff) & ~0xfffull) - first;
    out->common = a + off[CFG_COMMON] - first;
    out->notify = a + off[CFG_NOTIFY] - first;
    out->isr = a + off[CFG_ISR] - first;
    out->device = a + off[CFG_DEVICE] - first;
    return 0;
}
