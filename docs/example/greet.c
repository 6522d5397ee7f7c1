/* greet: the worked example of docs/userland.md. */
#include <vos/vos.h>

int main(const struct vos_start_info *si)
{
    vos_console_t con = vos_console_open(si); /* the console the shell passed us */
    const char *const *argv = (const char *const *)(uintptr_t)si->argv;
    vos_cprintf(con, "greet: hello, %s, from pid %lu\n", si->argc > 1 ? argv[1] : "world", (unsigned long)si->pid);
    return 42;
}
