/* fat.h — a FAT16/FAT32 file system as a portable C module (docs/storage.md).
 *
 * No OS calls: the volume reaches its disk through struct fat_dev (512-byte
 * sectors), and the caller provides the memory (struct fat_vol).  The same
 * file is built into the file server (userland/fs/fsserver.c) and into the
 * host test (tests/storage/test_fat.c) under ASan/UBSan.
 *
 * Written from the FAT specification's facts (BPB fields, entry values,
 * VFAT long-name entries and their checksum, FSInfo).  Invariants:
 *  - every cluster number read from the disk is checked against the volume
 *    (2 .. nclusters+1) before it is used, and every chain walk is bounded by
 *    the number of clusters, so a hostile image gives VOS_EIO, never a loop
 *    or an access outside the volume;
 *  - metadata reaches the disk on fat_close()/fat_flush(): directory entries
 *    are written when they change, the FAT (both copies), the sizes of open
 *    files and FSInfo's free count on flush, then the device is flushed;
 *  - one struct fat_node per open file, shared by all its handles, so they see
 *    one size and one cluster chain.
 * Errors are the negative VOS_E* codes of <vos/file.h>.
 */
#ifndef VOS_FAT_H
#define VOS_FAT_H

#include <stdbool.h>
#include <stdint.h>
#include <vos/file.h>

/* The disk: 512-byte sectors, `sectors` of them; calls return 0 or -VOS_EIO.
 * max_sectors bounds one transfer (0: no bound). */
struct fat_dev {
    void *ctx;
    uint64_t sectors;
    uint32_t max_sectors;
    int (*read)(void *ctx, uint64_t sector, uint32_t count, void *buf);
    int (*write)(void *ctx, uint64_t sector, uint32_t count, const void *buf);
    int (*flush)(void *ctx);
};

#define FAT_MAX_SECTOR 4096
#define FAT_NODES 32
#define FAT_CACHE 8
#define FAT_ROOT 0u /* the directory cluster that names the volume's root */

/* An open file; handles (struct fat_file) point at it. */
struct fat_node {
    uint32_t refs;     /* 0: free slot */
    uint32_t dir;      /* cluster of the directory holding its entry (FAT_ROOT: root) */
    uint32_t slot;     /* index of its short entry in that directory */
    uint32_t first;    /* first cluster, 0 while empty */
    uint32_t size;
    uint8_t attr;
    bool dirty;        /* first/size differ from the entry on disk */
    uint32_t cur_idx;  /* a position in the chain: cluster number cur_clus is */
    uint32_t cur_clus; /* the cur_idx-th of the file (cur_clus 0: none known) */
};

struct fat_file {
    struct fat_node *node;
};

struct fat_cache_sector {
    uint32_t index; /* sector within one FAT copy */
    bool valid, dirty;
    uint32_t age;
    uint8_t data[FAT_MAX_SECTOR];
};

/* A position in a directory's chain: clus is its ci-th cluster (fat.c). */
struct fat_dir_pos {
    uint32_t dir, ci, clus;
};

struct fat_vol {
    struct fat_dev dev;
    bool read_only;
    uint32_t bits;             /* 16 or 32 */
    uint32_t bps;              /* bytes per sector */
    uint32_t dev_per_sector;   /* 512-byte device sectors per volume sector */
    uint32_t spc;              /* sectors per cluster */
    uint32_t cluster_bytes;
    uint32_t reserved, nfats, fat_sectors;
    uint32_t root_start, root_entries; /* FAT16: the fixed root directory */
    uint32_t data_start;       /* first sector of cluster 2 */
    uint32_t nclusters;        /* usable clusters: 2 .. nclusters+1 */
    uint32_t root_cluster;     /* FAT32 */
    uint32_t fsinfo_sector;    /* 0: none */
    uint32_t free_count, next_free;
    bool fsinfo_dirty;
    bool truncated;            /* the FAT or the device is shorter than the BPB says */
    uint32_t clock;
    uint64_t now;              /* seconds since 1970 UTC, for the dates written (0: no clock: 2026-01-01); the caller's */
    struct fat_cache_sector fcache[FAT_CACHE];
    uint64_t sbuf_sector;      /* the directory sector in sbuf (UINT64_MAX: none) */
    uint8_t sbuf[FAT_MAX_SECTOR];
    uint8_t dbuf[512];         /* partial data sectors */
    struct fat_node nodes[FAT_NODES];
    struct fat_dir_pos listing; /* fat_readdir's place, so a listing walks the chain once */
    bool listing_valid;         /* cleared by everything that frees or moves a directory */
};

/* Writes an empty FAT16 volume over the whole device (2 MiB .. 2 GiB; else
 * VOS_EINVAL): what mkfs.fat -F 16 would, for a RAM disk. */
int fat_format(const struct fat_dev *dev, const char *label);
int fat_mount(struct fat_vol *v, const struct fat_dev *dev, bool read_only);
int fat_flush(struct fat_vol *v);

/* Paths are relative to the directory cluster `root` (FAT_ROOT or one
 * returned by fat_lookup_dir); ".." never leaves it (VOS_EACCES). */
int fat_lookup_dir(struct fat_vol *v, uint32_t root, const char *path, uint32_t *dir);
int fat_open(struct fat_vol *v, uint32_t root, const char *path, int flags, struct fat_file *f);
int64_t fat_read(struct fat_vol *v, struct fat_file *f, uint64_t off, void *buf, uint32_t len);
int64_t fat_write(struct fat_vol *v, struct fat_file *f, uint64_t off, const void *buf, uint32_t len);
int fat_truncate(struct fat_vol *v, struct fat_file *f, uint64_t size);
uint32_t fat_size(const struct fat_file *f);
int fat_close(struct fat_vol *v, struct fat_file *f);
int fat_stat(struct fat_vol *v, uint32_t root, const char *path, struct vos_stat *st);
int fat_readdir(struct fat_vol *v, uint32_t root, const char *path, uint64_t *cookie,
                struct vos_dirent *ent);
int fat_mkdir(struct fat_vol *v, uint32_t root, const char *path);
int fat_unlink(struct fat_vol *v, uint32_t root, const char *path);
int fat_rename(struct fat_vol *v, uint32_t root, const char *from, const char *to);
void fat_statfs(struct fat_vol *v, struct vos_statfs *st);

#endif
