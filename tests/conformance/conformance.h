/*
 * conformance.h — what conformance.c offers its runners: the guest's main()
 * (in conformance.c) and the host target's runner (host_main.c).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <vos/abi.h>

struct CMUnitTest;

/* Every test of the suite, named "<syscall>.<what>" (calloc'd; count in *count). */
struct CMUnitTest *conf_tests(size_t *count);

/* Create the objects the tests share (a memory region; IPC objects when the kernel has IPC).  User side. */
void conf_make_objects(void);

#ifdef CONF_HOST
/* The host runner's process: its capabilities and two user buffers (3 pages of scratch, 1 page for literals). */
/* The second thread that makes a call so the suite gets a reply token; the runner starts it with the test. */
void conf_ipc_caller(uint64_t arg);
_Noreturn void conf_host_skip(void); /* skip() in a test body */
void conf_set_environment(vos_cap_t console, uint64_t console_id, vos_cap_t pool, uint64_t pool_id, vos_cap_t self,
                          uint64_t pid, uint8_t *scratch, uint8_t *strings);
/* The interrupt-control capability and the device-memory pool, which init gets too (after conf_set_environment). */
void conf_set_driver_caps(vos_cap_t irq_control, vos_cap_t devmem_pool);
#endif
