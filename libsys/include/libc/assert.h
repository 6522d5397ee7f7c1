/* assert.h — libsys's C runtime: a failed assertion prints and aborts. */
#pragma once

_Noreturn void __vos_assert_fail(const char *expr, const char *file, int line);
#ifdef NDEBUG
#define assert(e) ((void)0)
#else
#define assert(e) ((e) ? (void)0 : __vos_assert_fail(#e, __FILE__, __LINE__))
#endif
