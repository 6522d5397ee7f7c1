/* time.h — libsys's C runtime: clocks through SYS_CLOCK_GET. */
#pragma once
#include <stddef.h>

typedef long time_t;
typedef long clock_t;
typedef int clockid_t;
struct timespec {
    time_t tv_sec;
    long tv_nsec;
};
#define CLOCKS_PER_SEC 1000000L
#define CLOCK_REALTIME 1
#define CLOCK_MONOTONIC 0

int clock_gettime(clockid_t id, struct timespec *ts);
time_t time(time_t *t);
clock_t clock(void);
