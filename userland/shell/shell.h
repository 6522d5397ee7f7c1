/* shell.h — the shell's state and command table (shell.c, commands.c). */
#pragma once
#include <vos/file.h>
#include <vos/vos.h>

#define MAX_ARGS 16
#define MAX_PROCS 32
#define SHELL_EXIT 1000 /* a command's "leave the shell" */

struct proc {
    vos_proc_t p;
    char name[24];
    int ended;
    struct vos_process_exit_info info;
};

struct shell {
    const struct vos_start_info *si;
    vos_console_t con;
    struct vos_bootfs fs;
    int have_fs;
    vos_mem_t pool;        /* for the capability demo */
    vos_ep_t demo_ep;      /* for the IPC demo: the receive side ... */
    vos_chan_t demo_ch;    /* ... and a channel to it */
    uint64_t console_pid;  /* from init's "console=N" argument */
    vos_chan_t files;      /* the file-system server, from init's "fs=N" argument, or {0} */
    struct proc procs[MAX_PROCS];
    unsigned nprocs;       /* started so far (the table keeps the last MAX_PROCS) */
};
extern struct shell sh;

struct command {
    const char *name, *args, *help;
    int (*fn)(int argc, char **argv);
};
extern const struct command commands[];

/* files.c: the file commands, and programs from the disk for `run`. */
void files_init(const struct vos_start_info *si);
int files_load(const char *path, void **elf, uint64_t *size);
int cmd_ls(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_write(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_mkdir(int argc, char **argv);
int cmd_cp(int argc, char **argv);
int cmd_mv(int argc, char **argv);
int cmd_df(int argc, char **argv);

/* A decimal number; 0, or -1 if s is not one. */
int parse_u64(const char *s, uint64_t *v);

/* Does s start with p? */
static inline int has_prefix(const char *s, const char *p)
{
    while (*p)
        if (*s++ != *p++)
            return 0;
    return 1;
}
