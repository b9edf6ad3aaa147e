/**
 * The syscall lists the lint rules judge by: I/O calls and the names of
 * their fd arguments, calls that escape or weaken a sandbox, families of
 * equivalent calls, the 32-bit multiplexers, and the newer calls glibc falls
 * back from only when they fail with ENOSYS. Names are kernel names; a name
 * missing on an arch is simply skipped there.
 */

/** IO_SYSCALLS are the calls that move data through an fd. */
export const IO_SYSCALLS: ReadonlySet<string> = new Set([
  'read', 'write', 'pread64', 'pwrite64', 'readv', 'writev', 'preadv', 'pwritev', 'preadv2', 'pwritev2',
  'send', 'recv', 'sendto', 'recvfrom', 'sendmsg', 'recvmsg', 'sendmmsg', 'recvmmsg', 'recvmmsg_time64',
  'sendfile', 'sendfile64', 'splice', 'tee', 'vmsplice', 'copy_file_range',
]);

/** FD_ARGUMENT_NAMES are the prototype names of fd arguments of I/O calls. */
export const FD_ARGUMENT_NAMES: ReadonlySet<string> = new Set(['fd', 'fd_in', 'fd_out', 'in_fd', 'out_fd', 'fdin', 'fdout']);

/** DANGEROUS_SYSCALLS maps each call that escapes or weakens the sandbox to why. */
export const DANGEROUS_SYSCALLS: ReadonlyMap<string, string> = new Map([
  ...['ptrace', 'process_vm_readv', 'process_vm_writev'].map((n) => [n, 'reads or writes other processes'] as const),
  ['bpf', 'loads programs into the kernel'],
  ...['kexec_load', 'kexec_file_load'].map((n) => [n, 'replaces the running kernel'] as const),
  ...['init_module', 'finit_module', 'delete_module'].map((n) => [n, 'loads or unloads kernel modules'] as const),
  ['userfaultfd', 'lets a process stall the kernel at chosen points, a common exploit aid'],
  ['perf_event_open', 'opens a large kernel surface and leaks kernel addresses'],
  ...['keyctl', 'add_key', 'request_key'].map((n) => [n, 'reaches the kernel keyring, which is not namespaced'] as const),
  ['personality', 'can turn off address randomisation or make all readable memory executable'],
  ...['io_uring_setup', 'io_uring_enter', 'io_uring_register'].map(
    (n) => [n, 'runs I/O whose operations seccomp never sees'] as const,
  ),
  ...['mount', 'umount', 'umount2', 'pivot_root', 'fsopen', 'fsconfig', 'fsmount', 'move_mount', 'open_tree', 'mount_setattr'].map(
    (n) => [n, 'changes the mount table'] as const,
  ),
  ...['unshare', 'setns'].map((n) => [n, 'enters or makes namespaces, which open much of the kernel'] as const),
]);

/** SAFE_PERSONALITY are the personality values that change nothing dangerous: PER_LINUX and the query 0xffffffff. */
export const SAFE_PERSONALITY: readonly bigint[] = [0n, 0xffff_ffffn];

/** EXEC_SYSCALLS run a new program. */
export const EXEC_SYSCALLS: ReadonlySet<string> = new Set(['execve', 'execveat']);

/** MEMORY_PROTECTION_SYSCALLS take a `prot` argument that may hold PROT_EXEC. */
export const MEMORY_PROTECTION_SYSCALLS: ReadonlySet<string> = new Set(['mmap', 'mmap2', 'mprotect', 'pkey_mprotect']);

/** FAMILIES are groups of calls that reach the same kernel operation. */
export const FAMILIES: ReadonlyMap<string, readonly string[]> = new Map([
  ['open', ['open', 'openat', 'openat2', 'creat', 'open_by_handle_at']],
  ['exec', ['execve', 'execveat']],
  ['process creation', ['clone', 'clone3', 'fork', 'vfork']],
  ['dup', ['dup', 'dup2', 'dup3']],
  ['rename', ['rename', 'renameat', 'renameat2']],
  ['chmod', ['chmod', 'fchmod', 'fchmodat', 'fchmodat2']],
  ['chown', ['chown', 'fchown', 'lchown', 'fchownat', 'chown32', 'fchown32', 'lchown32']],
  ['unlink', ['unlink', 'unlinkat', 'rmdir']],
  ['link', ['link', 'linkat', 'symlink', 'symlinkat']],
  ['mkdir', ['mkdir', 'mkdirat']],
  ['mknod', ['mknod', 'mknodat']],
  ['kill', ['kill', 'tkill', 'tgkill', 'pidfd_send_signal', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo']],
  ['setuid', ['setuid', 'setreuid', 'setresuid', 'setfsuid', 'setuid32', 'setreuid32', 'setresuid32', 'setfsuid32']],
  ['setgid', ['setgid', 'setregid', 'setresgid', 'setfsgid', 'setgid32', 'setregid32', 'setresgid32', 'setfsgid32']],
  ['mount', ['mount', 'fsopen', 'fsmount', 'move_mount', 'open_tree']],
  ['namespaces', ['unshare', 'setns']],
  ['process memory', ['process_vm_readv', 'process_vm_writev', 'ptrace']],
]);

/** MULTIPLEXERS maps each 32-bit multiplexer to the calls it can reach with its arguments in memory. */
export const MULTIPLEXERS: ReadonlyMap<string, readonly string[]> = new Map([
  [
    'socketcall',
    [
      'socket', 'bind', 'connect', 'listen', 'accept', 'accept4', 'getsockname', 'getpeername', 'socketpair',
      'send', 'sendto', 'recv', 'recvfrom', 'shutdown', 'setsockopt', 'getsockopt', 'sendmsg', 'recvmsg',
      'sendmmsg', 'recvmmsg',
    ],
  ],
  [
    'ipc',
    ['semop', 'semget', 'semctl', 'semtimedop', 'msgsnd', 'msgrcv', 'msgget', 'msgctl', 'shmat', 'shmdt', 'shmget', 'shmctl'],
  ],
]);

/** ENOSYS_FALLBACKS pairs a newer call with the older one glibc uses only when the newer fails with ENOSYS. */
export const ENOSYS_FALLBACKS: readonly (readonly [newer: string, older: string])[] = [
  ['clone3', 'clone'],
  ['faccessat2', 'faccessat'],
  ['fchmodat2', 'fchmodat'],
  ['statx', 'fstatat64'],
  ['clock_gettime64', 'clock_gettime'],
  ['clock_getres_time64', 'clock_getres'],
  ['clock_nanosleep_time64', 'clock_nanosleep'],
  ['futex_time64', 'futex'],
  ['ppoll_time64', 'ppoll'],
  ['pselect6_time64', 'pselect6'],
  ['utimensat_time64', 'utimensat'],
  ['timerfd_settime64', 'timerfd_settime'],
  ['timerfd_gettime64', 'timerfd_gettime'],
];
