/*
 * vos/files.h — the file side of newlib's OS hooks (libsys/src/files.c):
 * what open(), read(), lseek(), fstat() ... do on descriptors 3 and up.
 * Each returns what the POSIX call returns and sets errno on failure.
 * Programs use <stdio.h> or <unistd.h>, not these.
 */
#pragma once

#include <stddef.h>
#include <sys/stat.h>

int vos_file_adapter_open(const char *path, int flags, int mode);
int vos_file_adapter_read(int fd, void *buf, size_t n);
int vos_file_adapter_write(int fd, const void *buf, size_t n);
int vos_file_adapter_lseek(int fd, int off, int whence);
int vos_file_adapter_close(int fd);
int vos_file_adapter_fstat(int fd, struct stat *st);
int vos_file_adapter_stat(const char *path, struct stat *st);
int vos_file_adapter_unlink(const char *path);
int vos_file_adapter_is_open(int fd);
