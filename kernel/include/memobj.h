/* memobj.h — memory region objects: physical memory a capability can map. */
#pragma once

#include "object.h"

struct memobj {
    struct object obj;
    uint64_t size;     /* bytes this object stands for */
};

struct memobj *memobj_new(uint64_t size);
