/*
 * conformance_host.h — on the host target the suite's test bodies run as
 * user threads of the simulated machine (tests/host/harness.h), where
 * cmocka's own assertions cannot be used: they longjmp out of the user
 * thread.  These keep cmocka's assertion API and semantics for the bodies:
 * a failed assertion records its message with the harness (hh_user_fail)
 * and ends the test's process; the runner (host_main.c) then fails the
 * cmocka test with that message from the main context.
 */
#pragma once

#include <inttypes.h>
#include "harness.h"

_Noreturn void conf_host_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
_Noreturn void conf_host_skip(void);

#undef assert_true
#undef assert_false
#undef assert_int_equal
#undef assert_int_not_equal
#undef assert_non_null
#undef assert_memory_equal
#undef fail_msg
#undef skip

#define assert_true(c) ((c) ? (void)0 : conf_host_fail(__FILE__, __LINE__, "%s", #c))
#define assert_false(c) (!(c) ? (void)0 : conf_host_fail(__FILE__, __LINE__, "!(%s)", #c))
#define assert_int_equal(a, b)                                                                                  \
    do {                                                                                                        \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                                                        \
        if (a_ != b_)                                                                                           \
            conf_host_fail(__FILE__, __LINE__, "%#" PRIx64 " != %#" PRIx64 " (%s, %s)", a_, b_, #a, #b);          \
    } while (0)
#define assert_int_not_equal(a, b)                                                                              \
    do {                                                                                                        \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                                                        \
        if (a_ == b_)                                                                                           \
            conf_host_fail(__FILE__, __LINE__, "%#" PRIx64 " == %#" PRIx64 " (%s, %s)", a_, b_, #a, #b);          \
    } while (0)
#define assert_non_null(p) assert_true((p) != NULL)
#define assert_memory_equal(a, b, n) assert_true(memcmp((a), (b), (n)) == 0)
#define fail_msg(...) conf_host_fail(__FILE__, __LINE__, __VA_ARGS__)
#define skip() conf_host_skip()
