/*
 * fdt.c — just enough of a flattened device tree reader for the arches
 * booted with one: where RAM is and what inside it is taken (/memory
 * nodes, /reserved-memory children, the memory-reservation block), the
 * devices (every enabled node with registers and a compatible string, its
 * first interrupt), and single properties of a node by path (/chosen,
 * /psci, /cpus/cpu@0).  Addresses are taken as the CPU sees them: a bus
 * that translates them (a non-empty ranges) is not followed, except a PCI
 * host's windows.
 *
 * Everything in the blob is big-endian and untrusted: fdt_walk() checks
 * every offset against the blob's own sizes once, and both readers below
 * are visitors of it.
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

uint32_t fdt_be32(const void *p)
{
    return be32(p);
}

static uint64_t read_cells(const uint8_t *p, uint32_t cells)
{
    uint64_t v = 0;
    for (uint32_t i = 0; i < cells; i++)
        v = v << 32 | be32(p + 4 * i);
    return v;
}

static bool starts_with(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++)
            return false;
    return true;
}

static bool equals(const char *a, const char *b)
{
    while (*b && *a == *b) {
        a++;
        b++;
    }
    return !*a && !*b;
}

/*
 * What a walk reports: each node as it opens (depth 1 is the root) and each
 * property of the node last opened.  A visitor returns true to stop.
 */
struct fdt_visitor {
    bool (*node)(struct fdt_visitor *v, int depth, const char *name);
    bool (*end_node)(struct fdt_visitor *v, int depth);
    bool (*prop)(struct fdt_visitor *v, int depth, const char *name, const uint8_t *val, uint32_t len);
};

/* 0 when the walk ended (or a visitor stopped it), -1 for a malformed blob. */
static int fdt_walk(const void *dtb, struct fdt_visitor *v)
{
    const uint8_t *blob = dtb;
    if (!blob || be32(blob) != FDT_MAGIC)
        return -1;
    uint32_t total = be32(blob + 4), off_struct = be32(blob + 8), off_strings = be32(blob + 12);
    uint32_t size_strings = be32(blob + 32), size_struct = be32(blob + 36);
    if (total < 40 || off_struct > total || size_struct > total - off_struct || off_strings > total ||
        size_strings > total - off_strings)
        return -1;
    int depth = 0;
    const uint8_t *p = blob + off_struct, *end = p + size_struct;
    while (p + 4 <= end) {
        uint32_t tok = be32(p);
        p += 4;
        if (tok == FDT_BEGIN_NODE) {
            const char *name = (const char *)p;
            while (p < end && *p)
                p++;
            if (p == end)
                return -1;
            p = blob + ALIGN_UP((uint64_t)(p + 1 - blob), 4);
            if (v->node && v->node(v, ++depth, name))
                return 0;
        } else if (tok == FDT_END_NODE) {
            if (depth == 0)
                return -1;
            if (v->end_node && v->end_node(v, depth))
                return 0;
            depth--;
        } else if (tok == FDT_PROP) {
            if (p + 8 > end)
                return -1;
            uint32_t len = be32(p), nameoff = be32(p + 4);
            const uint8_t *val = p + 8;
            if (len > (uint32_t)(end - val) || nameoff >= size_strings)
                return -1;
            if (v->prop && v->prop(v, depth, (const char *)blob + off_strings + nameoff, val, len))
                return 0;
            p = val + ALIGN_UP(len, 4);
        } else if (tok == FDT_END) {
            return 0;
        } else if (tok != FDT_NOP) {
            return -1;
        }
    }
    return 0;
}

/* ---- RAM and what is reserved in it ---- */

struct memory_walk {
    struct fdt_visitor v;
    struct boot_info *bi;
    uint32_t root_ac, root_sc, rsv_ac, rsv_sc;
    bool in_memory, in_rsv;
};

/* Append to r (room for max), ignoring what does not fit. */
static void add_range(struct boot_range *r, unsigned *n, unsigned max, uint64_t base, uint64_t size)
{
    if (size && *n < max) {
        r[*n].base = base;
        r[*n].size = size;
        (*n)++;
    }
}

static void add_reg(struct boot_range *r, unsigned *n, unsigned max, const uint8_t *val, uint32_t len, uint32_t ac,
                    uint32_t sc)
{
    uint32_t entry = 4 * (ac + sc);
    if (ac > 2 || sc > 2 || entry == 0)
        return;
    for (uint32_t off = 0; off + entry <= len; off += entry)
        add_range(r, n, max, read_cells(val + off, ac), read_cells(val + off + 4 * ac, sc));
}

static bool memory_node(struct fdt_visitor *v, int depth, const char *name)
{
    struct memory_walk *w = (struct memory_walk *)v;
    if (depth == 2) {
        w->in_memory = starts_with(name, "memory");
        w->in_rsv = starts_with(name, "reserved-memory");
    }
    return false;
}

static bool memory_end_node(struct fdt_visitor *v, int depth)
{
    struct memory_walk *w = (struct memory_walk *)v;
    if (depth == 2)
        w->in_memory = w->in_rsv = false;
    return false;
}

static bool memory_prop(struct fdt_visitor *v, int depth, const char *name, const uint8_t *val, uint32_t len)
{
    struct memory_walk *w = (struct memory_walk *)v;
    bool ac = equals(name, "#address-cells") && len == 4, sc = equals(name, "#size-cells") && len == 4;
    if (depth == 1 && ac) w->root_ac = be32(val);
    if (depth == 1 && sc) w->root_sc = be32(val);
    if (depth == 2 && w->in_rsv && ac) w->rsv_ac = be32(val);
    if (depth == 2 && w->in_rsv && sc) w->rsv_sc = be32(val);
    if (equals(name, "reg")) {
        if (depth == 2 && w->in_memory)
            add_reg(w->bi->ram, &w->bi->n_ram, BOOT_MAX_RANGES, val, len, w->root_ac, w->root_sc);
        else if (depth == 3 && w->in_rsv)
            add_reg(w->bi->reserved, &w->bi->n_reserved, BOOT_MAX_RANGES, val, len, w->rsv_ac, w->rsv_sc);
    }
    return false;
}

int fdt_read_memory(const void *dtb, struct boot_info *bi)
{
    struct memory_walk w = { { memory_node, memory_end_node, memory_prop }, bi, 2, 1, 2, 1, false, false };
    if (fdt_walk(dtb, &w.v))
        return -1;
    const uint8_t *blob = dtb;
    uint32_t total = be32(blob + 4), off_rsv = be32(blob + 16);
    add_range(bi->reserved, &bi->n_reserved, BOOT_MAX_RANGES, arch_virt_to_phys(dtb), ALIGN_UP(total, PAGE_SIZE));
    for (uint32_t o = off_rsv; o <= total && total - o >= 16; o += 16) {
        uint64_t base = read_cells(blob + o, 2), size = read_cells(blob + o + 8, 2);
        if (!base && !size)
            break;
        add_range(bi->reserved, &bi->n_reserved, BOOT_MAX_RANGES, base, size);
    }
    return bi->n_ram ? 0 : -1;
}

/* ---- one property of a node, by path ("/", "/chosen", "/cpus/cpu@0") ---- */

struct prop_walk {
    struct fdt_visitor v;
    const char *node, *prop;
    int want;       /* the node's depth (the root is 1) */
    int matched;    /* the open nodes down to this depth are on the path */
    const uint8_t *val;
    uint32_t len;
};

/* Whether name is component n (1 = the first after the root) of path. */
static bool path_component(const char *path, int n, const char *name)
{
    const char *c = path;
    for (int i = 0; i < n && c; i++) {
        while (*c && *c != '/')
            c++;
        c = *c ? c + 1 : NULL;
    }
    if (!c)
        return false;
    while (*c && *c != '/' && *c == *name) {
        c++;
        name++;
    }
    return (!*c || *c == '/') && !*name;
}

static bool prop_node(struct fdt_visitor *v, int depth, const char *name)
{
    struct prop_walk *w = (struct prop_walk *)v;
    if (depth == 1)
        w->matched = 1;
    else if (w->matched == depth - 1 && depth <= w->want && path_component(w->node, depth - 1, name))
        w->matched = depth;
    return false;
}

static bool prop_end_node(struct fdt_visitor *v, int depth)
{
    struct prop_walk *w = (struct prop_walk *)v;
    if (w->matched >= depth)
        w->matched = depth - 1;
    return false;
}

static bool prop_prop(struct fdt_visitor *v, int depth, const char *name, const uint8_t *val, uint32_t len)
{
    struct prop_walk *w = (struct prop_walk *)v;
    /* Properties come before subnodes, so depth is the node last opened. */
    if (depth != w->want || w->matched != depth || !equals(name, w->prop))
        return false;
    w->val = val;
    w->len = len;
    return true;
}

const void *fdt_prop(const void *dtb, const char *node, const char *prop, uint32_t *len)
{
    struct prop_walk w = { { prop_node, prop_end_node, prop_prop }, node, prop, 1, 0, NULL, 0 };
    for (const char *c = node + 1; *c; c++) /* "/" is depth 1, "/a" 2, "/a/b" 3 */
        w.want += c == node + 1 || c[-1] == '/';
    if (fdt_walk(dtb, &w.v) || !w.val)
        return NULL;
    *len = w.len;
    return w.val;
}

/* ---- devices: the nodes with registers (docs/drivers.md, "Where devices are") ---- */

#define FDT_MAX_DEPTH 8

struct device_walk {
    struct fdt_visitor v;
    struct fdt_device *out;
    unsigned max, n;
    uint32_t ac[FDT_MAX_DEPTH + 1], sc[FDT_MAX_DEPTH + 1]; /* the cells of the children of the node at each depth */
    struct fdt_device cur[FDT_MAX_DEPTH + 1];              /* the node open at each depth */
    bool skip[FDT_MAX_DEPTH + 1];                         /* disabled, or not a device (memory, cpus) */
    const uint8_t *ranges[FDT_MAX_DEPTH + 1];
    uint32_t ranges_len[FDT_MAX_DEPTH + 1];
};

static void copy_cut(char *dst, size_t size, const char *src, size_t len)
{
    size_t n = len < size - 1 ? len : size - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static bool device_node(struct fdt_visitor *v, int depth, const char *name)
{
    struct device_walk *w = (struct device_walk *)v;
    if (depth > FDT_MAX_DEPTH)
        return false;
    w->ac[depth] = 2;
    w->sc[depth] = 1;
    w->ranges[depth] = NULL;
    struct fdt_device *d = &w->cur[depth];
    memset(d, 0, sizeof(*d));
    w->skip[depth] = (depth > 2 && w->skip[depth - 1]) || starts_with(name, "memory") ||
                     starts_with(name, "reserved-memory") || starts_with(name, "cpus");
    if (depth > 1) { /* the path: the parent's, "/", the name (cut: a long path matches nothing) */
        size_t at = depth == 2 ? 0 : strlen(w->cur[depth - 1].path);
        memcpy(d->path, w->cur[depth - 1].path, at);
        if (at + 2 < sizeof(d->path)) {
            d->path[at] = '/';
            copy_cut(d->path + at + 1, sizeof(d->path) - at - 1, name, strlen(name));
        }
    }
    return false;
}

static bool device_prop(struct fdt_visitor *v, int depth, const char *name, const uint8_t *val, uint32_t len)
{
    struct device_walk *w = (struct device_walk *)v;
    if (depth > FDT_MAX_DEPTH)
        return false;
    struct fdt_device *d = &w->cur[depth];
    if (equals(name, "#address-cells") && len == 4)
        w->ac[depth] = be32(val);
    else if (equals(name, "#size-cells") && len == 4)
        w->sc[depth] = be32(val);
    else if (equals(name, "compatible") && len) {
        d->compatible_len = len < sizeof(d->compatible) ? len : sizeof(d->compatible);
        memcpy(d->compatible, val, d->compatible_len);
        d->compatible[sizeof(d->compatible) - 1] = 0;
    } else if (equals(name, "status") && len >= 4 && !starts_with((const char *)val, "ok"))
        w->skip[depth] = true;
    else if (equals(name, "reg") && depth > 1 && w->sc[depth - 1])
        add_reg(d->reg, &d->n_reg, ARRAY_SIZE(d->reg), val, len, w->ac[depth - 1], w->sc[depth - 1]);
    else if (equals(name, "interrupts") && len >= 4) {
        d->irq_cells = len / 4 < 3 ? len / 4 : 3;
        for (unsigned i = 0; i < d->irq_cells; i++)
            d->irq[i] = be32(val + 4 * i);
    } else if (equals(name, "ranges")) {
        w->ranges[depth] = val;
        w->ranges_len[depth] = len;
    }
    return false;
}

/*
 * A PCI host's ranges (child address of 3 cells, the parent's address,
 * a size): its memory and I/O windows, where BARs are put, are device
 * memory as much as its configuration space.
 */
static void add_pci_windows(struct device_walk *w, int depth)
{
    struct fdt_device *d = &w->cur[depth];
    uint32_t pac = w->ac[depth - 1], csc = w->sc[depth], entry = 4 * (3 + pac + csc);
    if (w->ac[depth] != 3 || !w->ranges[depth] || pac > 2 || csc > 2 || csc == 0)
        return;
    for (uint32_t off = 0; off + entry <= w->ranges_len[depth]; off += entry)
        add_range(d->reg, &d->n_reg, ARRAY_SIZE(d->reg), read_cells(w->ranges[depth] + off + 12, pac),
                  read_cells(w->ranges[depth] + off + 4 * (3 + pac), csc));
}

static bool device_end_node(struct fdt_visitor *v, int depth)
{
    struct device_walk *w = (struct device_walk *)v;
    if (depth > FDT_MAX_DEPTH || w->skip[depth])
        return false;
    struct fdt_device *d = &w->cur[depth];
    add_pci_windows(w, depth);
    if (d->n_reg && d->compatible_len && w->n < w->max)
        w->out[w->n++] = *d;
    return false;
}

int fdt_read_devices(const void *dtb, struct fdt_device *out, unsigned max)
{
    static struct device_walk w; /* large: not on the boot stack */
    memset(&w, 0, sizeof(w));
    w.v = (struct fdt_visitor){ device_node, device_end_node, device_prop };
    w.out = out;
    w.max = max;
    return fdt_walk(dtb, &w.v) ? -1 : (int)w.n;
}

/* Whether c is one of d's compatible strings. */
bool fdt_compatible(const struct fdt_device *d, const char *c)
{
    for (uint32_t off = 0; off < d->compatible_len;) {
        const char *s = d->compatible + off;
        if (equals(s, c))
            return true;
        off += (uint32_t)strlen(s) + 1;
    }
    return false;
}

/* Whether d is the node at path (as /chosen's stdout-path names it: options after ':' ignored). */
bool fdt_is_path(const struct fdt_device *d, const char *path, uint32_t len)
{
    uint32_t n = 0;
    while (n < len && path[n] && path[n] != ':')
        n++;
    return strlen(d->path) == n && !memcmp(d->path, path, n);
}

void fdt_give_devices(struct boot_info *bi, const struct fdt_device *devs, unsigned n,
                      bool (*kernel)(const struct fdt_device *d), unsigned (*line)(const struct fdt_device *d))
{
    for (unsigned i = 0; i < n; i++) {
        const struct fdt_device *d = &devs[i];
        if (kernel(d))
            continue;
        for (unsigned r = 0; r < d->n_reg; r++)
            boot_add_window(bi, d->reg[r].base, d->reg[r].size);
        if (bi->n_dev == BOOT_MAX_DEVICES)
            continue;
        struct boot_device *b = &bi->dev[bi->n_dev++];
        copy_cut(b->compatible, sizeof(b->compatible), d->compatible, strlen(d->compatible));
        b->base = d->reg[0].base;
        b->size = d->reg[0].size;
        b->line = line(d);
    }
}

bool fdt_below(const struct fdt_device *d, const struct fdt_device *ancestor)
{
    size_t n = strlen(ancestor->path);
    return n && !memcmp(d->path, ancestor->path, n) && d->path[n] == '/';
}
