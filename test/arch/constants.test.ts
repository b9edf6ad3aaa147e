import { describe, expect, it } from 'vitest';
import { constantNames, constantValue } from '../../src/arch/index.js';
import { ARCH_NAMES } from '../../src/ir/model.js';
import type { ArchName } from '../../src/ir/model.js';

describe('constantValue', () => {
  it.each([
    ['CLOCK_REALTIME', 0n],
    ['CLOCK_MONOTONIC', 1n],
    ['EPERM', 1n],
    ['ENOSYS', 38n],
    ['EAGAIN', 11n],
    ['PROT_EXEC', 4n],
    ['CLONE_NEWUSER', 0x10000000n],
    ['CLONE_CLEAR_SIGHAND', 0x100000000n],
    ['AF_INET', 2n],
    ['SOCK_STREAM', 1n],
    ['SOCK_CLOEXEC', 0o2000000n],
    ['EFD_NONBLOCK', 0o4000n],
    ['FUTEX_WAIT', 0n],
    ['FUTEX_PRIVATE_FLAG', 128n],
    ['EPOLL_CTL_ADD', 1n],
    ['EPOLLIN', 1n],
    ['PR_SET_NO_NEW_PRIVS', 38n],
    ['SECCOMP_SET_MODE_FILTER', 1n],
    ['SIGKILL', 9n],
    ['SIGSYS', 31n],
    ['GRND_NONBLOCK', 1n],
    ['AT_FDCWD', -100n],
    ['FIONBIO', 0x5421n],
    ['SPLICE_F_NONBLOCK', 2n],
    ['WNOHANG', 1n],
    ['P_PIDFD', 3n],
    ['SOL_SOCKET', 1n],
  ] as const)('%s is %i on every arch', (name, value) => {
    for (const arch of ARCH_NAMES) expect(constantValue(name, arch), arch).toBe(value);
  });

  it('ARCH_SET_FS is 0x1002 on the x86 arches and undefined elsewhere', () => {
    expect(constantValue('ARCH_SET_FS', 'x86_64')).toBe(0x1002n);
    expect(constantValue('ARCH_SET_FS', 'i386')).toBe(0x1002n);
    expect(constantValue('ARCH_SET_FS', 'aarch64')).toBeUndefined();
    expect(constantValue('ARCH_SET_FS', 'riscv64')).toBeUndefined();
  });

  it.each([
    ['O_DIRECTORY', 0o200000n, 0o40000n],
    ['O_NOFOLLOW', 0o400000n, 0o100000n],
    ['O_DIRECT', 0o40000n, 0o200000n],
  ] as const)('%s differs between x86 and the arm arches', (name, x86, arm) => {
    const expected: Record<ArchName, bigint> = { x86_64: x86, x32: x86, i386: x86, riscv64: x86, aarch64: arm, arm };
    for (const arch of ARCH_NAMES) expect(constantValue(name, arch), arch).toBe(expected[arch]);
  });

  it('keeps unsigned values unsigned at the arch width of long', () => {
    expect(constantValue('RLIM_INFINITY', 'x86_64')).toBe(2n ** 64n - 1n);
    expect(constantValue('RLIM_INFINITY', 'aarch64')).toBe(2n ** 64n - 1n);
    expect(constantValue('RLIM_INFINITY', 'arm')).toBe(2n ** 32n - 1n);
    expect(constantValue('EPOLLET', 'x86_64')).toBe(2n ** 31n);
  });

  it('has arch-specific ones only where they exist', () => {
    expect(constantValue('MAP_32BIT', 'x86_64')).toBe(0x40n);
    expect(constantValue('MAP_32BIT', 'aarch64')).toBeUndefined();
    expect(constantValue('PROT_BTI', 'aarch64')).toBe(0x10n);
    expect(constantValue('PROT_BTI', 'x86_64')).toBeUndefined();
  });

  it('is undefined for names it does not know', () => {
    expect(constantValue('NOT_A_CONSTANT', 'x86_64')).toBeUndefined();
    expect(constantValue('', 'arm')).toBeUndefined();
  });
});

describe('constantNames', () => {
  const names = constantNames();

  it('is sorted and unique', () => {
    expect([...names].sort()).toEqual(names);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(['CLOCK_', 'ARCH_', 'O_', 'F_', 'AT_', 'PROT_', 'MAP_', 'MADV_', 'AF_', 'SOCK_', 'MSG_', 'CLONE_', 'FUTEX_',
    'TFD_', 'EFD_', 'EPOLL', 'PR_', 'SECCOMP_', 'SIG', 'S_IF', 'GRND_', 'MFD_', 'IPPROTO_', 'SOL_', 'SO_', 'RLIMIT_',
    'P_', 'W', 'SPLICE_F_'])('covers the %s family', (prefix) => {
    expect(names.filter((name) => name.startsWith(prefix)).length).toBeGreaterThan(0);
  });

  it('has every errno from EPERM to EHWPOISON', () => {
    const errnos = names.filter((name) => /^E[A-Z0-9]+$/.test(name) && !name.startsWith('EPOLL'));
    const values = new Set(errnos.map((name) => constantValue(name, 'x86_64')));
    for (let value = 1n; value <= 133n; value += 1n) {
      if (value === 41n || value === 58n) continue; // numbers Linux never assigned on x86
      expect(values.has(value), `errno ${value}`).toBe(true);
    }
  });

  it('every name has a value on at least one arch', () => {
    for (const name of names) {
      expect(ARCH_NAMES.some((arch) => constantValue(name, arch) !== undefined), name).toBe(true);
    }
  });
});

describe('host constants', () => {
  it('reads a constant of the running arch as a number, and refuses an unknown one', async () => {
    const { hostConstant } = await import('../../src/arch/index.js');
    expect(hostConstant('SECCOMP_SET_MODE_FILTER')).toBe(1);
    expect(hostConstant('TUNSETIFF')).toBe(0x400454ca);
    expect(() => hostConstant('NO_SUCH_CONSTANT')).toThrow(/no kernel constant NO_SUCH_CONSTANT/);
  });

  it('looks each one up only when it is read, so importing code that names one never throws', async () => {
    const { hostConstants } = await import('../../src/arch/index.js');
    const table = hostConstants({ known: 'POLLHUP', unknown: 'NO_SUCH_CONSTANT' });
    expect(table.known).toBe(0x10);
    expect(() => table.unknown).toThrow(RangeError);
  });
});
