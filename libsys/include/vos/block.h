/* vos/block.h — the block protocol (docs/storage.md, "The block protocol").
 *
 * A block driver (userland/blk: virtio-blk, or the RAM disk) serves calls on
 * its endpoint.  A client first ATTACHes: the reply transfers a MEMORY region
 * (READ|WRITE) that the client maps shared; the driver has it mapped too, and
 * the device reads and writes it directly where the hardware allows (virtio),
 * so data never travels in IPC messages.  A client may lend the driver more
 * regions of its own (ADD_REGION: the file server lends each of its clients'
 * regions, so a file read goes from the device straight to the page its
 * client reads).  Each request names a region (0: the ATTACH one) and a byte
 * offset in it; a client with several threads may have several requests in
 * flight as long as their ranges do not overlap.  Every request is answered:
 * with 0, or a negative VOS_E* code (<vos/file.h>): VOS_EIO for a device
 * error, VOS_EINVAL for a range outside the disk or the region.
 */
#ifndef VOS_BLOCK_H
#define VOS_BLOCK_H

#include <stdint.h>

#define VOS_BLK_SECTOR 512

enum vos_blk_op {
    VOS_BLK_ATTACH = 1, /* reply: capacity etc., and the region (capability) */
    VOS_BLK_READ = 2,   /* device sectors [sector, sector+count) -> region[offset..] */
    VOS_BLK_WRITE = 3,  /* region[offset..] -> device sectors */
    VOS_BLK_FLUSH = 4,  /* everything written so far is on the medium */
    VOS_BLK_ADD_REGION = 5, /* with a MEMORY region (READ|WRITE) transferred: status = its number (> 0) */
};

struct vos_blk_req {
    uint32_t op;
    uint32_t count;  /* sectors */
    uint64_t sector;
    uint64_t offset; /* bytes into the region, a multiple of 512 */
    uint32_t region; /* 0: the region ATTACH gave; else an ADD_REGION number */
    uint32_t pad;
};

struct vos_blk_resp {
    int64_t status;        /* 0 or -VOS_E* */
    uint64_t capacity;     /* sectors (ATTACH) */
    uint32_t max_sectors;  /* per request (ATTACH) */
    uint32_t region_bytes; /* the shared region's size (ATTACH) */
    uint32_t read_only;    /* the device refuses writes (ATTACH) */
    uint32_t pad;
};

#endif
