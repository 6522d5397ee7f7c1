/* greet: the worked example of docs/userland.md. */
#include <stdio.h>
#include <vos/libsys.h>

int main(int argc, char **argv)
{
    printf("greet: hello, %s, from pid %lu\n", argc > 1 ? argv[1] : "world", (unsigned long)vos_start_info()->pid);
    return 42;
}
