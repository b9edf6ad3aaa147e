/*
 * spawn.h: libnabla-spawn, the process launcher nabla-seccomp calls through
 * its FFI to start a program confined by seccomp from its first instruction.
 */
#ifndef NABLA_SPAWN_H
#define NABLA_SPAWN_H

/* The steps of the child, as reported by nabla_spawn_failed_step(). */
enum nabla_spawn_step {
    NABLA_SPAWN_STEP_NONE = 0,
    NABLA_SPAWN_STEP_SIGNALS = 1,  /* resetting signal dispositions and mask */
    NABLA_SPAWN_STEP_MOVE = 2,     /* duplicating sources above the targets */
    NABLA_SPAWN_STEP_PLACE = 3,    /* dup3 of each source onto its target */
    NABLA_SPAWN_STEP_CLOSE = 4,    /* closing every other fd */
    NABLA_SPAWN_STEP_CLOEXEC = 5,  /* marking exec_fd close-on-exec */
    NABLA_SPAWN_STEP_NO_NEW_PRIVS = 6,
    NABLA_SPAWN_STEP_SECCOMP = 7,
    NABLA_SPAWN_STEP_EXEC = 8,
    NABLA_SPAWN_STEP_FORK = 9,     /* in the parent: pipe or fork failed */
};

/* How nabla_install_exec installs its filter. */
enum nabla_install_method {
    NABLA_INSTALL_SECCOMP = 0, /* seccomp(SECCOMP_SET_MODE_FILTER, flags, ...) */
    NABLA_INSTALL_PRCTL = 1,   /* prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ...); no flags */
};

/*
 * nabla_spawn starts a child that places fds, closes all others, sets
 * no_new_privs, installs `filter` and execs `exec_fd`.
 *
 * filter, filter_len: classic-BPF program (struct sock_filter, 8 bytes each),
 *   1..4096 instructions; installed with seccomp(SECCOMP_SET_MODE_FILTER, 0).
 * fd_map, fd_pairs: fd_map[2*i] (a parent fd) becomes fd_map[2*i+1] in the
 *   child, for i < fd_pairs (0..1024 pairs; targets distinct, 0..65535).
 *   Sources may be targets of other pairs: every source is first duplicated
 *   above the highest target, then placed.
 * exec_fd: the program to run; must be one of the targets. It is marked
 *   close-on-exec after placement, so the program never sees it.
 * argv, envp: NULL-terminated, as for execve.
 *
 * Returns the child's pid once it has reached exec, or -errno: argument
 * errors (EINVAL) and failures of pipe/fork in the parent, or the errno of
 * the child's first failing step (the child has then been reaped). A child
 * that fails the exec itself after its filter is installed cannot always
 * report it (the filter may kill the report); it then shows up as a child
 * that died of SIGSYS or exited with status 127.
 */
int nabla_spawn(const void *filter, unsigned int filter_len, const int *fd_map,
                int fd_pairs, int exec_fd, char *const argv[],
                char *const envp[]);

/*
 * nabla_install_exec confines the calling thread and replaces the process
 * with a program, with no code of the caller running in between: it sets
 * no_new_privs, installs `filter` by `method` (with `flags` for
 * NABLA_INSTALL_SECCOMP), then, when wait_fd >= 0, makes one
 * read(wait_fd, buffer, wait_count) (0..65536 bytes) whose result it
 * ignores, and then calls execve(path, argv, envp).
 *
 * A caller running a garbage-collected runtime needs this: between two
 * separate calls its runtime may make system calls of its own (a collection,
 * a signal handler) that the new filter refuses, killing the process before
 * the program starts.
 *
 * Returns only on failure: -errno, with nabla_spawn_failed_step() naming the
 * step (EINVAL for bad arguments, with NABLA_SPAWN_STEP_NONE). A failure of
 * execve itself happens under the installed filter.
 */
int nabla_install_exec(const void *filter, unsigned int filter_len,
                       unsigned int flags, int method, int wait_fd,
                       unsigned int wait_count, const char *path,
                       char *const argv[], char *const envp[]);

/* nabla_spawn_failed_step returns the enum nabla_spawn_step at which the
 * most recent nabla_spawn or nabla_install_exec call in the process failed (NABLA_SPAWN_STEP_NONE
 * after a success or an argument error). */
int nabla_spawn_failed_step(void);

#endif
