/* device.h — device resources: for now the console (write-only debug output, kernel/device.c). */
#pragma once

#include "object.h"
#include "usercopy.h"

struct device {
    struct object obj;
    const char *name;
};

struct device *console_device(void);
