/*
 * spawn.c: libnabla-spawn (see spawn.h for the contract).
 *
 * The child is made with clone(CLONE_VM | CLONE_VFORK) on a stack of its
 * own, the way posix_spawn does it: it shares the caller's memory until it
 * execs, so nothing is copied and a launch costs the same from a small
 * process as from a large Node process (fork would copy its page tables).
 * The caller sleeps until the child has exec'd or exited. Every signal is
 * blocked around the clone, so no handler of the caller runs in the child,
 * and the child has its own copy of the signal dispositions (no
 * CLONE_SIGHAND) to reset. The child uses only async-signal-safe calls:
 * it resets signals, places its fds, closes the rest, sets no_new_privs,
 * installs the filter and execs. It reports a failing step through a
 * close-on-exec pipe: the parent reading end-of-file means the exec happened.
 *
 * nabla_install_exec is the same last three steps without the child, for a
 * caller that replaces itself with the confined program.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#define MAX_PAIRS 1024
#define MAX_TARGET 65535
#define MAX_FILTER 4096
#define CHILD_FAILED_STATUS 127
/* The child's stack: run_child keeps a 64 KiB table of targets on it. */
#define CHILD_STACK_SIZE (256 * 1024)

/* report: what a failing child writes to the parent. */
struct report {
    int step;
    int error;
};

/* The step of the most recent call; a plain global, so a caller may read it
 * from another thread than the one that called nabla_spawn. */
static int failed_step;

/* child_fail sends the failing step and errno to the parent and exits. */
static void __attribute__((noreturn)) child_fail(int report_fd, int step)
{
    struct report message = {step, errno};
    ssize_t ignored = write(report_fd, &message, sizeof message);
    (void)ignored;
    _exit(CHILD_FAILED_STATUS);
}

/* reset_signals restores default dispositions (ignored signals would stay
 * ignored across exec) and unblocks everything. */
static int reset_signals(void)
{
    struct sigaction action = {0};
    action.sa_handler = SIG_DFL;
    for (int signal_number = 1; signal_number < NSIG; signal_number++) {
        if (signal_number == SIGKILL || signal_number == SIGSTOP)
            continue;
        /* The C library refuses its own internal signals; they are not
         * ignored, so exec resets them anyway. */
        sigaction(signal_number, &action, NULL);
    }
    sigset_t empty;
    sigemptyset(&empty);
    return sigprocmask(SIG_SETMASK, &empty, NULL);
}

/* close_others closes every fd that is neither a target nor the report fd. */
static int close_others(const unsigned char *is_target, int highest,
                        int report_fd)
{
    int fd = 0;
    while (fd <= highest) {
        if (is_target[fd] || fd == report_fd) {
            fd++;
            continue;
        }
        int last = fd;
        while (last + 1 <= highest && !is_target[last + 1] &&
               last + 1 != report_fd)
            last++;
        if (syscall(SYS_close_range, fd, last, 0) < 0)
            return -1;
        fd = last + 1;
    }
    /* Above the targets only the report fd stays; it lies above them too. */
    if (report_fd > highest + 1 &&
        syscall(SYS_close_range, highest + 1, report_fd - 1, 0) < 0)
        return -1;
    return (int)syscall(SYS_close_range, report_fd + 1, ~0U, 0);
}

static void __attribute__((noreturn))
run_child(int report_fd, const struct sock_fprog *program, const int *fd_map,
          int fd_pairs, int exec_fd, char *const argv[], char *const envp[])
{
    unsigned char is_target[MAX_TARGET + 1] = {0};
    int moved[MAX_PAIRS];
    int highest = -1;
    for (int i = 0; i < fd_pairs; i++) {
        is_target[fd_map[2 * i + 1]] = 1;
        if (fd_map[2 * i + 1] > highest)
            highest = fd_map[2 * i + 1];
    }
    if (reset_signals() < 0)
        child_fail(report_fd, NABLA_SPAWN_STEP_SIGNALS);

    /* Everything we still need moves above the highest target first, so
     * placing one fd can never overwrite a source not yet placed. */
    if (report_fd <= highest) {
        int above = fcntl(report_fd, F_DUPFD_CLOEXEC, highest + 1);
        if (above < 0)
            child_fail(report_fd, NABLA_SPAWN_STEP_MOVE);
        report_fd = above;
    }
    for (int i = 0; i < fd_pairs; i++) {
        moved[i] = fcntl(fd_map[2 * i], F_DUPFD_CLOEXEC, highest + 1);
        if (moved[i] < 0)
            child_fail(report_fd, NABLA_SPAWN_STEP_MOVE);
    }
    for (int i = 0; i < fd_pairs; i++)
        if (dup3(moved[i], fd_map[2 * i + 1], 0) < 0)
            child_fail(report_fd, NABLA_SPAWN_STEP_PLACE);
    if (close_others(is_target, highest, report_fd) < 0)
        child_fail(report_fd, NABLA_SPAWN_STEP_CLOSE);
    if (fcntl(exec_fd, F_SETFD, FD_CLOEXEC) < 0)
        child_fail(report_fd, NABLA_SPAWN_STEP_CLOEXEC);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        child_fail(report_fd, NABLA_SPAWN_STEP_NO_NEW_PRIVS);
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, program) < 0)
        child_fail(report_fd, NABLA_SPAWN_STEP_SECCOMP);
    syscall(SYS_execveat, exec_fd, "", argv, envp, AT_EMPTY_PATH);
    child_fail(report_fd, NABLA_SPAWN_STEP_EXEC);
}

/* What the child needs, passed through clone's single argument. */
struct child_arguments {
    int report_fd;
    const struct sock_fprog *program;
    const int *fd_map;
    int fd_pairs;
    int exec_fd;
    char *const *argv;
    char *const *envp;
};

static int child_main(void *opaque)
{
    const struct child_arguments *a = opaque;
    run_child(a->report_fd, a->program, a->fd_map, a->fd_pairs, a->exec_fd,
              a->argv, a->envp);
}

/* valid_arguments checks everything the child relies on before forking. */
static int valid_arguments(const void *filter, unsigned int filter_len,
                           const int *fd_map, int fd_pairs, int exec_fd,
                           char *const argv[])
{
    if (filter == NULL || filter_len < 1 || filter_len > MAX_FILTER)
        return 0;
    if (fd_pairs < 0 || fd_pairs > MAX_PAIRS || argv == NULL ||
        (fd_pairs > 0 && fd_map == NULL))
        return 0;
    int exec_is_target = 0;
    for (int i = 0; i < fd_pairs; i++) {
        int source = fd_map[2 * i], target = fd_map[2 * i + 1];
        if (source < 0 || target < 0 || target > MAX_TARGET)
            return 0;
        for (int j = 0; j < i; j++)
            if (fd_map[2 * j + 1] == target)
                return 0;
        if (target == exec_fd)
            exec_is_target = 1;
    }
    return exec_is_target;
}

int nabla_spawn(const void *filter, unsigned int filter_len, const int *fd_map,
                int fd_pairs, int exec_fd, char *const argv[],
                char *const envp[])
{
    static char *const no_environment[] = {NULL};
    if (!valid_arguments(filter, filter_len, fd_map, fd_pairs, exec_fd, argv)) {
        failed_step = NABLA_SPAWN_STEP_NONE;
        return -EINVAL;
    }
    struct sock_fprog program = {(unsigned short)filter_len,
                                 (struct sock_filter *)filter};
    int report[2];
    if (pipe2(report, O_CLOEXEC) < 0) {
        failed_step = NABLA_SPAWN_STEP_FORK;
        return -errno;
    }
    void *stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
        int error = errno;
        close(report[0]);
        close(report[1]);
        failed_step = NABLA_SPAWN_STEP_FORK;
        return -error;
    }
    /* The read end is close-on-exec, so the child's copy of it disappears at
     * exec; it never reads it. */
    struct child_arguments arguments = {
        report[1], &program, fd_map, fd_pairs, exec_fd, argv,
        envp != NULL ? envp : no_environment};
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid_t pid = clone(child_main, (char *)stack + CHILD_STACK_SIZE,
                      CLONE_VM | CLONE_VFORK | SIGCHLD, &arguments);
    int fork_error = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    munmap(stack, CHILD_STACK_SIZE);
    close(report[1]);
    if (pid < 0) {
        close(report[0]);
        failed_step = NABLA_SPAWN_STEP_FORK;
        return -fork_error;
    }

    struct report message;
    ssize_t count;
    do
        count = read(report[0], &message, sizeof message);
    while (count < 0 && errno == EINTR);
    close(report[0]);
    if (count == 0) {
        failed_step = NABLA_SPAWN_STEP_NONE;
        return pid;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (count != (ssize_t)sizeof message) {
        failed_step = NABLA_SPAWN_STEP_EXEC;
        return -EIO;
    }
    failed_step = message.step;
    return message.error > 0 ? -message.error : -EIO;
}

/* The buffer of nabla_install_exec's wait; its contents are never used. */
#define MAX_WAIT 65536
static char wait_buffer[MAX_WAIT];

int nabla_install_exec(const void *filter, unsigned int filter_len,
                       unsigned int flags, int method, int wait_fd,
                       unsigned int wait_count, const char *path,
                       char *const argv[], char *const envp[])
{
    failed_step = NABLA_SPAWN_STEP_NONE;
    if (filter == NULL || filter_len < 1 || filter_len > MAX_FILTER ||
        path == NULL || argv == NULL || envp == NULL ||
        wait_count > MAX_WAIT ||
        (method != NABLA_INSTALL_SECCOMP && method != NABLA_INSTALL_PRCTL) ||
        (method == NABLA_INSTALL_PRCTL && flags != 0))
        return -EINVAL;
    struct sock_fprog program = {(unsigned short)filter_len,
                                 (struct sock_filter *)filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        failed_step = NABLA_SPAWN_STEP_NO_NEW_PRIVS;
        return -errno;
    }
    long installed =
        method == NABLA_INSTALL_PRCTL
            ? prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0)
            : syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &program);
    if (installed < 0) {
        failed_step = NABLA_SPAWN_STEP_SECCOMP;
        return -errno;
    }
    if (wait_fd >= 0) {
        ssize_t ignored = read(wait_fd, wait_buffer, wait_count);
        (void)ignored;
    }
    execve(path, argv, envp);
    failed_step = NABLA_SPAWN_STEP_EXEC;
    return -errno;
}

int nabla_spawn_failed_step(void) { return failed_step; }
