/* virtio.h — what the virtio-blk driver (virtio_blk.c: feature negotiation,
 * the split virtqueue, block requests) asks of a virtio 1.x transport.  Two
 * implement it: virtio_mmio.c (riscv64, aarch64 `virt`) and virtio_pci.c
 * (x86_64 `q35`); each is linked into its own program (virtio-blk,
 * virtio-blk-pci), so the transport is the only part that differs. */
#pragma once
#include <stdint.h>
#include <vos/vos.h>

/* Device status bits (virtio 1.x, 2.1) */
#define VIRTIO_S_ACKNOWLEDGE 1
#define VIRTIO_S_DRIVER 2
#define VIRTIO_S_DRIVER_OK 4
#define VIRTIO_S_FEATURES_OK 8
#define VIRTIO_S_FAILED 128

/* Maps the device's registers from the driver's initial capabilities
 * (3: its registers; the PCI transport's 5: its configuration page) and
 * checks that they are a modern virtio block device.  0, or -1 after
 * saying why on con. */
int vt_open(const struct vos_start_info *si, int argc, char **argv, vos_console_t con);
uint8_t vt_status(void);
void vt_set_status(uint8_t status);
uint64_t vt_device_features(void);
void vt_driver_features(uint64_t features);
/* Queue q's largest size; 0 if it does not exist or is already enabled. */
uint32_t vt_queue_max(unsigned q);
/* Queue q: size entries, its three areas' physical addresses; enabled. */
void vt_queue_enable(unsigned q, uint32_t size, uint64_t desc, uint64_t driver, uint64_t device);
void vt_notify(unsigned q);
/* The interrupt's cause read and acknowledged (the device lowers its line). */
void vt_interrupt_ack(void);
/* A 32-bit word of the device-specific configuration. */
uint32_t vt_config32(unsigned off);
