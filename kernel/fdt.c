/*
 * fdt.c — just enough of a flattened device tree reader for the arches
 * booted with one: where RAM is and what inside it is taken (/memory
 * nodes, /reserved-memory children, the memory-reservation block), and
 * single properties of top-level nodes (/chosen, /psci, /cpus).
 * Everything in the blob is big-endian and untrusted, so every offset is
 * checked against its size.
 */
#include "kernel.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

static uint32_t be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
    uint64_t v = 0;
    for (uint32_t i = 0; i < cells; i++)
        v = v << 32 | be32(p + 4 * i);
    return v;
}

static void add_range(struct boot_range *r, unsigned *n, uint64_t base, uint64_t size)
{
    if (size && *n < BOOT_MAX_RANGES) {
        r[*n].base = base;
        r[*n].size = size;
        (*n)++;
    }
}

static bool starts_with(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++)
            return false;
    return true;
}

static void add_reg(struct boot_range *r, unsigned *n, const uint8_t *val, uint32_t len, uint32_t ac, uint32_t sc)
{
    uint32_t entry = 4 * (ac + sc);
    if (ac > 2 || sc > 2 || entry == 0)
        return;
    for (uint32_t off = 0; off + entry <= len; off += entry)
        add_range(r, n, read_cells(val + off, ac), read_cells(val + off + 4 * ac, sc));
}

int fdt_read_memory(const void *dtb, struct boot_info *bi)
{
    const uint8_t *blob = dtb;
    if (!blob || be32(blob) != FDT_MAGIC)
        return -1;
    uint32_t total = be32(blob + 4), off_struct = be32(blob + 8), off_strings = be32(blob + 12);
    uint32_t off_rsv = be32(blob + 16), size_strings = be32(blob + 32), size_struct = be32(blob + 36);
    if (total < 40 || off_struct > total || size_struct > total - off_struct || off_strings > total ||
        size_strings > total - off_strings || off_rsv > total)
        return -1;

    add_range(bi->reserved, &bi->n_reserved, arch_virt_to_phys(dtb), ALIGN_UP(total, PAGE_SIZE));
    for (uint32_t o = off_rsv; o + 16 <= total; o += 16) {
        uint64_t base = read_cells(blob + o, 2), size = read_cells(blob + o + 8, 2);
        if (!base && !size)
            break;
        add_range(bi->reserved, &bi->n_reserved, base, size);
    }

    uint32_t root_ac = 2, root_sc = 1, rsv_ac = 2, rsv_sc = 1;
    int depth = 0;
    bool in_memory = false, in_rsv = false, in_rsv_child = false;
    const uint8_t *p = blob + off_struct, *end = p + size_struct;
    while (p + 4 <= end) {
        uint32_t tok = be32(p);
        p += 4;
        if (tok == FDT_BEGIN_NODE) {
            const char *name = (const char *)p;
            while (p < end && *p)
                p++;
            p = blob + ALIGN_UP((uint64_t)(p + 1 - blob), 4);
            depth++;
            if (depth == 2) {
                in_memory = starts_with(name, "memory");
                in_rsv = starts_with(name, "reserved-memory");
            }
            in_rsv_child = in_rsv && depth == 3;
        } else if (tok == FDT_END_NODE) {
            if (depth == 2)
                in_memory = in_rsv = false;
            in_rsv_child = false;
            if (--depth < 0)
                return -1;
        } else if (tok == FDT_PROP) {
            if (p + 8 > end)
                return -1;
            uint32_t len = be32(p), nameoff = be32(p + 4);
            const uint8_t *val = p + 8;
            if (len > (uint32_t)(end - val) || nameoff >= size_strings)
                return -1;
            const char *pname = (const char *)blob + off_strings + nameoff;
            bool is_ac = !memcmp(pname, "#address-cells", 15), is_sc = !memcmp(pname, "#size-cells", 12);
            if (depth == 1 && is_ac && len == 4) root_ac = be32(val);
            if (depth == 1 && is_sc && len == 4) root_sc = be32(val);
            if (depth == 2 && in_rsv && is_ac && len == 4) rsv_ac = be32(val);
            if (depth == 2 && in_rsv && is_sc && len == 4) rsv_sc = be32(val);
            if (!memcmp(pname, "reg", 4)) {
                if (depth == 2 && in_memory)
                    add_reg(bi->ram, &bi->n_ram, val, len, root_ac, root_sc);
                else if (in_rsv_child)
                    add_reg(bi->reserved, &bi->n_reserved, val, len, rsv_ac, rsv_sc);
            }
            p = val + ALIGN_UP(len, 4);
        } else if (tok == FDT_NOP) {
            continue;
        } else if (tok == FDT_END) {
            break;
        } else {
            return -1;
        }
    }
    return bi->n_ram ? 0 : -1;
}

uint32_t fdt_be32(const void *p)
{
    return be32(p);
}

static bool name_is(const char *name, const char *want)
{
    while (*want && *name == *want) {
        name++;
        want++;
    }
    return !*want && !*name;
}

const void *fdt_prop(const void *dtb, const char *node, const char *prop, uint32_t *len)
{
    const uint8_t *blob = dtb;
    if (!blob || be32(blob) != FDT_MAGIC)
        return NULL;
    uint32_t total = be32(blob + 4), off_struct = be32(blob + 8), off_strings = be32(blob + 12);
    uint32_t size_strings = be32(blob + 32), size_struct = be32(blob + 36);
    if (off_struct > total || size_struct > total - off_struct || off_strings > total ||
        size_strings > total - off_strings)
        return NULL;
    bool root = name_is(node, "/");
    int depth = 0;
    bool in_node = false;
    const uint8_t *p = blob + off_struct, *end = p + size_struct;
    while (p + 4 <= end) {
        uint32_t tok = be32(p);
        p += 4;
        if (tok == FDT_BEGIN_NODE) {
            const char *name = (const char *)p;
            while (p < end && *p)
                p++;
            p = blob + ALIGN_UP((uint64_t)(p + 1 - blob), 4);
            depth++;
            in_node = root ? depth == 1 : depth == 2 && name_is(name, node + 1);
        } else if (tok == FDT_END_NODE) {
            depth--;
            in_node = root && depth == 1;
        } else if (tok == FDT_PROP) {
            if (p + 8 > end)
                return NULL;
            uint32_t plen = be32(p), nameoff = be32(p + 4);
            const uint8_t *val = p + 8;
            if (plen > (uint32_t)(end - val) || nameoff >= size_strings)
                return NULL;
            if (in_node && name_is((const char *)blob + off_strings + nameoff, prop)) {
                *len = plen;
                return val;
            }
            p = val + ALIGN_UP(plen, 4);
        } else if (tok != FDT_NOP) {
            return NULL;
        }
    }
    return NULL;
}
