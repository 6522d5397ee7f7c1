/*
 * harness.h — booting the kernel core on the simulated host machine and
 * running user threads under it, for the cmocka tests in this directory.
 *
 * Main-context side (inside a cmocka test): hh_process/hh_thread/hh_spawn
 * build processes whose threads run host functions; hh_grant gives them
 * capabilities; hh_run runs the machine until every process the test made
 * has exited.  User side (inside those functions): the generated
 * vos_sys_* stubs, hh_trap for raw registers, and UCHECK* to record
 * failures, which hh_run then reports.  Each test starts from
 * hh_setup and ends in hh_teardown, which kills what is left.
 *
 * User memory: a thread's stack and hh_umem() buffers are mapped into its
 * process at their own host addresses, so ordinary pointers to them are
 * valid user addresses; any other host pointer (a global, a string
 * literal) is not mapped, which makes it a handy bad pointer.
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "elf.h"
#include "host_machine.h"
#include "process.h"
#include <vos/syscalls.h>

#define HH_STACK_SIZE (256u << 10)

/* main(): run only the test named by argv[1], if given (ctest runs each test alone). */
void hh_select(int argc, char **argv);

/* cmocka setup/teardown for every test. */
int hh_setup(void **state);
int hh_teardown(void **state);

/* The process every test process is a child of; it never runs. */
struct process *hh_root(void);

struct process *hh_process(const char *name);
/* A thread of p running fn(arg) on a fresh stack; runnable now if p has started. */
struct thread *hh_thread(struct process *p, host_user_fn *fn, uint64_t arg);
void hh_start(struct process *p);
struct process *hh_spawn(const char *name, host_user_fn *fn, uint64_t arg);

/* Map [host, host+len) of the user pool into p at its own address. */
void hh_map(struct process *p, void *host, size_t len, unsigned prot);
void *hh_umem(struct process *p, size_t len, unsigned prot);

/* Capabilities, inserted directly as a loader would. */
vos_cap_t hh_grant(struct process *p, struct object *obj, uint64_t rights);
vos_cap_t hh_grant_child(struct process *p, struct cap *parent, uint64_t rights);
struct cap *hh_cap(struct process *p, vos_cap_t token); /* NULL if the token is invalid */
vos_cap_t hh_stale_token(struct process *p, struct object *obj); /* a slot that was freed */
struct object *hh_console(void);

/*
 * An ELF image for SYS_PROCESS_CREATE whose code is host code: one PT_LOAD
 * segment (R+X) over the page of fn, which is the entry point.  The kernel
 * loads it as any image (the bytes copied are irrelevant) and the new
 * thread starts at fn.  A program using it is linked -no-pie, so its
 * functions lie below USER_STACK_TOP, where the loader accepts segments.
 */
struct hh_elf_image {
    struct elf64_ehdr eh;
    struct elf64_phdr ph;
};
void hh_make_image(struct hh_elf_image *e, host_user_fn *fn);

/* Take every free frame from the kernel (callable from a user thread), and give them all back. */
void hh_exhaust_frames(void);
void hh_release_frames(void);

/* Take free frames until only `leave` are left (so the kernel's next allocations fail); hh_release_frames gives them back. */
void hh_take_frames(uint64_t leave);

/* Run until every started process of the test has exited; fails the test on a deadlock, a panic or a UCHECK. */
void hh_run(void);
/* Run until nothing is runnable (no time passes); returns why it stopped. */
enum host_stop hh_run_until_idle(void);
void hh_expect_poweroff(void);
/* End the test's processes (killing those still alive), reap them and free their memory. */
void hh_finish(void);

/* ---- user side ---- */

/* A raw trap: number and argument registers as given, returns r0. */
uint64_t hh_trap(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);
static inline int64_t hh_err(int64_t e) { return -e; } /* word 0 of a call failing with e */

void hh_user_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define UCHECK(c) ((c) ? (void)0 : hh_user_fail(__FILE__, __LINE__, "%s", #c))
#define UCHECK_EQ(a, b)                                                                                     \
    do {                                                                                                    \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                                                    \
        if (a_ != b_)                                                                                       \
            hh_user_fail(__FILE__, __LINE__, "%s == %s: %#llx != %#llx", #a, #b, (unsigned long long)a_,    \
                         (unsigned long long)b_);                                                           \
    } while (0)
/* A call's word 0 is the error e (a VOS_ERR_* code). */
#define UCHECK_ERR(word0, e) UCHECK_EQ((int64_t)(word0), hh_err(e))
