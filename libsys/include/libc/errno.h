/* errno.h — libsys's C runtime (one thread's worth: errno is a plain global). */
#pragma once

extern int errno;
#define EDOM 33
#define ERANGE 34
#define EINVAL 22
#define ENOMEM 12
#define ENOENT 2
