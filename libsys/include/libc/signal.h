/* signal.h — minimal: VeridianOS has no signals; a fault ends the process
 * (SYS_PROCESS_WAIT reports why).  signal() accepts handlers and never calls them. */
#pragma once

typedef int sig_atomic_t;
typedef void (*sighandler_t)(int);
#define SIG_DFL ((sighandler_t)0)
#define SIG_IGN ((sighandler_t)1)
#define SIG_ERR ((sighandler_t)-1)
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGILL 4
#define SIGSEGV 11
#define SIGSYS 31
#define SIGTERM 15

sighandler_t signal(int sig, sighandler_t handler);
int raise(int sig);
