/*
 * bootfs.c — reading the boot file system (format in tools/mkbootfs.py).
 * The whole image is mapped shared and read-only, so a program's bytes can
 * go straight to SYS_PROCESS_CREATE without a copy.
 */
#include <vos/libsys.h>
#include <vos/syscalls.h>

#define BOOTFS_MAGIC "VOSBOOT"

struct bootfs_entry {
    char name[48];
    uint64_t offset, size;
};

static uint64_t count_of(const struct vos_bootfs *fs)
{
    return fs->size >= 16 ? *(const uint64_t *)(fs->base + 8) : 0;
}

static const struct bootfs_entry *entry(const struct vos_bootfs *fs, uint64_t i)
{
    uint64_t off = 16 + i * sizeof(struct bootfs_entry);
    if (i >= count_of(fs) || off + sizeof(struct bootfs_entry) > fs->size)
        return NULL;
    return (const struct bootfs_entry *)(fs->base + off);
}

int64_t vos_bootfs_open(struct vos_bootfs *fs, vos_cap_t cap)
{
    uint8_t head[16];
    int64_t r = vos_sys_read(cap, head, sizeof(head), 0);
    if (r < 0)
        return r;
    if (r != sizeof(head) || memcmp(head, BOOTFS_MAGIC, 8))
        return -VOS_ERR_INVALID_PARAMETER;
    /* Its size: the end of the last file. */
    uint64_t count = *(uint64_t *)(head + 8), size = 16 + count * sizeof(struct bootfs_entry);
    for (uint64_t i = 0; i < count; i++) {
        struct bootfs_entry e;
        if (vos_sys_read(cap, &e, sizeof(e), 16 + i * sizeof(e)) != sizeof(e))
            return -VOS_ERR_INVALID_PARAMETER;
        if (e.offset + e.size > size)
            size = e.offset + e.size;
    }
    int64_t addr = vos_sys_mmap(0, size, VOS_PROT_READ, VOS_MAP_SHARED, cap, 0);
    if (addr < 0)
        return addr;
    fs->cap = cap;
    fs->base = (const uint8_t *)(uintptr_t)addr;
    fs->size = size;
    return 0;
}

int64_t vos_bootfs_find(const struct vos_bootfs *fs, const char *name, const void **data, uint64_t *size)
{
    const struct bootfs_entry *e;
    for (uint64_t i = 0; (e = entry(fs, i)); i++) {
        if (strcmp(e->name, name) == 0 && e->offset + e->size <= fs->size) {
            *data = fs->base + e->offset;
            *size = e->size;
            return 0;
        }
    }
    return -VOS_ERR_NOT_FOUND;
}

const char *vos_bootfs_name(const struct vos_bootfs *fs, uint64_t i)
{
    const struct bootfs_entry *e = entry(fs, i);
    return e ? e->name : NULL;
}
