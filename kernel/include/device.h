/* device.h — device resources: for now the console. */
#pragma once

#include "object.h"
#include "usercopy.h"

struct device {
    struct object obj;
    const char *name;
};

struct device *console_device(void);
void console_poll_input(void);  /* move received bytes to the input buffer; wake readers */
