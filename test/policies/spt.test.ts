import { describe, expect, it } from 'vitest';
import { archTable, constantValue } from '../../src/arch/index.js';
import type { SeccompData } from '../../src/bpf/seccomp.js';
import { AuditArch, X32_SYSCALL_BIT } from '../../src/bpf/seccomp.js';
import { compareWithKernel } from '../kernel/oracle.js';
import type { KernelCase } from '../support/kernel.js';
import { kernelAvailable } from '../support/kernel.js';
import { shippedPolicy, sptParams } from './load.js';

const x86 = archTable('x86_64');
const i386 = archTable('i386');
const nr = (name: string) => x86.byName.get(name)!.number;
const constant = (name: string) => constantValue(name, 'x86_64')!;
const MiB = 1n << 20n;

type Case = [string, SeccompData, 'allow' | 'kill_process'];
const call = (name: string, ...args: bigint[]): SeccompData => ({ nr: nr(name), arch: AuditArch.x86_64, args });

const CORE: Case[] = [
  ['write(1, …)', call('write', 1n, 0x1000n, 12n), 'allow'],
  ['clock_gettime(CLOCK_REALTIME, …)', call('clock_gettime', constant('CLOCK_REALTIME'), 0x1000n), 'allow'],
  ['clock_gettime(CLOCK_MONOTONIC, …)', call('clock_gettime', constant('CLOCK_MONOTONIC'), 0x1000n), 'allow'],
  ['arch_prctl(ARCH_SET_FS, x)', call('arch_prctl', constant('ARCH_SET_FS'), 0x7f00_1234_5000n), 'allow'],
  ['epoll_pwait on fd 4', call('epoll_pwait', 4n, 0x1000n, 1n, 0xffff_ffffn), 'allow'],
  ['timerfd_settime on fd 5', call('timerfd_settime', 5n, 1n, 0x1000n, 0n), 'allow'],
  ['exit_group(0)', call('exit_group', 0n), 'allow'],
  ['write(2, …)', call('write', 2n, 0x1000n, 12n), 'kill_process'],
  ['clock_gettime(CLOCK_PROCESS_CPUTIME_ID, …)', call('clock_gettime', constant('CLOCK_PROCESS_CPUTIME_ID'), 0x1000n), 'kill_process'],
  ['getpid', call('getpid'), 'kill_process'],
  ['epoll_pwait on fd 5', call('epoll_pwait', 5n, 0x1000n, 1n, 0xffff_ffffn), 'kill_process'],
  ['arch_prctl(ARCH_GET_FS, x)', call('arch_prctl', constant('ARCH_GET_FS'), 0x1000n), 'kill_process'],
  ['pread64 without a block device', call('pread64', 6n, 0x1000n, 512n, 0n), 'kill_process'],
  // A 32-bit fd with junk above it is fd 1 to the kernel, so it is fd 1 to the filter.
  ['write(0xffffffff00000001, …)', call('write', 0xffff_ffff_0000_0001n, 0x1000n, 12n), 'allow'],
];

const BLOCK: Case[] = [
  ['pread64(6, b, 512, 4 MiB − 512)', call('pread64', 6n, 0x1000n, 512n, 4n * MiB - 512n), 'allow'],
  ['pwrite64(6, b, 512, 0)', call('pwrite64', 6n, 0x1000n, 512n, 0n), 'allow'],
  ['pread64(6, b, 512, 4 MiB)', call('pread64', 6n, 0x1000n, 512n, 4n * MiB), 'kill_process'],
  ['pread64(6, b, 1024, 0)', call('pread64', 6n, 0x1000n, 1024n, 0n), 'kill_process'],
  ['pread64(6, b, 512, 2^32 + 0) (a 64-bit pos)', call('pread64', 6n, 0x1000n, 512n, 1n << 32n), 'kill_process'],
  ['pread64(7, b, 512, 0)', call('pread64', 7n, 0x1000n, 512n, 0n), 'kill_process'],
  ['pwrite64(6, b, 512 + 2^32, 0) (a 64-bit count)', call('pwrite64', 6n, 0x1000n, 512n + (1n << 32n), 0n), 'kill_process'],
];

const core = shippedPolicy('solo5-spt.policy').bind(sptParams(4, 5));
const oneBlock = shippedPolicy('solo5-spt.policy').bind(sptParams(4, 5, [{ fd: 6, block_size: 512, capacity: 4 * 1024 * 1024 }]));

describe('the Solo5 spt policy, core rules (epoll 4, timer 5), in the emulator', () => {
  it.each(CORE)('%s: %s', (_name, input, expected) => {
    expect(core.run(input).action).toBe(expected);
  });
  it('kills every i386 call, even those it allows on x86_64', () => {
    for (const entry of i386.syscalls) {
      expect(core.run({ nr: entry.number, arch: AuditArch.i386, args: [1n, 0n, 0n, 0n] }).action).toBe('kill_process');
    }
  });
  it('kills every x32 call, even those whose x86_64 number it allows', () => {
    for (const entry of archTable('x32').syscalls) {
      const n = entry.number;
      expect(n & X32_SYSCALL_BIT).toBe(X32_SYSCALL_BIT);
      expect(core.run({ nr: n, arch: AuditArch.x86_64, args: [1n] }).action).toBe('kill_process');
    }
    expect(core.run({ nr: (nr('write') | X32_SYSCALL_BIT) >>> 0, arch: AuditArch.x86_64, args: [1n] }).action).toBe('kill_process');
  });
});

describe('the Solo5 spt policy with one block device (fd 6, 512-byte sectors, 4 MiB), in the emulator', () => {
  it.each([...CORE.filter(([name]) => !name.startsWith('pread64')), ...BLOCK])('%s: %s', (_name, input, expected) => {
    expect(oneBlock.run(input).action).toBe(expected);
  });
});

const kernel = kernelAvailable();
describe.skipIf(!kernel.ok)(`the Solo5 spt policy in the kernel${kernel.ok ? '' : ` (skipped: ${kernel.reason})`}`, () => {
  const toKernel = (input: SeccompData): KernelCase => ({ nr: input.nr, args: input.args ?? [] });
  it('decides every listed call as the emulator does, core and one block device', () => {
    for (const [program, cases] of [
      [core, CORE],
      [oneBlock, BLOCK],
    ] as const) {
      const inputs = cases.map(([, input]) => toKernel(input));
      // Foreign arches and x32: i386 write and x32 write.
      inputs.push({ nr: 4, args: [1n], mode: 'i386' }, { nr: (1 | X32_SYSCALL_BIT) >>> 0, args: [1n] });
      const result = compareWithKernel({ name: 'spt', program: program.instructions, inputs });
      expect(result.disagreements).toEqual([]);
      cases.forEach(([name, , expected], i) => {
        expect(result.kernel[i]!.kind, name).toBe(expected === 'allow' ? 'passed' : 'kill_process');
      });
      expect(result.kernel.slice(cases.length).every((outcome) => outcome.kind === 'kill_process')).toBe(true);
    }
  });
});
