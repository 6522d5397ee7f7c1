/*
 * mmapdemo: memory mapping and mprotect.  Maps two fresh pages, writes
 * them, makes the first read-only, shows it still reads, then writes to it:
 * the kernel kills this process (a protection fault) and nothing else; the
 * shell reports how it ended and carries on.
 */
#include <vos/vos.h>

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    const struct vos_start_info *si = vos_start_info();
    vos_console_t con = vos_console_open(si);
    char *p;
    vos_status_t st = vos_mmap_anon(2 * VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE, (void **)&p);
    if (st) {
        vos_cprintf(con, "mmapdemo: mmap: %s\n", vos_status_name(st));
        return 2;
    }
    memcpy(p, "first page", 11);
    memcpy(p + VOS_PAGE_SIZE, "second page", 12);
    vos_cprintf(con, "mmapdemo: mapped 2 pages at %p, wrote \"%s\" and \"%s\"\n", (void *)p, p, p + VOS_PAGE_SIZE);
    if ((st = vos_mprotect(p, VOS_PAGE_SIZE, VOS_PROT_READ))) {
        vos_cprintf(con, "mmapdemo: mprotect: %s\n", vos_status_name(st));
        return 3;
    }
    /* The kernel refuses to make it writable and executable at once (W^X). */
    st = vos_mprotect(p, VOS_PAGE_SIZE, VOS_PROT_READ | VOS_PROT_WRITE | VOS_PROT_EXEC);
    vos_cprintf(con, "mmapdemo: first page now read-only; it still reads \"%s\"; RWX is refused: %s\n", p,
                vos_status_name(st));
    p[VOS_PAGE_SIZE] = 'S'; /* the second page is still writable */
    vos_cprintf(con, "mmapdemo: writing to the read-only page at %p (this kills only mmapdemo)\n", (void *)p);
    *(volatile char *)p = 'X';
    vos_cprintf(con, "mmapdemo: still alive: the kernel failed to stop the write!\n");
    return 1;
}
