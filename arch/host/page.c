/* Page clearing on the host: libc's memset is as good as it gets. */
#include <arch.h>
#include <string.h>

void arch_page_zero(void *page)
{
    memset(page, 0, PAGE_SIZE);
}
