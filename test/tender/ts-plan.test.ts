import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emulate } from '../../src/bpf/emulator.js';
import { AuditArch } from '../../src/bpf/seccomp.js';
import { archTable } from '../../src/arch/index.js';
import { LaunchRefused, LaunchUsageError } from '../../src/tender/errors.js';
import { readSptImage } from '../../src/tender/image.js';
import { fdLayout, memorySize, planLaunch } from '../../src/tender/plan.js';
import { loadLaunchPolicies } from '../../src/tender/policies.js';
import { describePlan } from '../../src/tender/describe.js';
import { MFT_BLOCK, MFT_NET, writeSptElf } from '../fixtures/elf/writer.js';

const table = archTable('x86_64');
const nr = (name: string) => table.byName.get(name)!.number;

function verdict(filter: Uint8Array, name: string, ...args: (number | bigint)[]): string {
  return emulate(filter, { nr: nr(name), arch: AuditArch.x86_64, args: args.map(BigInt) }).action;
}

const image = readSptImage(writeSptElf({ devices: [{ name: 'storage', type: MFT_BLOCK }, { name: 'service0', type: MFT_NET }] }).bytes);
const devices = [
  { name: 'storage', source: '/tmp/disk.img', attachment: { kind: 'block' as const, index: 1, fd: -1, capacity: 4194304n, blockSize: 512 } },
  { name: 'service0', source: 'tap0', attachment: { kind: 'net' as const, index: 2, fd: -1, mac: Uint8Array.from([2, 0, 0, 0, 0, 1]), mtu: 1500 } },
];
const plan = planLaunch({ kernel: 'k.spt', image, memoryMiB: 2, args: ['hi'], devices, policies: loadLaunchPolicies() });

describe('fdLayout', () => {
  it('mirrors upstream: epoll 4 and timer 5 without devices, then the ELF and the tender', () => {
    expect(fdLayout(0)).toMatchObject({ record: 3, devices: [], epoll: 4, timer: 5, elf: 6, exec: 7 });
    expect(fdLayout(2)).toMatchObject({ devices: [4, 5], epoll: 6, timer: 7, elf: 8, exec: 9 });
  });
});

describe('memorySize', () => {
  it('takes MiB and refuses sizes outside 2 MiB to 64 GiB', () => {
    expect(memorySize()).toBe(0x20000000n);
    expect(memorySize(2)).toBe(0x200000n);
    expect(() => memorySize(1)).toThrow(LaunchUsageError);
    expect(() => memorySize(65537)).toThrow('--mem must be 2 to 65536 MiB, not 65537');
  });
});

describe('planLaunch', () => {
  it('gives devices their fds in manifest order and fills the manifest with them', () => {
    expect(plan.devices.map((d) => d.attachment.fd)).toEqual([4, 5]);
    const view = new DataView(plan.manifest.buffer);
    expect(view.getInt32(8 + 104 + 88, true)).toBe(4);
    expect(view.getInt32(8 + 208 + 88, true)).toBe(5);
  });

  it('puts the epoll and timer fds in the boot info', () => {
    const view = new DataView(plan.blob.buffer);
    expect([view.getInt32(32, true), view.getInt32(36, true)]).toEqual([6, 7]);
  });

  it('binds the guest filter to the same fds, sector size and capacity', () => {
    const guest = plan.filters.guest.bytes;
    expect(verdict(guest, 'pread64', 4, 0, 512, 4194304 - 512)).toBe('allow');
    expect(verdict(guest, 'pwrite64', 4, 0, 512, 0)).toBe('allow');
    expect(verdict(guest, 'pread64', 4, 0, 512, 4194304)).toBe('kill_process');
    expect(verdict(guest, 'pread64', 4, 0, 1024, 0)).toBe('kill_process');
    expect(verdict(guest, 'read', 5, 0, 1514)).toBe('allow');
    expect(verdict(guest, 'write', 5, 0, 60)).toBe('allow');
    expect(verdict(guest, 'read', 4, 0, 1514)).toBe('kill_process');
    expect(verdict(guest, 'epoll_pwait', 6, 0, 2, -1)).toBe('allow');
    expect(verdict(guest, 'epoll_pwait', 4, 0, 2, -1)).toBe('kill_process');
    expect(verdict(guest, 'timerfd_settime', 7, 1, 0, 0)).toBe('allow');
    expect(verdict(guest, 'write', 2, 0, 1)).toBe('kill_process');
    expect(verdict(guest, 'getpid')).toBe('kill_process');
  });

  it('encodes the record with the ELF fd of the layout and the guest filter last', () => {
    const view = new DataView(plan.record.buffer);
    expect(view.getUint32(40, true)).toBe(8);
    expect([...plan.record.subarray(plan.record.length - plan.filters.guest.bytes.length)]).toEqual([...plan.filters.guest.bytes]);
  });

  it('refuses a launch that leaves a declared device unattached', () => {
    expect(() => planLaunch({ kernel: 'k.spt', image, memoryMiB: 2, devices: devices.slice(0, 1), policies: loadLaunchPolicies() })).toThrow(
      "Device 'service0' of type NET_BASIC declared but not attached.",
    );
  });
});

describe('the tender filter', () => {
  const tender = plan.filters.tender.bytes;
  const memory = 0x200000;

  it('allows each start-up step of the tender, pinned to its values', () => {
    expect(verdict(tender, 'execveat', 9, 0, 0, 0, 0x1000)).toBe('allow');
    expect(verdict(tender, 'read', 3, 0, 4096)).toBe('allow');
    expect(verdict(tender, 'mmap', 0x10000, memory - 0x10000, 3, 0x100022, -1n & 0xffffffffffffffffn, 0)).toBe('allow');
    expect(verdict(tender, 'pread64', 8, 0x100000, 0x6d9, 0x1000)).toBe('allow');
    expect(verdict(tender, 'mprotect', 0x100000, 0x1000, 5)).toBe('allow');
    expect(verdict(tender, 'mprotect', 0x101000, 0x1000, 3)).toBe('allow');
    expect(verdict(tender, 'close', 3)).toBe('allow');
    expect(verdict(tender, 'close', 8)).toBe('allow');
    expect(verdict(tender, 'seccomp', 1, 0, 0x7ffc0000)).toBe('allow');
    expect(verdict(tender, 'write', 2, 0, 40)).toBe('allow');
    expect(verdict(tender, 'exit_group', 1)).toBe('allow');
  });

  it.each([
    ['execveat of another fd', 'execveat', [4, 0, 0, 0, 0x1000]],
    ['execveat without AT_EMPTY_PATH', 'execveat', [9, 0, 0, 0, 0]],
    ['read of a device', 'read', [4, 0, 4096]],
    ['personality, which the tender never calls', 'personality', [0xffffffff]],
    ['mmap with MAP_FIXED', 'mmap', [0x10000, memory - 0x10000, 3, 0x12, -1, 0]],
    ['mmap executable', 'mmap', [0x10000, memory - 0x10000, 7, 0x100022, -1, 0]],
    ['mmap of another size', 'mmap', [0x10000, 0x40000000, 3, 0x100022, -1, 0]],
    ['mprotect W+X', 'mprotect', [0x100000, 0x1000, 7]],
    ['mprotect below the image', 'mprotect', [0x11000, 0x1000, 5]],
    ['mprotect past guest memory', 'mprotect', [memory, 0x1000, 1]],
    ['mprotect with PROT_GROWSDOWN', 'mprotect', [0x100000, 0x1000, 0x01000001]],
    ['close of a device', 'close', [4]],
    ['seccomp with TSYNC', 'seccomp', [1, 1, 0]],
    ['seccomp strict mode', 'seccomp', [0, 0, 0]],
    ['pread64 of another fd', 'pread64', [3, 0, 16, 0]],
    ['openat', 'openat', [-100, 0, 0, 0]],
  ])('kills %s', (_name, call, args) => {
    expect(verdict(tender, call as string, ...(args as number[]).map((a) => BigInt.asUintN(64, BigInt(a))))).toBe('kill_process');
  });

  it('allows everything the guest filter allows', () => {
    const calls: [string, ...number[]][] = [
      ['arch_prctl', 0x1002, 0],
      ['write', 1, 0, 10],
      ['clock_gettime', 1, 0],
      ['clock_gettime', 0, 0],
      ['epoll_pwait', 6, 0, 2, -1, 0, 0],
      ['timerfd_settime', 7, 1, 0, 0],
      ['pread64', 4, 0, 512, 1024],
      ['pwrite64', 4, 0, 512, 4194304 - 512],
      ['read', 5, 0, 1514],
      ['write', 5, 0, 60],
      ['exit_group', 0],
    ];
    for (const [call, ...args] of calls) {
      const values = args.map((a) => BigInt.asUintN(64, BigInt(a)));
      expect(verdict(plan.filters.guest.bytes, call, ...values), call).toBe('allow');
      expect(verdict(tender, call, ...values), call).toBe('allow');
    }
  });
});

describe('a guest policy given with --policy', () => {
  const directory = mkdtempSync(join(tmpdir(), 'nabla-policy-'));
  writeFileSync(join(directory, 'extra.policy'), 'allow getpid\n');
  writeFileSync(
    join(directory, 'custom "guest".policy'),
    'policy custom\nparam epoll: fd\ninclude "extra.policy"\nallow exit_group\nallow write where fd == 1\nallow epoll_pwait where epfd == epoll\n',
  );
  writeFileSync(join(directory, 'broken.policy'), 'allow exit_group\nallow wrte where fd == 1\n');

  it('is used for the guest and included by the tender policy, with its own includes', () => {
    const policies = loadLaunchPolicies(join(directory, 'custom "guest".policy'));
    const custom = planLaunch({ kernel: 'k.spt', image: readSptImage(writeSptElf().bytes), memoryMiB: 2, devices: [], policies });
    for (const filter of [custom.filters.guest.bytes, custom.filters.tender.bytes]) {
      expect(verdict(filter, 'getpid')).toBe('allow');
      expect(verdict(filter, 'epoll_pwait', 4)).toBe('allow');
      expect(verdict(filter, 'clock_gettime', 1, 0)).toBe('kill_process');
    }
    expect(verdict(custom.filters.tender.bytes, 'read', 3, 0, 16)).toBe('allow');
    expect(verdict(custom.filters.guest.bytes, 'read', 3, 0, 16)).toBe('kill_process');
  });

  it('is refused with its diagnostics when it does not check', () => {
    let caught: unknown;
    try {
      loadLaunchPolicies(join(directory, 'broken.policy'));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LaunchRefused);
    expect((caught as LaunchRefused).formatted).toContain('broken.policy:2:7');
    expect((caught as LaunchRefused).formatted).toContain('wrte');
  });
});

describe('describePlan', () => {
  const text = describePlan(plan);

  it('shows devices with fds, the manifest, the boot info and both listings', () => {
    expect(text).toContain('  4  block file /tmp/disk.img for \'storage\'');
    expect(text).toContain('  5  tap tap0 for \'service0\'');
    expect(text).toContain('  6  epoll set (timerfd tagged 0xfffffffe, taps tagged by manifest index)');
    expect(text).toContain("[1] BLOCK_BASIC 'storage' attached hostfd 4 capacity 4194304 block_size 512");
    expect(text).toContain("[2] NET_BASIC 'service0' attached hostfd 5 mac 02:00:00:00:00:01 mtu 1500");
    expect(text).toContain('boot info at 0x11000: mem_size 0x200000, kernel_end 0x103000, cmdline 0x11168, mft 0x11028, epollfd 6, timerfd 7');
    expect(text).toMatch(/guest filter \(.*solo5-spt\.policy, \d+ instructions\):\n0000: A = arch/);
    expect(text).toMatch(/tender filter \(.*spt-tender\.policy, \d+ instructions\):\n0000: A = arch/);
    expect(text).toContain('if (A == pread64)');
    expect(text).toContain('if (A == execveat)');
  });
});
