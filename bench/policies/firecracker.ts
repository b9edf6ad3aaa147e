/**
 * A policy the size and shape of Firecracker's VMM-thread filter on x86_64:
 * about forty syscalls, many pinned by argument (ioctl request codes, mmap and
 * mprotect protections and flags, futex operations, fcntl commands), and
 * kill_process for everything else.
 */
import type { Condition, RuleModel } from '../../src/ir/model.js';
import { action, and, or } from '../../src/ir/model.js';
import { equals, oneOf, RulesBuilder } from './build.js';
import { policyText } from './text.js';
import type { BenchPolicy } from './types.js';

const UNCONDITIONAL = [
  'accept4', 'brk', 'clock_gettime', 'close', 'connect', 'epoll_ctl', 'epoll_pwait', 'epoll_wait', 'exit',
  'exit_group', 'fstat', 'fsync', 'getrandom', 'lseek', 'mremap', 'msync', 'munmap', 'preadv', 'pwritev',
  'read', 'readv', 'recvfrom', 'recvmsg', 'restart_syscall', 'rt_sigprocmask', 'rt_sigreturn', 'sched_yield',
  'sendmsg', 'sigaltstack', 'statx', 'timerfd_settime', 'write', 'writev',
];

/** Terminal, tap and KVM request codes the VMM thread issues. */
const IOCTL_REQUESTS = [
  0x5401, // TCGETS
  0x5402, // TCSETS
  0x5413, // TIOCGWINSZ
  0x5421, // FIONBIO
  0x400454d0, // TUNSETOFFLOAD
  0x400454d8, // TUNSETVNETHDRSZ
  0x4010ae42, // KVM_GET_DIRTY_LOG
  0x4020ae46, // KVM_SET_USER_MEMORY_REGION
  0x4020ae76, // KVM_IRQFD
  0x4040ae79, // KVM_IOEVENTFD
  0xc008ae88, // KVM_GET_MSRS
  0x8090ae81, // KVM_GET_REGS
  0x8138ae83, // KVM_GET_SREGS
  0xae80, // KVM_RUN
];

const PROT_NONE = 0;
const PROT_READ_WRITE = 3;
const MAP_SHARED = 0x1;
const MAP_PRIVATE_ANONYMOUS = 0x22;
const MAP_NORESERVE = 0x4000;
const MAP_POPULATE = 0x8000;

function mapping(prot: number, flags: number): Condition {
  return and(equals('mmap', 'prot', prot), equals('mmap', 'flags', flags));
}

/** FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE and FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME, all private. */
const FUTEX_OPS = [128, 129, 131, 132, 393];
const F_GETFD = 1;
const F_SETFD = 2;
const F_GETFL = 3;
const F_SETFL = 4;
const FD_CLOEXEC = 1;
const O_NONBLOCK = 0x800;
const MADV_DONTNEED = 4;
const MADV_DONTDUMP = 16;
const AF_UNIX = 1;
const SOCK_STREAM_CLOEXEC = 0x80001;
const VCPU_KICK_SIGNAL = 35;

/** firecrackerModel builds the Firecracker-sized VMM filter. */
export function firecrackerModel(): RuleModel {
  const rules = new RulesBuilder().add(UNCONDITIONAL);
  rules
    .add('ioctl', oneOf('ioctl', 'cmd', IOCTL_REQUESTS))
    .add(
      'mmap',
      or(
        mapping(PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS),
        mapping(PROT_READ_WRITE, MAP_SHARED),
        mapping(PROT_READ_WRITE, MAP_SHARED | MAP_POPULATE),
        mapping(PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS | MAP_NORESERVE),
        mapping(PROT_NONE, MAP_PRIVATE_ANONYMOUS | MAP_NORESERVE),
      ),
    )
    .add('mprotect', oneOf('mprotect', 'prot', [PROT_NONE, PROT_READ_WRITE]))
    .add('futex', oneOf('futex', 'op', FUTEX_OPS))
    .add('madvise', oneOf('madvise', 'behavior', [MADV_DONTNEED, MADV_DONTDUMP]))
    .add(
      'fcntl',
      or(
        and(equals('fcntl', 'cmd', F_SETFD), equals('fcntl', 'arg', FD_CLOEXEC)),
        equals('fcntl', 'cmd', F_GETFD),
        equals('fcntl', 'cmd', F_GETFL),
        and(equals('fcntl', 'cmd', F_SETFL), equals('fcntl', 'arg', O_NONBLOCK)),
      ),
    )
    .add('socket', and(equals('socket', 'family', AF_UNIX), equals('socket', 'type', SOCK_STREAM_CLOEXEC)))
    .add('tkill', equals('tkill', 'sig', VCPU_KICK_SIGNAL));
  return rules.model('firecracker-vmm', action('kill_process'), action('kill_process'));
}

/** firecrackerPolicy is the Firecracker-sized benchmark entry. */
export function firecrackerPolicy(): BenchPolicy {
  const model = firecrackerModel();
  return {
    id: 'firecracker',
    title: 'Firecracker-VMM-sized filter (kill_process default)',
    model,
    frontEnd: { file: 'firecracker-vmm.policy (written from the model)', text: policyText(model), params: {} },
    kernelCases: [
      {
        label: 'lseek(fd 20, 0, SEEK_CUR)',
        kind: 'cached',
        syscall: 'lseek',
        args: [20n, 0n, 1n],
        memoryFile: { fd: 20, size: 4096 },
      },
      { label: 'futex(buffer, FUTEX_WAKE_PRIVATE, 1)', kind: 'argument-checked', syscall: 'futex', args: ['buffer', 129n, 1n] },
    ],
    kernelNote: 'lseek is allowed by number alone; futex goes through the op rule',
  };
}
