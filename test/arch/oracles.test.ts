/**
 * The generated tables checked against sources they were not made from:
 * the unistd_*.h headers of linux-libc-dev, libseccomp's own syscall tables
 * and glibc's headers, each through a child process.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { archTable, constantValue } from '../../src/arch/index.js';
import { X32_SYSCALL_BIT } from '../../src/bpf/seccomp.js';
import type { ArchName } from '../../src/ir/model.js';

const work = mkdtempSync(join(tmpdir(), 'arch-oracles-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ASM = '/usr/include/x86_64-linux-gnu/asm';

/** headerNumbers reads `#define __NR_name N` (or `(__X32_SYSCALL_BIT + N)`) lines. */
function headerNumbers(path: string): Map<string, number> {
  const numbers = new Map<string, number>();
  for (const match of readFileSync(path, 'utf8').matchAll(/^#define __NR_(\w+)\s+(?:\(__X32_SYSCALL_BIT \+ (\d+)\)|(\d+))$/gm)) {
    numbers.set(match[1]!, match[2] === undefined ? Number(match[3]) : X32_SYSCALL_BIT + Number(match[2]));
  }
  return numbers;
}

describe('numbers agree with linux-libc-dev unistd headers', () => {
  const cases: [ArchName, string][] = [
    ['x86_64', 'unistd_64.h'],
    ['i386', 'unistd_32.h'],
    ['x32', 'unistd_x32.h'],
  ];
  for (const [arch, header] of cases) {
    const path = join(ASM, header);
    const run = existsSync(path) ? it : it.skip;
    run(`${arch} equals ${header}${existsSync(path) ? '' : ' (skipped: linux-libc-dev headers not installed)'}`, () => {
      const expected = headerNumbers(path);
      expect(expected.size).toBeGreaterThan(300);
      const actual = new Map(archTable(arch).syscalls.map((info) => [info.name, info.number]));
      expect(actual).toEqual(expected);
    });
  }
});

const RESOLVER = `
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
int main(void) {
  char name[128];
  unsigned long token;
  while (scanf("%lx %127s", &token, name) == 2) {
    printf("%d\\n", seccomp_syscall_resolve_name_arch((unsigned)token, name));
  }
  return 0;
}
`;

/** Tokens libseccomp uses for each arch (x32 has its own; the others are the audit values). */
const SCMP_TOKENS: Record<ArchName, number> = {
  x86_64: 0xc000003e,
  x32: 0x4000003e,
  i386: 0x40000003,
  aarch64: 0xc00000b7,
  arm: 0x40000028,
  riscv64: 0xc00000f3,
};

function libseccompReason(): string | undefined {
  if (!existsSync('/usr/include/seccomp.h')) return 'libseccomp-dev not installed';
  return undefined;
}

describe('numbers agree with libseccomp', () => {
  const reason = libseccompReason();
  const arches = Object.keys(SCMP_TOKENS) as ArchName[];
  const run = reason ? it.skip : it;
  run(`every name libseccomp resolves has the same number${reason ? ` (skipped: ${reason})` : ''}`, () => {
    const source = join(work, 'resolve.c');
    const binary = join(work, 'resolve');
    writeFileSync(source, RESOLVER);
    execFileSync('cc', ['-o', binary, source, '-lseccomp']);
    const queries = arches.flatMap((arch) => archTable(arch).syscalls.map((info) => ({ arch, info })));
    const input = queries.map(({ arch, info }) => `${SCMP_TOKENS[arch].toString(16)} ${info.name}`).join('\n');
    const answers = execFileSync(binary, { input, encoding: 'utf8' }).trim().split('\n').map(Number);
    expect(answers).toHaveLength(queries.length);
    const agreed = new Map<ArchName, number>();
    const disagreements: string[] = [];
    queries.forEach(({ arch, info }, index) => {
      const answer = answers[index]!;
      if (answer < 0) return; // a name libseccomp does not know on this arch
      if (answer === info.number) agreed.set(arch, (agreed.get(arch) ?? 0) + 1);
      else disagreements.push(`${arch} ${info.name}: ours ${info.number}, libseccomp ${answer}`);
    });
    expect(disagreements).toEqual([]);
    for (const arch of arches) expect(agreed.get(arch) ?? 0, arch).toBeGreaterThan(280);
  });
});

/** Constants glibc defines for x86_64, all of which must match. */
const GLIBC_NAMES = [
  'AF_UNIX', 'AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_PACKET', 'AF_VSOCK',
  'SOCK_STREAM', 'SOCK_DGRAM', 'SOCK_RAW', 'SOCK_SEQPACKET', 'SOCK_CLOEXEC', 'SOCK_NONBLOCK',
  'MSG_PEEK', 'MSG_DONTWAIT', 'MSG_WAITALL', 'MSG_NOSIGNAL', 'MSG_TRUNC', 'SOL_SOCKET', 'SO_REUSEADDR', 'SO_KEEPALIVE',
  'O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE', 'O_CREAT', 'O_EXCL', 'O_TRUNC', 'O_APPEND', 'O_NONBLOCK',
  'O_DIRECTORY', 'O_NOFOLLOW', 'O_CLOEXEC', 'O_PATH', 'O_TMPFILE', 'O_DIRECT', 'O_SYNC', 'O_NOATIME',
  'F_GETFD', 'F_SETFD', 'F_GETFL', 'F_SETFL', 'F_DUPFD_CLOEXEC', 'F_ADD_SEALS', 'FD_CLOEXEC',
  'AT_FDCWD', 'AT_EMPTY_PATH', 'AT_SYMLINK_NOFOLLOW', 'AT_REMOVEDIR',
  'PROT_NONE', 'PROT_READ', 'PROT_WRITE', 'PROT_EXEC', 'MAP_SHARED', 'MAP_PRIVATE', 'MAP_FIXED', 'MAP_ANONYMOUS',
  'MAP_NORESERVE', 'MAP_STACK', 'MAP_32BIT', 'MADV_DONTNEED', 'MADV_FREE', 'MREMAP_MAYMOVE',
  'CLONE_VM', 'CLONE_FS', 'CLONE_FILES', 'CLONE_SIGHAND', 'CLONE_THREAD', 'CLONE_NEWNS', 'CLONE_NEWUSER', 'CLONE_NEWPID',
  'EPERM', 'ENOENT', 'EINTR', 'EAGAIN', 'EWOULDBLOCK', 'EACCES', 'EINVAL', 'ENOSYS', 'EOPNOTSUPP', 'EDEADLOCK',
  'SIGHUP', 'SIGKILL', 'SIGSEGV', 'SIGTERM', 'SIGCHLD', 'SIGSYS', 'SIG_BLOCK', 'SIG_SETMASK',
  'EPOLLIN', 'EPOLLOUT', 'EPOLLET', 'EPOLLONESHOT', 'EPOLL_CTL_ADD', 'EPOLL_CTL_DEL', 'EPOLL_CTL_MOD', 'EPOLL_CLOEXEC',
  'TFD_CLOEXEC', 'TFD_NONBLOCK', 'TFD_TIMER_ABSTIME', 'EFD_CLOEXEC', 'EFD_NONBLOCK', 'EFD_SEMAPHORE',
  'CLOCK_REALTIME', 'CLOCK_MONOTONIC', 'CLOCK_BOOTTIME', 'CLOCK_MONOTONIC_RAW',
  'PR_SET_NO_NEW_PRIVS', 'PR_SET_NAME', 'PR_SET_SECCOMP', 'PR_SET_PDEATHSIG', 'GRND_NONBLOCK', 'GRND_RANDOM',
  'MFD_CLOEXEC', 'MFD_ALLOW_SEALING', 'IPPROTO_TCP', 'IPPROTO_UDP', 'IPPROTO_IPV6',
  'RLIMIT_NOFILE', 'RLIMIT_STACK', 'RLIMIT_AS', 'RLIM_INFINITY', 'WNOHANG', 'WUNTRACED', 'WEXITED', '__WALL', 'P_PID', 'P_ALL',
  'SPLICE_F_MOVE', 'SPLICE_F_NONBLOCK', 'FIONBIO', 'FIONREAD', 'TIOCGWINSZ', 'TCGETS',
  'S_IFMT', 'S_IFREG', 'S_IFDIR', 'POLLIN', 'POLLOUT', 'SYS_SOCKET',
];

const GLIBC_HEADERS = [
  'fcntl.h', 'sys/socket.h', 'sys/mman.h', 'sched.h', 'errno.h', 'signal.h', 'sys/epoll.h', 'sys/timerfd.h',
  'sys/eventfd.h', 'time.h', 'sys/prctl.h', 'sys/random.h', 'netinet/in.h', 'sys/resource.h', 'sys/wait.h',
  'sys/ioctl.h', 'sys/stat.h', 'poll.h', 'stdio.h', 'linux/net.h',
];

describe('constants agree with glibc', () => {
  const reason = process.arch === 'x64' ? undefined : 'glibc headers checked on x86_64 hosts only';
  const run = reason ? it.skip : it;
  run(`x86_64 values of ${GLIBC_NAMES.length} constants${reason ? ` (skipped: ${reason})` : ''}`, () => {
    const source = join(work, 'glibc.c');
    const binary = join(work, 'glibc');
    const lines = GLIBC_NAMES.map((name) => `  printf("%s %llu\\n", "${name}", (unsigned long long)(long long)(${name}));`);
    const includes = GLIBC_HEADERS.map((header) => `#include <${header}>`);
    writeFileSync(source, ['#define _GNU_SOURCE', ...includes, 'int main(void) {', ...lines, '  return 0;', '}', ''].join('\n'));
    execFileSync('cc', ['-o', binary, source]);
    const printed = execFileSync(binary, { encoding: 'utf8' }).trim().split('\n');
    expect(printed).toHaveLength(GLIBC_NAMES.length);
    const disagreements = printed.flatMap((line) => {
      const [name, value] = line.split(' ') as [string, string];
      const ours = constantValue(name, 'x86_64');
      return ours !== undefined && BigInt.asUintN(64, ours) === BigInt(value) ? [] : [`${name}: ours ${ours}, glibc ${value}`];
    });
    expect(disagreements).toEqual([]);
  });
});
