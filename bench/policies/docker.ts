/**
 * A policy the size and shape of Docker's default seccomp profile on x86_64:
 * about 300 syscalls allowed by number, a few argument rules, and ERRNO(EPERM)
 * for everything else. The list of names follows the profile's allow list;
 * names the x86_64 table does not have (other arches' calls, calls newer than
 * the table's kernel) are left out and counted.
 */
import type { RuleModel } from '../../src/ir/model.js';
import { action, compare } from '../../src/ir/model.js';
import { argumentOf, knownSyscall, oneOf, RulesBuilder } from './build.js';
import { policyText } from './text.js';
import type { BenchPolicy } from './types.js';

/** DOCKER_ALLOWED are the names the profile allows unconditionally. */
export const DOCKER_ALLOWED: readonly string[] = `
accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir chmod chown chown32
clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64
clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2 dup3
epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old
eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate
fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat fcntl fcntl64 fdatasync
fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync
ftruncate ftruncate64 futex futex_requeue futex_time64 futex_wait futex_waitv futex_wake futimesat
getcpu getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups
getgroups32 getitimer getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid
getresgid32 getresuid getresuid32 getrlimit get_robust_list getrusage getsid getsockname getsockopt
get_thread_area gettid gettimeofday getuid getuid32 getxattr inotify_add_watch inotify_init
inotify_init1 inotify_rm_watch io_cancel ioctl io_destroy io_getevents io_pgetevents
io_pgetevents_time64 ioprio_get ioprio_set io_setup io_submit ipc kill landlock_add_rule
landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link linkat listen listxattr
llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64 madvise map_shadow_stack membarrier
memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2
mprotect mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend
mq_timedsend_time64 mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock munlockall munmap
name_to_handle_at nanosleep newfstatat _newselect open openat openat2 pause pidfd_open
pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl pread64
preadv preadv2 prlimit64 process_mrelease pselect6 pselect6_time64 pwrite64 pwritev pwritev2 read
readahead readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages
removexattr rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending
rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64
rt_tgsigqueueinfo sched_getaffinity sched_getattr sched_getparam sched_get_priority_max
sched_get_priority_min sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64
sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select semctl
semget semop semtimedop semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto setfsgid
setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setpgid setpriority
setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit
set_robust_list setsid setsockopt set_thread_area set_tid_address setuid setuid32 setxattr shmat
shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn socketcall
socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs
sysinfo tee tgkill time timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64
timer_settime timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime
timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat utime
utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev
arch_prctl modify_ldt ptrace process_vm_readv process_vm_writev
`
  .split(/\s+/)
  .filter((name) => name !== '');

/** The personality values the profile allows: PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and the query 0xffffffff. */
const PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];
/** CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET. */
const NAMESPACE_FLAGS = 0x7e020000n;
const AF_VSOCK = 40n;
const EPERM = 1;
const ENOSYS = 38;

/** dockerModel builds the Docker-sized allowlist; `skipped` receives the names x86_64 lacks. */
export function dockerModel(skipped: string[] = []): RuleModel {
  const rules = new RulesBuilder();
  for (const name of DOCKER_ALLOWED) {
    if (knownSyscall(name)) rules.add(name);
    else skipped.push(name);
  }
  rules
    .add('personality', oneOf('personality', 'personality', PERSONALITIES))
    .add('clone', compare(argumentOf('clone', 'clone_flags'), 'eq', 0n, NAMESPACE_FLAGS))
    .add('clone3', undefined, action('errno', ENOSYS))
    .add('socket', compare(argumentOf('socket', 'family'), 'ne', AF_VSOCK));
  return rules.model('docker-default', action('errno', EPERM), action('kill_process'));
}

/** dockerPolicy is the Docker-sized benchmark entry. */
export function dockerPolicy(): BenchPolicy {
  const skipped: string[] = [];
  const model = dockerModel(skipped);
  return {
    id: 'docker',
    title: 'Docker-default-sized allowlist (errno EPERM default)',
    model,
    frontEnd: { file: 'docker-default.policy (written from the model)', text: policyText(model), params: {} },
    notes: [`${skipped.length} names of the profile are not x86_64 syscalls in the table and were left out: ${skipped.join(' ')}`],
    kernelCases: [
      { label: 'getppid', kind: 'cached', syscall: 'getppid', args: [] },
      { label: 'personality(0xffffffff) (query)', kind: 'argument-checked', syscall: 'personality', args: [0xffffffffn] },
    ],
    kernelNote: 'getppid is allowed by number alone; personality(0xffffffff) goes through the argument rule',
  };
}
