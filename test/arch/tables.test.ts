import { describe, expect, it } from 'vitest';
import { ARCH_BITS, archByAuditValue, archTable, hostArch } from '../../src/arch/index.js';
import type { SyscallInfo } from '../../src/arch/index.js';
import { AuditArch, X32_SYSCALL_BIT } from '../../src/bpf/seccomp.js';
import { ARCH_NAMES } from '../../src/ir/model.js';
import type { ArchName } from '../../src/ir/model.js';

function syscall(arch: ArchName, name: string): SyscallInfo {
  const info = archTable(arch).byName.get(name);
  if (!info) throw new Error(`${name} missing on ${arch}`);
  return info;
}

function argNames(arch: ArchName, name: string): string[] | undefined {
  return syscall(arch, name).args?.map((arg) => arg.name);
}

describe('syscall numbers', () => {
  it.each([
    ['x86_64', 'read', 0],
    ['x86_64', 'pread64', 17],
    ['x86_64', 'umount2', 166],
    ['x86_64', 'newfstatat', 262],
    ['x86_64', 'arch_prctl', 158],
    ['x86_64', 'clone3', 435],
    ['x32', 'read', X32_SYSCALL_BIT],
    ['x32', 'rt_sigaction', X32_SYSCALL_BIT + 512],
    ['i386', 'read', 3],
    ['i386', 'socketcall', 102],
    ['i386', 'mmap2', 192],
    ['aarch64', 'pread64', 67],
    ['aarch64', 'openat', 56],
    ['aarch64', 'renameat', 38],
    ['aarch64', 'mmap', 222],
    ['arm', 'pread64', 180],
    ['arm', 'cacheflush', 0x0f0002],
    ['arm', 'set_tls', 0x0f0005],
    ['riscv64', 'pread64', 67],
    ['riscv64', 'riscv_flush_icache', 259],
  ] as const)('%s %s is %i', (arch, name, number) => {
    expect(syscall(arch, name).number).toBe(number);
  });

  it.each([
    ['aarch64', 'open'],
    ['aarch64', 'fork'],
    ['riscv64', 'renameat'],
    ['riscv64', 'open'],
    ['x86_64', 'socketcall'],
    ['x32', 'rt_sigreturn_64'],
    ['arm', 'arch_prctl'],
  ] as const)('%s has no %s', (arch, name) => {
    expect(archTable(arch).byName.has(name)).toBe(false);
  });

  it('x86_64 has more than 360 syscalls', () => {
    expect(archTable('x86_64').syscalls.length).toBeGreaterThan(360);
  });

  it('x32 numbers all carry the x32 bit and its 64-bit-only rows are absent', () => {
    const table = archTable('x32');
    expect(table.syscalls.every((info) => (info.number & X32_SYSCALL_BIT) !== 0)).toBe(true);
    expect(syscall('x32', 'readv').number).toBe(X32_SYSCALL_BIT + 515);
  });

  it.each(ARCH_NAMES)('%s is sorted by number, with unique names and numbers and maps that agree', (arch) => {
    const table = archTable(arch);
    const numbers = table.syscalls.map((info) => info.number);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(table.byName.size).toBe(table.syscalls.length);
    for (const info of table.syscalls) {
      expect(table.byNumber.get(info.number)).toBe(info);
      expect(table.byName.get(info.name)).toBe(info);
    }
  });
});

describe('syscall arguments', () => {
  it('x86_64 pread64 is (fd, buf, count, pos) with a 32-bit fd and a 64-bit pos', () => {
    const args = syscall('x86_64', 'pread64').args;
    expect(args?.map((arg) => arg.name)).toEqual(['fd', 'buf', 'count', 'pos']);
    expect(args?.[0]).toEqual({ name: 'fd', type: 'unsigned int', width: 32, signed: false });
    expect(args?.[1]).toEqual({ name: 'buf', type: 'char *', width: 64, signed: false });
    expect(args?.[3]).toEqual({ name: 'pos', type: 'loff_t', width: 64, signed: true });
  });

  it('finds prototypes through the entry point: umount2 through sys_umount, mmap through sys_mmap', () => {
    expect(argNames('x86_64', 'umount2')).toEqual(['name', 'flags']);
    expect(argNames('x86_64', 'mmap')).toEqual(['addr', 'len', 'prot', 'flags', 'fd', 'off']);
    expect(argNames('aarch64', 'newfstatat')).toEqual(['dfd', 'filename', 'statbuf', 'flag']);
    expect(argNames('arm', 'mmap2')).toEqual(['addr', 'len', 'prot', 'flags', 'fd', 'pgoff']);
  });

  it('picks the clone variant each arch configures', () => {
    expect(argNames('x86_64', 'clone')).toEqual(['clone_flags', 'newsp', 'parent_tidptr', 'child_tidptr', 'tls']);
    expect(argNames('aarch64', 'clone')).toEqual(['clone_flags', 'newsp', 'parent_tidptr', 'tls', 'child_tidptr']);
    expect(argNames('i386', 'sigsuspend')).toEqual(['unused1', 'unused2', 'mask']);
  });

  it('records 32-bit types as 32 wide on 64-bit arches, whatever their C size', () => {
    expect(syscall('x86_64', 'clock_gettime').args?.[0]).toEqual({ name: 'which_clock', type: 'const clockid_t', width: 32, signed: true });
    expect(syscall('x86_64', 'open').args?.[2]).toMatchObject({ name: 'mode', type: 'umode_t', width: 32 });
    expect(syscall('x86_64', 'arch_prctl').args?.map((arg) => arg.width)).toEqual([32, 64]);
  });

  it('splits a 64-bit argument over two registers on i386 (consecutive) and arm (even pair)', () => {
    expect(argNames('i386', 'pread64')).toEqual(['fd', 'ubuf', 'count', 'poslo', 'poshi']);
    expect(argNames('i386', 'fanotify_mark')).toEqual(['fanotify_fd', 'flags', 'mask_lo', 'mask_hi', 'dfd', 'pathname']);
    expect(argNames('arm', 'pread64')).toEqual(['fd', 'buf', 'count', '_pad3', 'pos_lo', 'pos_hi']);
    expect(argNames('arm', 'ftruncate64')).toEqual(['fd', '_pad1', 'length_lo', 'length_hi']);
    expect(argNames('arm', 'arm_fadvise64_64')).toEqual(['fd', 'advice', 'offset_lo', 'offset_hi', 'len_lo', 'len_hi']);
  });

  it.each(['i386', 'arm'] as const)('every %s argument is 32 bits wide', (arch) => {
    const widths = archTable(arch).syscalls.flatMap((info) => info.args ?? []).map((arg) => arg.width);
    expect(widths.length).toBeGreaterThan(500);
    expect(new Set(widths)).toEqual(new Set([32]));
  });

  it.each(['x86_64', 'x32', 'aarch64', 'riscv64'] as const)('every %s pointer argument is 64 bits wide', (arch) => {
    const pointers = archTable(arch).syscalls.flatMap((info) => info.args ?? []).filter((arg) => arg.type.endsWith('*'));
    expect(pointers.length).toBeGreaterThan(200);
    expect(pointers.every((arg) => arg.width === 64 && !arg.signed)).toBe(true);
  });

  it.each(ARCH_NAMES)('%s has prototypes for all but a few legacy syscalls, never past six registers', (arch) => {
    const table = archTable(arch);
    const missing = table.syscalls.filter((info) => info.args === undefined).map((info) => info.name);
    expect(missing.length).toBeLessThan(25);
    expect(table.syscalls.every((info) => (info.args?.length ?? 0) <= 6)).toBe(true);
  });

  it('leaves args undefined for syscalls without an implementation', () => {
    expect(syscall('x86_64', 'tuxcall').args).toBeUndefined();
    expect(syscall('aarch64', 'nfsservctl').args).toBeUndefined();
    expect(syscall('x86_64', 'getpid').args).toEqual([]);
  });
});

describe('arch identity', () => {
  it.each(ARCH_NAMES)('%s carries its audit value, bits and kernel version', (arch) => {
    const table = archTable(arch);
    expect(table.arch).toBe(arch);
    expect(table.auditArch).toBe(AuditArch[arch]);
    expect(table.bits).toBe(ARCH_BITS[arch]);
    expect(table.kernelVersion).toMatch(/^6\.1\.\d+$/);
  });

  it('returns the same table object on every call', () => {
    expect(archTable('arm')).toBe(archTable('arm'));
  });

  it.each([
    [0xc000003e, 'x86_64'],
    [0x40000003, 'i386'],
    [0xc00000b7, 'aarch64'],
    [0x40000028, 'arm'],
    [0xc00000f3, 'riscv64'],
    [-0x3fffffc2, 'x86_64'],
    [0x12345678, undefined],
  ] as const)('archByAuditValue(%i) is %s', (value, arch) => {
    expect(archByAuditValue(value)).toBe(arch);
  });

  it('hostArch follows process.arch', () => {
    const expected: Record<string, ArchName> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i386', arm: 'arm', riscv64: 'riscv64' };
    expect(hostArch()).toBe(expected[process.arch]);
  });
});
