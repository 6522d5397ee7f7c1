/*
 * Page clearing.  QEMU 7.2 has no Zicboz (cbo.zero), so the wide stores
 * available are the vector extension's: 32 stores of 128 bytes instead of
 * 512 of 8 (arch/riscv64/page.S).  V is used only if the device tree says
 * the hart has it ("v" among the single-letter extensions of cpu@0's
 * riscv,isa); otherwise, plain 8-byte stores.  The kernel's memcpy uses
 * the same unit for large copies (IPC messages).
 */
#include <arch.h>
#include "riscv.h"

void riscv_vector_zero(void *page);
void riscv_vector_copy(void *dst, const void *src, size_t n);

static bool has_vector;

/* "rv64imafdcvh_zicsr_...": the single letters run from after "rv64" to the first '_'. */
static bool isa_has(const char *isa, uint32_t len, char ext)
{
    if (len < 5 || isa[0] != 'r' || isa[1] != 'v')
        return false;
    for (uint32_t i = 4; i < len && isa[i] && isa[i] != '_'; i++)
        if (isa[i] == ext)
            return true;
    return false;
}

void riscv_page_init(const void *dtb)
{
    uint32_t len;
    const char *isa = fdt_prop(dtb, "/cpus/cpu@0", "riscv,isa", &len);
    has_vector = isa && isa_has(isa, len, 'v');
    riscv_v_init(has_vector);
}

/* The kernel's memcpy for large copies (libsys/src/string.c): all of them, or none without V. */
size_t arch_memcpy_bulk(void *dst, const void *src, size_t n)
{
    if (!has_vector)
        return 0;
    riscv_vector_copy(dst, src, n);
    return n;
}

void arch_page_zero(void *page)
{
    if (has_vector) {
            riscv_vector_zero(page);
        return;
    }
    uint64_t *w = page;
    for (unsigned i = 0; i < PAGE_SIZE / 8; i += 8) {
        w[i] = 0; w[i + 1] = 0; w[i + 2] = 0; w[i + 3] = 0;
        w[i + 4] = 0; w[i + 5] = 0; w[i + 6] = 0; w[i + 7] = 0;
    }
}
