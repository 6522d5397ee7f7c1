/* fat.c — FAT16/FAT32 read and write (fat.h states the invariants).
 *
 * Layout facts used (FAT specification): the BPB in sector 0; the FAT copies
 * after the reserved sectors; FAT16's fixed root directory after them; the
 * data clusters from cluster 2.  FAT16 entries are 16 bits, FAT32 entries 28
 * bits (the top 4 are kept as found); values >= 0xFFF8 / 0x0FFFFFF8 end a
 * chain, 0xFFF7 / 0x0FFFFFF7 mark a bad cluster, 0 a free one.  A directory
 * entry is 32 bytes; long names precede their short entry as attr-0x0F
 * entries carrying 13 UCS-2 units each, in reverse order, each with the
 * checksum of the short name.
 */
#include "fat.h"

#include <string.h>

#define ATTR_RO 0x01
#define ATTR_HIDDEN 0x02
#define ATTR_SYSTEM 0x04
#define ATTR_VOLUME 0x08
#define ATTR_DIR 0x10
#define ATTR_ARCHIVE 0x20
#define ATTR_LFN 0x0F

#define DIR_MAX_SLOTS 65536u /* the specification's limit: 2 MiB of entries */
#define LFN_MAX_ENTRIES 20
#define PATH_MAX_PARTS 64
#define NODE_ROOT_DIR UINT32_MAX
#define FAT_DATE ((uint16_t)(((2026 - 1980) << 9) | (1 << 5) | 1)) /* no clock: 2026-01-01 */
#define FAT_EPOCH 315532800ull  /* 1980-01-01 in seconds since 1970: FAT's first date */
#define FAT_END 4354819200ull   /* 2108-01-01: past its last */

enum { NEXT_EOC = 0, NEXT_OK = 1 };

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static bool is_pow2(uint32_t x) { return x && !(x & (x - 1)); }
static uint8_t upper(uint16_t u) { return (uint8_t)(u >= 'a' && u <= 'z' ? u - 32 : u); }

/* ---- device access ------------------------------------------------------ */

/* 512-byte device sectors, split to the device's transfer bound. */
static int dev_rw(struct fat_vol *v, uint64_t sector, uint64_t count, void *buf, bool write)
{
    uint8_t *p = buf;
    if (sector > v->dev.sectors || count > v->dev.sectors - sector)
        return -VOS_EIO;
    while (count) {
        uint32_t n = count > 0x10000 ? 0x10000 : (uint32_t)count;
        if (v->dev.max_sectors && n > v->dev.max_sectors)
            n = v->dev.max_sectors;
        int r = write ? v->dev.write(v->dev.ctx, sector, n, p) : v->dev.read(v->dev.ctx, sector, n, p);
        if (r < 0)
            return -VOS_EIO;
        sector += n;
        count -= n;
        p += (uint64_t)n * 512;
    }
    return 0;
}

static int vol_read(struct fat_vol *v, uint64_t vsec, void *buf)
{
    return dev_rw(v, vsec * v->dev_per_sector, v->dev_per_sector, buf, false);
}

static int vol_write(struct fat_vol *v, uint64_t vsec, const void *buf)
{
    return dev_rw(v, vsec * v->dev_per_sector, v->dev_per_sector, (void *)buf, true);
}

/* Bytes at a byte address of the volume: whole 512-byte sectors straight to or
 * from buf, the partial ones at either end through dbuf. */
static int vol_bytes(struct fat_vol *v, uint64_t addr, uint8_t *buf, uint64_t len, bool write)
{
    while (len) {
        uint64_t sec = addr / 512;
        uint32_t in = (uint32_t)(addr % 512);
        if (in || len < 512) {
            uint32_t n = 512 - in;
            if (n > len)
                n = (uint32_t)len;
            if (dev_rw(v, sec, 1, v->dbuf, false) < 0)
                return -VOS_EIO;
            if (write) {
                memcpy(v->dbuf + in, buf, n);
                if (dev_rw(v, sec, 1, v->dbuf, true) < 0)
                    return -VOS_EIO;
            } else {
                memcpy(buf, v->dbuf + in, n);
            }
            addr += n, buf += n, len -= n;
            continue;
        }
        uint64_t whole = len / 512;
        if (dev_rw(v, sec, whole, buf, write) < 0)
            return -VOS_EIO;
        addr += whole * 512, buf += whole * 512, len -= whole * 512;
    }
    return 0;
}

/* ---- the FAT ------------------------------------------------------------ */

static int fcache_writeback(struct fat_vol *v, struct fat_cache_sector *c)
{
    if (!c->valid || !c->dirty)
        return 0;
    for (uint32_t k = 0; k < v->nfats; k++)
        if (vol_write(v, (uint64_t)v->reserved + (uint64_t)k * v->fat_sectors + c->index, c->data) < 0)
            return -VOS_EIO;
    c->dirty = false;
    return 0;
}

static int fcache_get(struct fat_vol *v, uint32_t index, uint8_t **data)
{
    struct fat_cache_sector *victim = &v->fcache[0];
    for (int i = 0; i < FAT_CACHE; i++) {
        struct fat_cache_sector *c = &v->fcache[i];
        if (c->valid && c->index == index) {
            c->age = ++v->clock;
            *data = c->data;
            return 0;
        }
        if (!c->valid || (victim->valid && c->age < victim->age))
            victim = c;
    }
    if (fcache_writeback(v, victim) < 0)
        return -VOS_EIO;
    victim->valid = false;
    if (vol_read(v, (uint64_t)v->reserved + index, victim->data) < 0)
        return -VOS_EIO;
    victim->valid = true;
    victim->dirty = false;
    victim->index = index;
    victim->age = ++v->clock;
    *data = victim->data;
    return 0;
}

static bool cluster_valid(const struct fat_vol *v, uint32_t c)
{
    return c >= 2 && c - 2 < v->nclusters;
}

static int fat_get(struct fat_vol *v, uint32_t c, uint32_t *value)
{
    uint8_t *d;
    uint32_t off = c * (v->bits / 8);
    if (fcache_get(v, off / v->bps, &d) < 0)
        return -VOS_EIO;
    *value = v->bits == 16 ? get16(d + off % v->bps) : get32(d + off % v->bps) & 0x0FFFFFFF;
    return 0;
}

static int fat_set(struct fat_vol *v, uint32_t c, uint32_t value)
{
    uint8_t *d;
    uint32_t off = c * (v->bits / 8);
    uint32_t idx = off / v->bps;
    if (fcache_get(v, idx, &d) < 0)
        return -VOS_EIO;
    if (v->bits == 16)
        put16(d + off % v->bps, (uint16_t)value);
    else
        put32(d + off % v->bps, (get32(d + off % v->bps) & 0xF0000000) | (value & 0x0FFFFFFF));
    for (int i = 0; i < FAT_CACHE; i++)
        if (v->fcache[i].valid && v->fcache[i].index == idx)
            v->fcache[i].dirty = true;
    return 0;
}

static uint32_t fat_eoc(const struct fat_vol *v) { return v->bits == 16 ? 0xFFFF : 0x0FFFFFFF; }

/* The cluster after c: NEXT_OK with *next, NEXT_EOC at the chain's end, or
 * -VOS_EIO for a free, bad or out-of-volume entry. */
static int fat_next(struct fat_vol *v, uint32_t c, uint32_t *next)
{
    uint32_t val;
    if (!cluster_valid(v, c) || fat_get(v, c, &val) < 0)
        return -VOS_EIO;
    uint32_t eoc_min = v->bits == 16 ? 0xFFF8 : 0x0FFFFFF8;
    if (val >= eoc_min)
        return NEXT_EOC;
    if (!cluster_valid(v, val))
        return -VOS_EIO;
    *next = val;
    return NEXT_OK;
}

/* Length of the chain from first, bounded by the volume: a loop is -VOS_EIO. */
static int chain_length(struct fat_vol *v, uint32_t first, uint32_t *len)
{
    uint32_t n = 0, c = first;
    if (!first) {
        *len = 0;
        return 0;
    }
    for (;;) {
        if (++n > v->nclusters)
            return -VOS_EIO;
        int r = fat_next(v, c, &c);
        if (r < 0)
            return r;
        if (r == NEXT_EOC)
            break;
    }
    *len = n;
    return 0;
}

static void free_count_add(struct fat_vol *v, int32_t d)
{
    v->free_count = (uint32_t)((int64_t)v->free_count + d);
    v->fsinfo_dirty = true;
}

/* Frees the chain from first (bounded; stops at the first bad entry). */
static int chain_free(struct fat_vol *v, uint32_t first)
{
    uint32_t c = first;
    for (uint32_t n = 0; c && n <= v->nclusters; n++) {
        uint32_t next = 0;
        int r = fat_next(v, c, &next);
        if (r < 0)
            return r;
        if (fat_set(v, c, 0) < 0)
            return -VOS_EIO;
        free_count_add(v, 1);
        c = r == NEXT_OK ? next : 0;
    }
    return 0;
}

/* A free cluster, marked end-of-chain and linked after prev (if any). */
static int cluster_alloc(struct fat_vol *v, uint32_t prev, uint32_t *out)
{
    if (v->read_only)
        return -VOS_EROFS;
    uint32_t start = cluster_valid(v, v->next_free) ? v->next_free : 2;
    for (uint32_t i = 0; i < v->nclusters; i++) {
        uint32_t c = 2 + (start - 2 + i) % v->nclusters;
        uint32_t val;
        if (fat_get(v, c, &val) < 0)
            return -VOS_EIO;
        if (val)
            continue;
        if (fat_set(v, c, fat_eoc(v)) < 0 || (prev && fat_set(v, prev, c) < 0))
            return -VOS_EIO;
        free_count_add(v, -1);
        v->next_free = c + 1;
        *out = c;
        return 0;
    }
    return -VOS_ENOSPC;
}

static uint64_t cluster_addr(const struct fat_vol *v, uint32_t c)
{
    return ((uint64_t)v->data_start + (uint64_t)(c - 2) * v->spc) * v->bps;
}

static int cluster_zero(struct fat_vol *v, uint32_t c)
{
    uint8_t zero[512];
    memset(zero, 0, sizeof zero);
    uint64_t sec = cluster_addr(v, c) / 512;
    for (uint32_t i = 0; i < v->cluster_bytes / 512; i++)
        if (dev_rw(v, sec + i, 1, zero, true) < 0)
            return -VOS_EIO;
    return 0;
}

/* ---- mount and flush ---------------------------------------------------- */

static int bpb_parse(struct fat_vol *v, const uint8_t *b)
{
    if (b[510] != 0x55 || b[511] != 0xAA)
        return -VOS_EINVAL;
    v->bps = get16(b + 11);
    v->spc = b[13];
    v->reserved = get16(b + 14);
    v->nfats = b[16];
    v->root_entries = get16(b + 17);
    uint32_t total = get16(b + 19) ? get16(b + 19) : get32(b + 32);
    uint32_t fatsz = get16(b + 22) ? get16(b + 22) : get32(b + 36);
    if (!is_pow2(v->bps) || v->bps < 512 || v->bps > FAT_MAX_SECTOR || !is_pow2(v->spc) ||
        v->reserved == 0 || v->nfats == 0 || v->nfats > 4 || fatsz == 0 || total == 0)
        return -VOS_EINVAL;
    v->dev_per_sector = v->bps / 512;
    v->cluster_bytes = v->bps * v->spc;
    if (v->cluster_bytes > 64 * 1024)
        return -VOS_EINVAL;
    v->fat_sectors = fatsz;
    uint32_t root_sectors = (uint32_t)(((uint64_t)v->root_entries * 32 + v->bps - 1) / v->bps);
    uint64_t meta = (uint64_t)v->reserved + (uint64_t)v->nfats * fatsz + root_sectors;
    if (meta >= total)
        return -VOS_EINVAL;
    v->root_start = v->reserved + v->nfats * fatsz;
    v->data_start = (uint32_t)meta;
    uint32_t clusters = (uint32_t)((total - meta) / v->spc);
    if (clusters < 4085)
        return -VOS_EINVAL; /* FAT12: not supported */
    v->bits = clusters < 65525 ? 16 : 32;
    if (v->bits == 32) {
        if (v->root_entries || get16(b + 22))
            return -VOS_EINVAL;
        v->root_cluster = get32(b + 44);
        v->fsinfo_sector = get16(b + 48);
    } else if (v->root_entries == 0) {
        return -VOS_EINVAL;
    }
    /* Serve what is sound: clusters the FAT has no entry for, or that lie
     * beyond the device, are not used. */
    uint64_t fat_entries = (uint64_t)fatsz * v->bps / (v->bits / 8);
    uint64_t dev_vsecs = v->dev.sectors / v->dev_per_sector;
    v->nclusters = clusters;
    if (fat_entries < (uint64_t)clusters + 2) {
        v->nclusters = fat_entries > 2 ? (uint32_t)(fat_entries - 2) : 0;
        v->truncated = true;
    }
    if (dev_vsecs < (uint64_t)v->data_start + (uint64_t)v->nclusters * v->spc) {
        uint64_t fit = dev_vsecs > v->data_start ? (dev_vsecs - v->data_start) / v->spc : 0;
        v->nclusters = (uint32_t)fit;
        v->truncated = true;
    }
    if (v->nclusters == 0 || dev_vsecs < v->data_start)
        return -VOS_EINVAL;
    if (v->bits == 32 && !cluster_valid(v, v->root_cluster))
        return -VOS_EINVAL;
    return 0;
}

static int fsinfo_load(struct fat_vol *v)
{
    uint8_t *b = v->sbuf;
    v->sbuf_sector = UINT64_MAX;
    if (!v->fsinfo_sector || v->fsinfo_sector >= v->reserved || vol_read(v, v->fsinfo_sector, b) < 0 ||
        get32(b) != 0x41615252 || get32(b + 484) != 0x61417272 || get32(b + 508) != 0xAA550000) {
        v->fsinfo_sector = 0;
        return 0;
    }
    if (get32(b + 488) != v->free_count || get32(b + 492) != v->next_free)
        v->fsinfo_dirty = true;
    return 0;
}

static int fsinfo_store(struct fat_vol *v)
{
    if (!v->fsinfo_sector || !v->fsinfo_dirty || v->read_only)
        return 0;
    uint8_t *b = v->sbuf;
    v->sbuf_sector = UINT64_MAX;
    if (vol_read(v, v->fsinfo_sector, b) < 0)
        return -VOS_EIO;
    put32(b + 488, v->free_count);
    put32(b + 492, cluster_valid(v, v->next_free) ? v->next_free : 2);
    if (vol_write(v, v->fsinfo_sector, b) < 0)
        return -VOS_EIO;
    v->fsinfo_dirty = false;
    return 0;
}

/* FAT16 geometry for `total` 512-byte sectors: the smallest cluster that keeps
 * the count below FAT16's limit, and a FAT big enough for that count. */
static int format_geometry(uint64_t total, uint32_t *spc, uint32_t *fatsz)
{
    const uint32_t reserved = 1, root_sectors = 32; /* 512 root entries */
    static const uint32_t prefer[] = {8, 4, 2, 1, 16, 32, 64}; /* 4 KiB clusters first: fewer FAT steps per byte */
    if (total > 0xFFFFFFFFu)
        return -VOS_EINVAL;
    for (unsigned k = 0; k < sizeof prefer / sizeof prefer[0]; k++) {
        uint32_t clusters = 0;
        *spc = prefer[k];
        *fatsz = 1;
        for (int i = 0; i < 8; i++) { /* converges in two or three rounds */
            uint64_t meta = reserved + root_sectors + 2ull * *fatsz;
            if (meta >= total)
                return -VOS_EINVAL;
            clusters = (uint32_t)((total - meta) / *spc);
            *fatsz = (uint32_t)(((uint64_t)clusters + 2) * 2 + 511) / 512;
        }
        uint64_t meta = reserved + root_sectors + 2ull * *fatsz;
        clusters = (uint32_t)((total - meta) / *spc);
        if (clusters >= 4085 && clusters < 65525)
            return 0;
    }
    return -VOS_EINVAL;
}

int fat_format(const struct fat_dev *dev, const char *label)
{
    uint32_t spc, fatsz;
    if (format_geometry(dev->sectors, &spc, &fatsz) < 0)
        return -VOS_EINVAL;
    uint8_t b[512];
    memset(b, 0, sizeof b);
    b[0] = 0xEB, b[1] = 0x3C, b[2] = 0x90;
    memcpy(b + 3, "VERIDIAN", 8);
    put16(b + 11, 512);
    b[13] = (uint8_t)spc;
    put16(b + 14, 1);  /* reserved sectors */
    b[16] = 2;         /* FAT copies */
    put16(b + 17, 512); /* root entries */
    if (dev->sectors < 65536)
        put16(b + 19, (uint16_t)dev->sectors);
    else
        put32(b + 32, (uint32_t)dev->sectors);
    b[21] = 0xF8; /* fixed disk */
    put16(b + 22, (uint16_t)fatsz);
    put16(b + 24, 32); /* sectors per track, heads: geometry nobody uses */
    put16(b + 26, 64);
    b[36] = 0x80;
    b[38] = 0x29;
    put32(b + 39, 0x56455249); /* volume id */
    memset(b + 43, ' ', 11);
    for (int i = 0; i < 11 && label && label[i]; i++)
        b[43 + i] = (uint8_t)upper((uint8_t)label[i]);
    memcpy(b + 54, "FAT16   ", 8);
    b[510] = 0x55, b[511] = 0xAA;
    /* Both FATs and the root directory: zero, then the two reserved entries. */
    uint8_t z[512];
    memset(z, 0, sizeof z);
    for (uint32_t s = 1; s < 1 + 2 * fatsz + 32; s++)
        if (dev->write(dev->ctx, s, 1, z) < 0)
            return -VOS_EIO;
    if (label && label[0]) { /* the label lives in the root directory too */
        memcpy(z, b + 43, 11);
        z[11] = ATTR_VOLUME;
        put16(z + 22, 0);
        put16(z + 24, FAT_DATE);
        if (dev->write(dev->ctx, 1 + 2 * fatsz, 1, z) < 0)
            return -VOS_EIO;
        memset(z, 0, sizeof z);
    } else {
        memcpy(b + 43, "NO NAME    ", 11);
    }
    put16(z, 0xFFF8);
    put16(z + 2, 0xFFFF);
    for (uint32_t k = 0; k < 2; k++)
        if (dev->write(dev->ctx, 1 + k * fatsz, 1, z) < 0)
            return -VOS_EIO;
    if (dev->write(dev->ctx, 0, 1, b) < 0) /* last: an interrupted format is no volume */
        return -VOS_EIO;
    return dev->flush ? dev->flush(dev->ctx) : 0;
}

int fat_mount(struct fat_vol *v, const struct fat_dev *dev, bool read_only)
{
    memset(v, 0, sizeof *v);
    v->dev = *dev;
    v->read_only = read_only;
    v->sbuf_sector = UINT64_MAX;
    if (dev->sectors < 1 || dev_rw(v, 0, 1, v->sbuf, false) < 0)
        return -VOS_EIO;
    int r = bpb_parse(v, v->sbuf);
    if (r < 0)
        return r;
    v->next_free = 2;
    bool first_free = true;
    for (uint32_t c = 2; c - 2 < v->nclusters; c++) {
        uint32_t val;
        if (fat_get(v, c, &val) < 0)
            return -VOS_EIO;
        if (val == 0) {
            v->free_count++;
            if (first_free)
                v->next_free = c, first_free = false;
        }
    }
    return v->bits == 32 ? fsinfo_load(v) : 0;
}

/* ---- directories -------------------------------------------------------- */

/* Where slot `slot` of directory `dir` lives; `pos` caches the last cluster
 * found so a scan walks each chain once. */
#define dir_pos fat_dir_pos

static void dir_pos_init(struct fat_vol *v, struct dir_pos *p, uint32_t dir)
{
    p->dir = dir;
    p->ci = 0;
    p->clus = dir == FAT_ROOT && v->bits == 32 ? v->root_cluster : dir;
}

static bool dir_is_fixed_root(const struct fat_vol *v, uint32_t dir)
{
    return dir == FAT_ROOT && v->bits == 16;
}

/* 1 and the sector (volume units) and byte offset; 0 past the end; or an error. */
static int dir_locate(struct fat_vol *v, struct dir_pos *p, uint32_t slot, uint64_t *sector, uint32_t *off)
{
    uint64_t byte = (uint64_t)slot * 32;
    if (slot >= DIR_MAX_SLOTS) {
        /* A chain longer than a directory may be (a loop, say) is corrupt. */
        uint32_t next;
        if (dir_is_fixed_root(v, p->dir) || byte % v->cluster_bytes || p->ci + 1 != byte / v->cluster_bytes)
            return 0;
        int r = fat_next(v, p->clus, &next);
        return r == NEXT_EOC ? 0 : -VOS_EIO;
    }
    if (dir_is_fixed_root(v, p->dir)) {
        if (slot >= v->root_entries)
            return 0;
        *sector = v->root_start + byte / v->bps;
        *off = (uint32_t)(byte % v->bps);
        return 1;
    }
    uint32_t ci = (uint32_t)(byte / v->cluster_bytes);
    if (ci < p->ci)
        dir_pos_init(v, p, p->dir);
    while (p->ci < ci) {
        uint32_t next;
        int r = fat_next(v, p->clus, &next);
        if (r < 0)
            return r;
        if (r == NEXT_EOC)
            return 0;
        p->clus = next;
        p->ci++;
    }
    if (!cluster_valid(v, p->clus))
        return -VOS_EIO;
    uint32_t in = (uint32_t)(byte % v->cluster_bytes);
    *sector = cluster_addr(v, p->clus) / v->bps + in / v->bps;
    *off = in % v->bps;
    return 1;
}

/* The 32-byte entry at slot, in sbuf: 1 with *ent, 0 past the end, or an error. */
static int dir_slot(struct fat_vol *v, struct dir_pos *p, uint32_t slot, uint8_t **ent)
{
    uint64_t sector;
    uint32_t off;
    int r = dir_locate(v, p, slot, &sector, &off);
    if (r <= 0)
        return r;
    if (v->sbuf_sector != sector) {
        v->sbuf_sector = UINT64_MAX;
        if (vol_read(v, sector, v->sbuf) < 0)
            return -VOS_EIO;
        v->sbuf_sector = sector;
    }
    *ent = v->sbuf + off;
    return 1;
}

static int dir_slot_store(struct fat_vol *v)
{
    if (v->read_only)
        return -VOS_EROFS;
    return vol_write(v, v->sbuf_sector, v->sbuf) < 0 ? -VOS_EIO : 0;
}

static uint8_t lfn_checksum(const uint8_t *sn)
{
    uint8_t sum = 0;
    for (int i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + sn[i]);
    return sum;
}

/* A name character: no control character and none of bad (the two name kinds differ only there). */
static bool name_char_ok(uint32_t ch, const char *bad)
{
    if (ch < 0x20)
        return false;
    for (const char *b = bad; *b; b++)
        if (ch == (uint8_t)*b)
            return false;
    return true;
}

static bool short_char_ok(uint8_t ch) { return name_char_ok(ch, "\"*+,./:;<=>?[\\]|"); }

/* A short name as found on disk: sound characters, no leading space. */
static bool short_name_sound(const uint8_t *sn)
{
    if (sn[0] == ' ')
        return false;
    for (int i = 0; i < 11; i++)
        if (!short_char_ok(i == 0 && sn[0] == 0x05 ? 0xE5 : sn[i]))
            return false;
    return true;
}

static int utf8_put(char *out, int pos, int cap, uint16_t u)
{
    int n = u < 0x80 ? 1 : u < 0x800 ? 2 : 3;
    if (pos + n >= cap)
        return -1;
    if (n == 1) {
        out[pos] = (char)u;
    } else if (n == 2) {
        out[pos] = (char)(0xC0 | u >> 6);
        out[pos + 1] = (char)(0x80 | (u & 0x3F));
    } else {
        out[pos] = (char)(0xE0 | u >> 12);
        out[pos + 1] = (char)(0x80 | ((u >> 6) & 0x3F));
        out[pos + 2] = (char)(0x80 | (u & 0x3F));
    }
    return pos + n;
}

/* UTF-8 to UCS-2 (the Basic Multilingual Plane; -1 for anything else). */
static int utf8_to_ucs2(const char *s, int len, uint16_t *out, int cap)
{
    int n = 0;
    for (int i = 0; i < len;) {
        uint8_t c = (uint8_t)s[i];
        uint32_t u;
        if (c < 0x80) {
            u = c, i += 1;
        } else if ((c & 0xE0) == 0xC0 && i + 1 < len && ((uint8_t)s[i + 1] & 0xC0) == 0x80) {
            u = (uint32_t)(c & 0x1F) << 6 | ((uint8_t)s[i + 1] & 0x3F), i += 2;
        } else if ((c & 0xF0) == 0xE0 && i + 2 < len && ((uint8_t)s[i + 1] & 0xC0) == 0x80 &&
                   ((uint8_t)s[i + 2] & 0xC0) == 0x80) {
            u = (uint32_t)(c & 0x0F) << 12 | (uint32_t)((uint8_t)s[i + 1] & 0x3F) << 6 | ((uint8_t)s[i + 2] & 0x3F);
            i += 3;
        } else {
            return -1;
        }
        if (n >= cap || !u)
            return -1;
        out[n++] = (uint16_t)u;
    }
    return n;
}

/* What a directory scan found: one sound entry and its names. */
struct dir_entry {
    uint32_t slot;       /* its short entry */
    uint32_t lfn_slot;   /* its first long-name entry (== slot without one) */
    uint8_t raw[32];
    char name[VOS_NAME_MAX + 1]; /* the long name, or the short one */
    char short_name[13];
};

static void short_name_text(const uint8_t *sn, char *out)
{
    int n = 0;
    uint8_t nt = sn[12];
    for (int i = 0; i < 8 && sn[i] != ' '; i++) {
        uint8_t ch = i == 0 && sn[0] == 0x05 ? 0xE5 : sn[i];
        if (ch >= 0x80)
            ch = '_';
        out[n++] = (char)((nt & 0x08) && ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    }
    if (sn[8] != ' ') {
        out[n++] = '.';
        for (int i = 8; i < 11 && sn[i] != ' '; i++) {
            uint8_t ch = sn[i] >= 0x80 ? '_' : sn[i];
            out[n++] = (char)((nt & 0x10) && ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
        }
    }
    out[n] = 0;
}

static uint32_t entry_cluster(const struct fat_vol *v, const uint8_t *e)
{
    uint32_t c = get16(e + 26);
    if (v->bits == 32)
        c |= (uint32_t)get16(e + 20) << 16;
    return c;
}

static void entry_set_cluster(uint8_t *e, uint32_t c)
{
    put16(e + 26, (uint16_t)c);
    put16(e + 20, (uint16_t)(c >> 16));
}

/* Long-name assembly across a scan. */
struct lfn_state {
    int expect;  /* next ordinal wanted; 0: complete (or none) */
    int count;   /* entries in this name */
    uint8_t sum;
    uint32_t first_slot;
    uint16_t units[LFN_MAX_ENTRIES * 13];
    bool active;
};

static void lfn_take(struct lfn_state *l, const uint8_t *e, uint32_t slot)
{
    int ord = e[0] & 0x1F;
    if (e[0] & 0x40) {
        if (ord == 0 || ord > LFN_MAX_ENTRIES) {
            l->active = false;
            return;
        }
        l->active = true;
        l->count = ord;
        l->sum = e[13];
        l->first_slot = slot;
        memset(l->units, 0xFF, sizeof l->units);
    } else if (!l->active || ord != l->expect || e[13] != l->sum) {
        l->active = false;
        return;
    }
    static const uint8_t at[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
    for (int i = 0; i < 13; i++)
        l->units[(ord - 1) * 13 + i] = get16(e + at[i]);
    l->expect = ord - 1;
}

/* The long name for the short entry e, if the assembled one belongs to it. */
static bool lfn_finish(struct lfn_state *l, const uint8_t *e, char *out)
{
    bool ok = l->active && l->expect == 0 && lfn_checksum(e) == l->sum;
    l->active = false;
    if (!ok)
        return false;
    int pos = 0;
    for (int i = 0; i < l->count * 13; i++) {
        uint16_t u = l->units[i];
        if (u == 0)
            break;
        if (u < 0x20 || u == '/' || u == '\\' || u == 0xFFFF)
            return false;
        pos = utf8_put(out, pos, VOS_NAME_MAX + 1, u);
        if (pos < 0)
            return false;
    }
    out[pos] = 0;
    return pos > 0;
}

/* Scans dir from slot *cursor for the next sound entry ("." and ".." and
 * volume labels skipped): 1 with *d, 0 at the end, or an error. */
static int dir_next(struct fat_vol *v, struct dir_pos *p, uint32_t *cursor, struct dir_entry *d)
{
    struct lfn_state l;
    l.active = false;
    for (uint32_t slot = *cursor;; slot++) {
        uint8_t *e;
        int r = dir_slot(v, p, slot, &e);
        if (r <= 0) {
            *cursor = slot;
            return r;
        }
        if (e[0] == 0) {
            *cursor = slot;
            return 0;
        }
        if (e[0] == 0xE5) {
            l.active = false;
            continue;
        }
        if ((e[11] & 0x3F) == ATTR_LFN) {
            lfn_take(&l, e, slot);
            continue;
        }
        if (e[11] & ATTR_VOLUME || e[0] == '.' || !short_name_sound(e)) {
            l.active = false;
            continue;
        }
        memcpy(d->raw, e, 32);
        d->slot = slot;
        d->lfn_slot = l.active ? l.first_slot : slot;
        short_name_text(e, d->short_name);
        if (!lfn_finish(&l, e, d->name)) {
            d->lfn_slot = slot;
            memcpy(d->name, d->short_name, sizeof d->short_name);
        }
        *cursor = slot + 1;
        return 1;
    }
}

static bool name_eq(const char *a, int alen, const char *b)
{
    int i = 0;
    for (; i < alen && b[i]; i++) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z')
            x = (char)(x - 32);
        if (y >= 'a' && y <= 'z')
            y = (char)(y - 32);
        if (x != y)
            return false;
    }
    return i == alen && !b[i];
}

/* The entry named (name, len) in dir: 1 with *d, 0 if absent, or an error. */
static int dir_find(struct fat_vol *v, uint32_t dir, const char *name, int len, struct dir_entry *d)
{
    struct dir_pos p;
    uint32_t cursor = 0;
    dir_pos_init(v, &p, dir);
    for (;;) {
        int r = dir_next(v, &p, &cursor, d);
        if (r <= 0)
            return r;
        if (name_eq(name, len, d->name) || name_eq(name, len, d->short_name))
            return 1;
    }
}

/* An entry's fields checked against the volume. */
static int entry_sound(const struct fat_vol *v, const struct dir_entry *d)
{
    uint32_t c = entry_cluster(v, d->raw);
    uint32_t size = get32(d->raw + 28);
    if (d->raw[11] & ATTR_DIR)
        return cluster_valid(v, c) ? 0 : -VOS_EIO;
    if (c == 0)
        return size == 0 ? 0 : -VOS_EIO;
    if (!cluster_valid(v, c) || (uint64_t)size > (uint64_t)v->nclusters * v->cluster_bytes)
        return -VOS_EIO;
    return 0;
}

/* ---- paths -------------------------------------------------------------- */

struct path {
    int n;
    const char *part[PATH_MAX_PARTS];
    int len[PATH_MAX_PARTS];
};

/* Lexical: "." dropped, ".." takes one back and never above the root. */
static int path_split(const char *s, struct path *p)
{
    p->n = 0;
    int total = 0;
    while (*s) {
        while (*s == '/')
            s++, total++;
        const char *start = s;
        while (*s && *s != '/')
            s++, total++;
        int len = (int)(s - start);
        if (total >= VOS_PATH_MAX)
            return -VOS_ENAMETOOLONG;
        if (len == 0 || (len == 1 && start[0] == '.'))
            continue;
        if (len == 2 && start[0] == '.' && start[1] == '.') {
            if (p->n == 0)
                return -VOS_EACCES;
            p->n--;
            continue;
        }
        if (len > VOS_NAME_MAX)
            return -VOS_ENAMETOOLONG;
        if (p->n == PATH_MAX_PARTS)
            return -VOS_ENAMETOOLONG;
        p->part[p->n] = start;
        p->len[p->n++] = len;
    }
    return 0;
}

/* Walks the first `upto` components from root: the directory reached. */
static int path_walk(struct fat_vol *v, uint32_t root, const struct path *p, int upto, uint32_t *dir)
{
    uint32_t cur = root;
    for (int i = 0; i < upto; i++) {
        struct dir_entry d;
        int r = dir_find(v, cur, p->part[i], p->len[i], &d);
        if (r < 0)
            return r;
        if (r == 0)
            return -VOS_ENOENT;
        if (!(d.raw[11] & ATTR_DIR))
            return -VOS_ENOTDIR;
        if (entry_sound(v, &d) < 0)
            return -VOS_EIO;
        cur = entry_cluster(v, d.raw);
    }
    *dir = cur;
    return 0;
}

/* Splits path into its parent directory (walked) and last component. */
static int path_parent(struct fat_vol *v, uint32_t root, const char *path, uint32_t *dir, const char **name,
                       int *len)
{
    struct path p;
    int r = path_split(path, &p);
    if (r < 0)
        return r;
    if (p.n == 0)
        return -VOS_EBUSY; /* the root itself */
    r = path_walk(v, root, &p, p.n - 1, dir);
    *name = p.part[p.n - 1];
    *len = p.len[p.n - 1];
    return r;
}

int fat_lookup_dir(struct fat_vol *v, uint32_t root, const char *path, uint32_t *dir)
{
    struct path p;
    int r = path_split(path, &p);
    return r < 0 ? r : path_walk(v, root, &p, p.n, dir);
}

/* ---- creating entries --------------------------------------------------- */

static bool long_char_ok(uint16_t u) { return name_char_ok(u, "\"*/:<>?\\|"); }

/* The short entry name for units[0..n): true if it says everything (no long
 * name needed; *nt gets the lower-case flags), false if sn is only a basis. */
static bool short_from_long(const uint16_t *u, int n, uint8_t sn[11], uint8_t *nt)
{
    memset(sn, ' ', 11);
    *nt = 0;
    int dot = -1;
    for (int i = 0; i < n; i++)
        if (u[i] == '.')
            dot = i;
    bool exact = dot != 0 && n <= 12;
    int base_len = dot < 0 ? n : dot, ext_len = dot < 0 ? 0 : n - dot - 1;
    if (base_len > 8 || ext_len > 3 || (dot >= 0 && ext_len == 0))
        exact = false;
    int lower[2] = {0, 0}, upperc[2] = {0, 0};
    int bi = 0, ei = 0;
    for (int i = 0; i < n; i++) {
        uint16_t c = u[i];
        int part = dot >= 0 && i > dot;
        if (i == dot)
            continue;
        if (c == '.' || c == ' ' || c >= 0x80 || !short_char_ok((uint8_t)c)) {
            exact = false;
            if (c == '.' || c == ' ')
                continue;
            c = '_';
        }
        if (c >= 'a' && c <= 'z')
            lower[part]++;
        if (c >= 'A' && c <= 'Z')
            upperc[part]++;
        if (!part && bi < 8)
            sn[bi++] = upper(c);
        else if (part && ei < 3)
            sn[8 + ei++] = upper(c);
    }
    if (bi == 0)
        sn[bi++] = '_', exact = false;
    if ((lower[0] && upperc[0]) || (lower[1] && upperc[1]))
        exact = false;
    if (exact)
        *nt = (uint8_t)((lower[0] ? 0x08 : 0) | (lower[1] ? 0x10 : 0));
    return exact;
}

static int dir_has_short(struct fat_vol *v, uint32_t dir, const uint8_t sn[11])
{
    struct dir_pos p;
    dir_pos_init(v, &p, dir);
    for (uint32_t slot = 0;; slot++) {
        uint8_t *e;
        int r = dir_slot(v, &p, slot, &e);
        if (r <= 0)
            return r;
        if (e[0] == 0)
            return 0;
        if (e[0] != 0xE5 && (e[11] & 0x3F) != ATTR_LFN && !memcmp(e, sn, 11))
            return 1;
    }
}

/* Basis + "~N" for the first N not already used in dir. */
static int short_unique(struct fat_vol *v, uint32_t dir, uint8_t sn[11])
{
    uint8_t base[8];
    memcpy(base, sn, 8);
    int blen = 8;
    while (blen > 1 && base[blen - 1] == ' ')
        blen--;
    for (uint32_t tail = 1; tail < 1000000; tail++) {
        char digits[8];
        int nd = 0;
        for (uint32_t t = tail; t; t /= 10)
            digits[nd++] = (char)('0' + t % 10);
        int keep = blen < 7 - nd ? blen : 7 - nd;
        memset(sn, ' ', 8);
        memcpy(sn, base, (size_t)keep);
        sn[keep] = '~';
        for (int i = 0; i < nd; i++)
            sn[keep + 1 + i] = (uint8_t)digits[nd - 1 - i];
        int r = dir_has_short(v, dir, sn);
        if (r <= 0)
            return r;
        if (tail > 2000)
            return -VOS_ENOSPC; /* a directory full of near-identical names */
    }
    return -VOS_ENOSPC;
}

/* `count` consecutive free slots in dir, growing it by a cluster if needed. */
static int dir_find_free(struct fat_vol *v, uint32_t dir, uint32_t count, uint32_t *first)
{
    struct dir_pos p;
    dir_pos_init(v, &p, dir);
    uint32_t run = 0;
    for (uint32_t slot = 0;; slot++) {
        uint8_t *e;
        int r = dir_slot(v, &p, slot, &e);
        if (r < 0)
            return r;
        if (r == 0) {
            /* Past the last cluster: append a zeroed one (not the fixed root). */
            if (dir_is_fixed_root(v, dir) || slot >= DIR_MAX_SLOTS)
                return -VOS_ENOSPC;
            uint32_t c;
            r = cluster_alloc(v, p.clus, &c);
            if (r < 0)
                return r;
            if (cluster_zero(v, c) < 0)
                return -VOS_EIO;
            v->sbuf_sector = UINT64_MAX;
            if (run + v->cluster_bytes / 32 >= count) {
                *first = slot - run;
                return 0;
            }
            run += v->cluster_bytes / 32;
            slot += v->cluster_bytes / 32 - 1;
            continue;
        }
        if (e[0] == 0 || e[0] == 0xE5) {
            if (++run == count) {
                *first = slot + 1 - count;
                return 0;
            }
        } else {
            run = 0;
        }
    }
}

/* Writes a new entry named (name, len) into dir: long-name entries if needed,
 * then the short entry `tmpl` (attr, cluster, size, times) under its new name. */
static int dir_add(struct fat_vol *v, uint32_t dir, const char *name, int len, const uint8_t tmpl[32],
                   uint32_t *slot_out)
{
    uint16_t u[VOS_NAME_MAX + 1];
    int n = utf8_to_ucs2(name, len, u, VOS_NAME_MAX);
    if (n <= 0)
        return -VOS_EINVAL;
    for (int i = 0; i < n; i++)
        if (!long_char_ok(u[i]))
            return -VOS_EINVAL;
    if (u[n - 1] == '.' || u[n - 1] == ' ')
        return -VOS_EINVAL;
    uint8_t e[32], nt;
    memcpy(e, tmpl, 32);
    bool exact = short_from_long(u, n, e, &nt);
    e[12] = nt;
    int r = exact ? dir_has_short(v, dir, e) : short_unique(v, dir, e);
    if (r < 0)
        return r;
    if (exact && r == 1) { /* the same short name under another long one */
        exact = false;
        e[12] = 0;
        r = short_unique(v, dir, e);
        if (r < 0)
            return r;
    }
    uint32_t nlfn = exact ? 0 : (uint32_t)(n + 12) / 13, first;
    r = dir_find_free(v, dir, nlfn + 1, &first);
    if (r < 0)
        return r;
    struct dir_pos p;
    dir_pos_init(v, &p, dir);
    uint8_t sum = lfn_checksum(e);
    static const uint8_t at[13] = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
    for (uint32_t i = 0; i <= nlfn; i++) {
        uint8_t *slot;
        r = dir_slot(v, &p, first + i, &slot);
        if (r <= 0)
            return r < 0 ? r : -VOS_EIO;
        if (i == nlfn) {
            memcpy(slot, e, 32);
        } else {
            uint32_t ord = nlfn - i;
            memset(slot, 0, 32);
            slot[0] = (uint8_t)(ord | (i == 0 ? 0x40 : 0));
            slot[11] = ATTR_LFN;
            slot[13] = sum;
            for (int k = 0; k < 13; k++) {
                int idx = (int)(ord - 1) * 13 + k;
                put16(slot + at[k], idx < n ? u[idx] : idx == n ? 0 : 0xFFFF);
            }
        }
        r = dir_slot_store(v);
        if (r < 0)
            return r;
    }
    *slot_out = first + nlfn;
    return 0;
}

/* Marks an entry and its long-name entries deleted. */
static int dir_remove(struct fat_vol *v, uint32_t dir, uint32_t lfn_slot, uint32_t slot)
{
    struct dir_pos p;
    dir_pos_init(v, &p, dir);
    for (uint32_t s = lfn_slot; s <= slot; s++) {
        uint8_t *e;
        int r = dir_slot(v, &p, s, &e);
        if (r <= 0)
            return r < 0 ? r : -VOS_EIO;
        e[0] = 0xE5;
        r = dir_slot_store(v);
        if (r < 0)
            return r;
    }
    return 0;
}

/* ---- dates: FAT keeps local date and time; we keep UTC (no time zone) ----
 * date: bits 15-9 years since 1980, 8-5 month, 4-0 day; time: bits 15-11
 * hours, 10-5 minutes, 4-0 seconds / 2. */

static bool leap(unsigned y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned month_days(unsigned y, unsigned m) /* m 0..11 */
{
    static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return days[m] + (m == 1 && leap(y));
}

/* v->now as a FAT date and time; a clock we do not have (0) or one FAT
 * cannot say: 2026-01-01 00:00. */
static void stamp(const struct fat_vol *v, uint16_t *date, uint16_t *time)
{
    uint64_t t = v->now;
    if (t < FAT_EPOCH || t >= FAT_END) {
        *date = FAT_DATE;
        *time = 0;
        return;
    }
    uint64_t days = (t - FAT_EPOCH) / 86400, secs = t % 86400;
    unsigned y = 1980, m = 0;
    while (days >= (leap(y) ? 366u : 365u))
        days -= leap(y++) ? 366u : 365u;
    while (days >= month_days(y, m))
        days -= month_days(y, m++);
    *date = (uint16_t)((y - 1980) << 9 | (m + 1) << 5 | (unsigned)(days + 1));
    *time = (uint16_t)(secs / 3600 << 11 | secs / 60 % 60 << 5 | secs % 60 / 2);
}

/* An entry's write date and time in seconds since 1970 (0 if not a date). */
static uint64_t entry_mtime(const uint8_t *raw)
{
    unsigned date = get16(raw + 24), time = get16(raw + 22);
    unsigned y = 1980 + (date >> 9), m = (date >> 5 & 15) - 1, d = date & 31;
    if (m > 11 || d == 0 || d > month_days(y, m))
        return 0;
    uint64_t days = d - 1;
    for (unsigned i = 1980; i < y; i++)
        days += leap(i) ? 366 : 365;
    for (unsigned i = 0; i < m; i++)
        days += month_days(y, i);
    return FAT_EPOCH + days * 86400 + (time >> 11) * 3600 + (time >> 5 & 63) * 60 + (time & 31) * 2;
}

static void entry_written(const struct fat_vol *v, uint8_t e[32])
{
    uint16_t date, time;
    stamp(v, &date, &time);
    put16(e + 22, time);
    put16(e + 24, date);
}

static void entry_template(const struct fat_vol *v, uint8_t e[32], uint8_t attr, uint32_t cluster)
{
    memset(e, 0, 32);
    e[11] = attr;
    entry_set_cluster(e, cluster);
    entry_written(v, e);
    memcpy(e + 14, e + 22, 4); /* created: time and date */
    memcpy(e + 18, e + 24, 2); /* accessed: the date */
}

/* ---- open files --------------------------------------------------------- */

static struct fat_node *node_find(struct fat_vol *v, uint32_t dir, uint32_t slot)
{
    for (int i = 0; i < FAT_NODES; i++)
        if (v->nodes[i].refs && v->nodes[i].dir == dir && v->nodes[i].slot == slot)
            return &v->nodes[i];
    return 0;
}

static int node_sync(struct fat_vol *v, struct fat_node *n)
{
    if (!n->dirty)
        return 0;
    struct dir_pos p;
    uint8_t *e;
    dir_pos_init(v, &p, n->dir);
    int r = dir_slot(v, &p, n->slot, &e);
    if (r <= 0)
        return r < 0 ? r : -VOS_EIO;
    entry_set_cluster(e, n->first);
    put32(e + 28, n->size);
    entry_written(v, e);
    e[11] |= ATTR_ARCHIVE;
    r = dir_slot_store(v);
    if (r == 0)
        n->dirty = false;
    return r;
}

int fat_flush(struct fat_vol *v)
{
    int err = 0;
    for (int i = 0; i < FAT_NODES; i++)
        if (v->nodes[i].refs && node_sync(v, &v->nodes[i]) < 0)
            err = -VOS_EIO;
    for (int i = 0; i < FAT_CACHE; i++)
        if (fcache_writeback(v, &v->fcache[i]) < 0)
            err = -VOS_EIO;
    if (fsinfo_store(v) < 0)
        err = -VOS_EIO;
    if (!v->read_only && v->dev.flush && v->dev.flush(v->dev.ctx) < 0)
        err = -VOS_EIO;
    return err;
}

static int node_truncate(struct fat_vol *v, struct fat_node *n, uint32_t size);

int fat_open(struct fat_vol *v, uint32_t root, const char *path, int flags, struct fat_file *f)
{
    uint32_t dir;
    const char *name;
    int len;
    bool writing = (flags & VOS_O_ACCMODE) != VOS_O_RDONLY || (flags & (VOS_O_CREAT | VOS_O_TRUNC));
    if (writing && v->read_only)
        return -VOS_EROFS;
    int r = path_parent(v, root, path, &dir, &name, &len);
    if (r == -VOS_EBUSY)
        return -VOS_EISDIR;
    if (r < 0)
        return r;
    struct dir_entry d;
    r = dir_find(v, dir, name, len, &d);
    if (r < 0)
        return r;
    if (r == 1 && (flags & VOS_O_CREAT) && (flags & VOS_O_EXCL))
        return -VOS_EEXIST;
    if (r == 0) {
        if (!(flags & VOS_O_CREAT))
            return -VOS_ENOENT;
        uint8_t tmpl[32];
        entry_template(v, tmpl, ATTR_ARCHIVE, 0);
        r = dir_add(v, dir, name, len, tmpl, &d.slot);
        if (r < 0)
            return r;
        memcpy(d.raw, tmpl, 32);
    } else {
        if (d.raw[11] & ATTR_DIR)
            return -VOS_EISDIR;
        if (writing && (d.raw[11] & ATTR_RO))
            return -VOS_EPERM;
    }
    struct fat_node *n = node_find(v, dir, d.slot);
    if (!n) {
        if (entry_sound(v, &d) < 0)
            return -VOS_EIO;
        uint32_t first = entry_cluster(v, d.raw), size = get32(d.raw + 28), chain;
        if (chain_length(v, first, &chain) < 0 || (uint64_t)chain * v->cluster_bytes < size)
            return -VOS_EIO; /* a loop, a bad link, or a size the chain does not hold */
        for (int i = 0; i < FAT_NODES && !n; i++)
            if (!v->nodes[i].refs)
                n = &v->nodes[i];
        if (!n)
            return -VOS_ENOMEM;
        memset(n, 0, sizeof *n);
        n->dir = dir;
        n->slot = d.slot;
        n->first = first;
        n->size = size;
        n->attr = d.raw[11];
    }
    n->refs++;
    f->node = n;
    if (flags & VOS_O_TRUNC) {
        r = node_truncate(v, n, 0);
        if (r < 0) {
            fat_close(v, f);
            return r;
        }
    }
    return 0;
}

int fat_close(struct fat_vol *v, struct fat_file *f)
{
    struct fat_node *n = f->node;
    if (!n)
        return -VOS_EBADF;
    int r = node_sync(v, n);
    if (r == 0)
        r = fat_flush(v);
    n->refs--;
    f->node = 0;
    return r;
}

uint32_t fat_size(const struct fat_file *f) { return f->node ? f->node->size : 0; }

/* The ci-th cluster of the file; with `grow`, clusters are appended to reach
 * it.  1 with *c, 0 if the chain ends first, or an error. */
static int node_cluster(struct fat_vol *v, struct fat_node *n, uint32_t ci, bool grow, uint32_t *c)
{
    if (!n->first) {
        if (!grow)
            return 0;
        int r = cluster_alloc(v, 0, &n->first);
        if (r < 0)
            return r;
        n->dirty = true;
        n->cur_clus = 0;
    }
    if (!n->cur_clus || n->cur_idx > ci) {
        n->cur_idx = 0;
        n->cur_clus = n->first;
    }
    while (n->cur_idx < ci) {
        uint32_t next;
        int r = fat_next(v, n->cur_clus, &next);
        if (r < 0)
            return r;
        if (r == NEXT_EOC) {
            if (!grow)
                return 0;
            r = cluster_alloc(v, n->cur_clus, &next);
            if (r < 0)
                return r;
        }
        n->cur_clus = next;
        n->cur_idx++;
    }
    if (!cluster_valid(v, n->cur_clus))
        return -VOS_EIO;
    *c = n->cur_clus;
    return 1;
}

/* Bytes [off, off+len) of the file, cluster runs at a time. */
static int64_t node_io(struct fat_vol *v, struct fat_node *n, uint64_t off, uint8_t *buf, uint32_t len,
                       bool write)
{
    uint32_t done = 0;
    while (done < len) {
        uint64_t pos = off + done;
        uint32_t ci = (uint32_t)(pos / v->cluster_bytes), in = (uint32_t)(pos % v->cluster_bytes);
        uint32_t c;
        int r = node_cluster(v, n, ci, write, &c);
        if (r < 0)
            return done ? (int64_t)done : r;
        if (r == 0)
            return done ? (int64_t)done : -VOS_EIO;
        /* Extend over clusters that follow on the disk as well. */
        uint64_t span = v->cluster_bytes - in;
        while (span < len - done) {
            uint32_t next;
            r = fat_next(v, n->cur_clus, &next);
            if (r != NEXT_OK || next != n->cur_clus + 1)
                break;
            n->cur_clus = next;
            n->cur_idx++;
            span += v->cluster_bytes;
        }
        uint32_t chunk = span < len - done ? (uint32_t)span : len - done;
        uint64_t addr = cluster_addr(v, c) + in;
        if (write && v->sbuf_sector != UINT64_MAX && v->sbuf_sector * v->bps + v->bps > addr &&
            v->sbuf_sector * v->bps < addr + chunk)
            v->sbuf_sector = UINT64_MAX; /* a cross-linked chain: keep sbuf honest */
        if (vol_bytes(v, addr, buf + done, chunk, write) < 0)
            return done ? (int64_t)done : -VOS_EIO;
        done += chunk;
    }
    return done;
}

int64_t fat_read(struct fat_vol *v, struct fat_file *f, uint64_t off, void *buf, uint32_t len)
{
    struct fat_node *n = f->node;
    if (!n)
        return -VOS_EBADF;
    if (off >= n->size)
        return 0;
    if (len > n->size - off)
        len = (uint32_t)(n->size - off);
    return node_io(v, n, off, buf, len, false);
}

static int node_zero_fill(struct fat_vol *v, struct fat_node *n, uint32_t to)
{
    uint8_t zero[512];
    memset(zero, 0, sizeof zero);
    while (n->size < to) {
        uint32_t chunk = to - n->size < sizeof zero ? to - n->size : (uint32_t)sizeof zero;
        int64_t r = node_io(v, n, n->size, zero, chunk, true);
        if (r < 0)
            return (int)r;
        n->size += (uint32_t)r;
        n->dirty = true;
    }
    return 0;
}

int64_t fat_write(struct fat_vol *v, struct fat_file *f, uint64_t off, const void *buf, uint32_t len)
{
    struct fat_node *n = f->node;
    if (!n)
        return -VOS_EBADF;
    if (v->read_only)
        return -VOS_EROFS;
    if (off + len > 0xFFFFFFFFu)
        return -VOS_EFBIG;
    if (len == 0)
        return 0;
    if (off > n->size) {
        int r = node_zero_fill(v, n, (uint32_t)off);
        if (r < 0)
            return r;
    }
    /* Grow the chain first, so the clusters of one write are allocated
     * together and node_io moves them in runs; ENOSPC leaves a short write. */
    uint32_t last;
    int g = node_cluster(v, n, (uint32_t)((off + len - 1) / v->cluster_bytes), true, &last);
    if (g < 0 && g != -VOS_ENOSPC)
        return g;
    int64_t r = node_io(v, n, off, (uint8_t *)buf, len, true);
    if (r > 0 && off + (uint64_t)r > n->size) {
        n->size = (uint32_t)(off + (uint64_t)r);
        n->dirty = true;
    }
    return r;
}

static int node_truncate(struct fat_vol *v, struct fat_node *n, uint32_t size)
{
    if (size >= n->size)
        return node_zero_fill(v, n, size);
    uint32_t keep = (uint32_t)(((uint64_t)size + v->cluster_bytes - 1) / v->cluster_bytes);
    n->cur_clus = 0;
    int r = 0;
    if (keep == 0) {
        r = chain_free(v, n->first);
        n->first = 0;
    } else {
        uint32_t last, next;
        r = node_cluster(v, n, keep - 1, false, &last);
        if (r == 1) {
            r = fat_next(v, last, &next);
            if (r == NEXT_OK)
                r = fat_set(v, last, fat_eoc(v)) < 0 ? -VOS_EIO : chain_free(v, next);
        }
        n->cur_clus = 0;
        if (r > 0)
            r = 0;
    }
    n->size = size;
    n->dirty = true;
    return r < 0 ? r : 0;
}

int fat_truncate(struct fat_vol *v, struct fat_file *f, uint64_t size)
{
    if (!f->node)
        return -VOS_EBADF;
    if (v->read_only)
        return -VOS_EROFS;
    if (size > 0xFFFFFFFFu)
        return -VOS_EFBIG;
    return node_truncate(v, f->node, (uint32_t)size);
}

/* ---- names -------------------------------------------------------------- */

static void stat_from_entry(const uint8_t *raw, struct vos_stat *st)
{
    st->type = raw[11] & ATTR_DIR ? VOS_S_DIR : VOS_S_FILE;
    st->size = st->type == VOS_S_DIR ? 0 : get32(raw + 28);
    st->readonly = raw[11] & ATTR_RO ? 1 : 0;
    st->mtime = entry_mtime(raw);
}

int fat_stat(struct fat_vol *v, uint32_t root, const char *path, struct vos_stat *st)
{
    uint32_t dir;
    const char *name;
    int len;
    int r = path_parent(v, root, path, &dir, &name, &len);
    if (r == -VOS_EBUSY) {
        st->type = VOS_S_DIR, st->size = 0, st->readonly = 0, st->mtime = 0;
        return 0;
    }
    if (r < 0)
        return r;
    struct dir_entry d;
    r = dir_find(v, dir, name, len, &d);
    if (r <= 0)
        return r < 0 ? r : -VOS_ENOENT;
    stat_from_entry(d.raw, st);
    struct fat_node *n = node_find(v, dir, d.slot);
    if (n)
        st->size = n->size;
    return 0;
}

int fat_readdir(struct fat_vol *v, uint32_t root, const char *path, uint64_t *cookie, struct vos_dirent *ent)
{
    uint32_t dir;
    int r = fat_lookup_dir(v, root, path, &dir);
    if (r < 0)
        return r;
    if (*cookie >= DIR_MAX_SLOTS)
        return 0;
    struct dir_entry d;
    uint32_t cursor = (uint32_t)*cookie;
    if (!v->listing_valid || v->listing.dir != dir)
        dir_pos_init(v, &v->listing, dir);
    v->listing_valid = true;
    r = dir_next(v, &v->listing, &cursor, &d);
    *cookie = cursor;
    if (r <= 0)
        return r;
    struct vos_stat st;
    stat_from_entry(d.raw, &st);
    struct fat_node *n = node_find(v, dir, d.slot);
    memcpy(ent->name, d.name, sizeof ent->name);
    ent->type = st.type;
    ent->size = n ? n->size : st.size;
    return 1;
}

int fat_mkdir(struct fat_vol *v, uint32_t root, const char *path)
{
    uint32_t dir, c, slot;
    const char *name;
    int len;
    if (v->read_only)
        return -VOS_EROFS;
    int r = path_parent(v, root, path, &dir, &name, &len);
    if (r == -VOS_EBUSY)
        return -VOS_EEXIST;
    if (r < 0)
        return r;
    struct dir_entry d;
    r = dir_find(v, dir, name, len, &d);
    if (r != 0)
        return r < 0 ? r : -VOS_EEXIST;
    r = cluster_alloc(v, 0, &c);
    if (r < 0)
        return r;
    uint8_t dots[64];
    entry_template(v, dots, ATTR_DIR, c);
    memset(dots, ' ', 11);
    dots[0] = '.';
    entry_template(v, dots + 32, ATTR_DIR, dir);
    memset(dots + 32, ' ', 11);
    dots[32] = dots[33] = '.';
    v->sbuf_sector = UINT64_MAX;
    if (cluster_zero(v, c) < 0 || vol_bytes(v, cluster_addr(v, c), dots, 64, true) < 0) {
        chain_free(v, c);
        return -VOS_EIO;
    }
    uint8_t tmpl[32];
    entry_template(v, tmpl, ATTR_DIR, c);
    r = dir_add(v, dir, name, len, tmpl, &slot);
    if (r < 0) {
        chain_free(v, c);
        return r;
    }
    return fat_flush(v);
}

/* 1 if the directory at cluster c holds nothing but "." and "..". */
static int dir_empty(struct fat_vol *v, uint32_t c)
{
    struct dir_pos p;
    struct dir_entry d;
    uint32_t cursor = 0;
    dir_pos_init(v, &p, c);
    int r = dir_next(v, &p, &cursor, &d);
    return r < 0 ? r : !r;
}

int fat_unlink(struct fat_vol *v, uint32_t root, const char *path)
{
    uint32_t dir;
    const char *name;
    int len;
    if (v->read_only)
        return -VOS_EROFS;
    int r = path_parent(v, root, path, &dir, &name, &len);
    if (r < 0)
        return r;
    struct dir_entry d;
    r = dir_find(v, dir, name, len, &d);
    if (r <= 0)
        return r < 0 ? r : -VOS_ENOENT;
    if (node_find(v, dir, d.slot))
        return -VOS_EBUSY;
    uint32_t c = entry_cluster(v, d.raw);
    if (d.raw[11] & ATTR_DIR) {
        if (!cluster_valid(v, c))
            return -VOS_EIO;
        r = dir_empty(v, c);
        if (r <= 0)
            return r < 0 ? r : -VOS_ENOTEMPTY;
    }
    v->listing_valid = false;
    r = dir_remove(v, dir, d.lfn_slot, d.slot);
    if (r < 0)
        return r;
    if (cluster_valid(v, c))
        chain_free(v, c); /* a broken chain leaks its tail; fsck.fat reclaims it */
    return fat_flush(v);
}

/* Whether directory `inner` is `outer` or lies below it (via ".." entries). */
static int dir_within(struct fat_vol *v, uint32_t inner, uint32_t outer)
{
    for (int depth = 0; depth < 256; depth++) {
        if (inner == outer)
            return 1;
        if (inner == FAT_ROOT)
            return 0;
        struct dir_pos p;
        uint8_t *e;
        dir_pos_init(v, &p, inner);
        int r = dir_slot(v, &p, 1, &e);
        if (r <= 0)
            return r < 0 ? r : -VOS_EIO;
        if (e[0] != '.' || e[1] != '.')
            return -VOS_EIO;
        inner = entry_cluster(v, e);
        if (inner != FAT_ROOT && !cluster_valid(v, inner))
            return -VOS_EIO;
    }
    return -VOS_EIO;
}

int fat_rename(struct fat_vol *v, uint32_t root, const char *from, const char *to)
{
    uint32_t fdir, tdir, slot;
    const char *fname, *tname;
    int flen, tlen;
    if (v->read_only)
        return -VOS_EROFS;
    int r = path_parent(v, root, from, &fdir, &fname, &flen);
    if (r < 0)
        return r;
    struct dir_entry src, dst;
    r = dir_find(v, fdir, fname, flen, &src);
    if (r <= 0)
        return r < 0 ? r : -VOS_ENOENT;
    r = path_parent(v, root, to, &tdir, &tname, &tlen);
    if (r < 0)
        return r;
    bool is_dir = src.raw[11] & ATTR_DIR;
    uint32_t c = entry_cluster(v, src.raw);
    v->listing_valid = false;
    if (is_dir) {
        if (!cluster_valid(v, c))
            return -VOS_EIO;
        r = dir_within(v, tdir, c);
        if (r != 0)
            return r < 0 ? r : -VOS_EINVAL; /* into itself */
    }
    r = dir_find(v, tdir, tname, tlen, &dst);
    if (r < 0)
        return r;
    if (r == 1) {
        if (tdir == fdir && dst.slot == src.slot)
            return 0;
        if (dst.raw[11] & ATTR_DIR)
            return -VOS_EEXIST;
        if (is_dir)
            return -VOS_ENOTDIR;
        if (node_find(v, tdir, dst.slot))
            return -VOS_EBUSY;
        r = dir_remove(v, tdir, dst.lfn_slot, dst.slot);
        if (r < 0)
            return r;
        uint32_t dc = entry_cluster(v, dst.raw);
        if (cluster_valid(v, dc))
            chain_free(v, dc);
    }
    struct fat_node *n = node_find(v, fdir, src.slot);
    if (n && node_sync(v, n) < 0)
        return -VOS_EIO;
    uint8_t tmpl[32];
    struct dir_pos p;
    uint8_t *e;
    dir_pos_init(v, &p, fdir);
    r = dir_slot(v, &p, src.slot, &e); /* the entry as it is now (n synced) */
    if (r <= 0)
        return r < 0 ? r : -VOS_EIO;
    memcpy(tmpl, e, 32);
    r = dir_add(v, tdir, tname, tlen, tmpl, &slot);
    if (r < 0)
        return r;
    /* dir_add only fills free slots: the source's entries are where they were. */
    r = dir_remove(v, fdir, src.lfn_slot, src.slot);
    if (r < 0)
        return r;
    if (n) {
        n->dir = tdir;
        n->slot = slot;
    }
    if (is_dir && tdir != fdir) {
        dir_pos_init(v, &p, c);
        r = dir_slot(v, &p, 1, &e);
        if (r == 1 && e[0] == '.' && e[1] == '.') {
            entry_set_cluster(e, tdir);
            r = dir_slot_store(v);
            if (r < 0)
                return r;
        }
    }
    return fat_flush(v);
}

void fat_statfs(struct fat_vol *v, struct vos_statfs *st)
{
    st->block_size = v->cluster_bytes;
    st->blocks = v->nclusters;
    st->blocks_free = v->free_count;
    st->fat_bits = v->bits;
    st->readonly = v->read_only;
}
