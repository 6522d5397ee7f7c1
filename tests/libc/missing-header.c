/* Includes a header VeridianOS does not have: must not compile (missing-header test). */
#include <stdio.h>
#include <sys/epoll.h>

int main(void) { return 0; }
