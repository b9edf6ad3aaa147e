/**
 * What conditions mean once bound: widths, masks, sets, lists, positional
 * names, raw syscalls, arches. One line per case where possible.
 */
import { describe, expect, test } from 'vitest';
import {
  action,
  and,
  argument,
  compare,
  FALSE,
  not,
  or,
  TRUE,
  type Condition,
} from '../../src/ir/index.js';
import { model, rulesOf } from './support.js';

const fd32 = argument(0, 32);
const count64 = argument(2, 64);

function only(src: string, nr: number, params: Record<string, unknown> = {}): Condition {
  const rules = rulesOf(model(src, params), nr);
  expect(rules).toHaveLength(1);
  return rules![0]!.condition;
}

describe('conditions', () => {
  test.each([
    ['allow write where fd == 3', compare(fd32, 'eq', 3n)],
    ['allow write where 3 == fd', compare(fd32, 'eq', 3n)],
    ['allow write where 5 < fd', compare(fd32, 'gt', 5n)],
    ['allow write where 5 >= fd', compare(fd32, 'le', 5n)],
    ['allow write where fd != 3', compare(fd32, 'ne', 3n)],
    ['allow write where fd == -1', compare(fd32, 'eq', 0xffff_ffffn)],
    ['allow write where count == -1', compare(count64, 'eq', 0xffff_ffff_ffff_ffffn)],
    ['allow write where count == -0x8000_0000_0000_0000', compare(count64, 'eq', 1n << 63n)],
    ['allow write where fd == 0xffff_ffff', compare(fd32, 'eq', 0xffff_ffffn)],
    ['allow write where count == 0x1_0000_0000', compare(count64, 'eq', 1n << 32n)],
    ['allow write where count == 0b1010 + 0o17 * 2', compare(count64, 'eq', 10n + 30n)],
    ['allow write where count == (1 << 40) | 0xff ^ 0x0f & 0xfc', compare(count64, 'eq', (1n << 40n) | (0xffn ^ (0x0fn & 0xfcn)))],
    ['allow write where count == 7 / 2 + 7 % 2 - 1', compare(count64, 'eq', 3n)],
    ['allow write where count == -(2) + 3', compare(count64, 'eq', 1n)],
    ['allow openat where flags & O_ACCMODE == O_RDONLY', compare(argument(2, 32), 'eq', 0n, 3n)],
    ['allow openat where (flags & O_ACCMODE) != O_RDONLY', compare(argument(2, 32), 'ne', 0n, 3n)],
    ['allow openat where O_ACCMODE & flags == 1', compare(argument(2, 32), 'eq', 1n, 3n)],
    ['allow openat where flags & ~O_NONBLOCK == 0', compare(argument(2, 32), 'eq', 0n, 0xffff_f7ffn)],
    ['allow write where fd & 0 == 0', compare(fd32, 'eq', 0n, 0n)],
    ['allow write where fd in { 1, 2 }', or(compare(fd32, 'eq', 1n), compare(fd32, 'eq', 2n))],
    ['allow write where fd not in { 1, 2 }', and(compare(fd32, 'ne', 1n), compare(fd32, 'ne', 2n))],
    ['allow write where fd in { }', FALSE],
    ['allow write where fd not in { }', TRUE],
    ['allow write where !(fd == 1)', not(compare(fd32, 'eq', 1n))],
    ['allow write where not fd == 1', not(compare(fd32, 'eq', 1n))],
    ['allow write where fd == 1 || fd == 2 && count < 3', or(compare(fd32, 'eq', 1n), and(compare(fd32, 'eq', 2n), compare(count64, 'lt', 3n)))],
    ['allow write where (fd == 1 or fd == 2) and count < 3', and(or(compare(fd32, 'eq', 1n), compare(fd32, 'eq', 2n)), compare(count64, 'lt', 3n))],
    ['allow write where fd == 1 && count == 2 && arg1 == 3', and(compare(fd32, 'eq', 1n), compare(count64, 'eq', 2n), compare(argument(1, 64), 'eq', 3n))],
    ['const LIMIT = 1 << 20\nallow write where count <= LIMIT - 1', compare(count64, 'le', (1n << 20n) - 1n)],
    ['const A = B + 1\nconst B = 2\nallow write where count == A', compare(count64, 'eq', 3n)],
    ['allow write where fd == AT_FDCWD', compare(fd32, 'eq', 0xffff_ffffn - 99n)],
  ])('%j', (src, expected) => {
    expect(only(src, 1 + (src.includes('openat') ? 256 : 0), {})).toEqual(expected);
  });
});

describe('arguments', () => {
  test('positional argN always means position N, even where the prototype names argN elsewhere (prctl)', () => {
    // prctl(option, arg2, arg3, arg4, arg5): `arg2` is position 2, the prototype's `arg3`.
    expect(only('allow prctl where arg2 == 5', 157)).toEqual(compare(argument(2, 64), 'eq', 5n));
    expect(only('allow prctl where arg1 == 5', 157)).toEqual(compare(argument(1, 64), 'eq', 5n));
    expect(only('allow prctl where arg0 == 5', 157)).toEqual(compare(argument(0, 32), 'eq', 5n));
  });

  test('declaration keywords stay usable as argument names (sched_setscheduler(pid, policy, param))', () => {
    expect(only('allow sched_setscheduler where policy == 1 && param == 0', 144)).toEqual(
      and(compare(argument(1, 32), 'eq', 1n), compare(argument(2, 64), 'eq', 0n)),
    );
  });

  test('syscall(N) filters raw 64-bit registers even where N has a name', () => {
    const built = model('allow syscall(17) where arg0 == 1\nallow pread64 where arg0 == 1');
    expect(rulesOf(built, 17)!.map((r) => r.condition)).toEqual([
      compare(argument(0, 64), 'eq', 1n),
      compare(argument(0, 32), 'eq', 1n),
    ]);
  });

  test('syscall(N) takes constant expressions and negative values modulo 2^32', () => {
    expect([...model('allow syscall(1 + 2)\nallow syscall(-1)').arches[0]!.syscalls.keys()]).toEqual([3, 0xffff_ffff]);
  });

  test('one rule over syscalls with different prototypes resolves names per syscall', () => {
    const built = model('allow read, openat where arg0 == 1 && arg2 == 2');
    expect(rulesOf(built, 0)![0]!.condition).toEqual(and(compare(fd32, 'eq', 1n), compare(count64, 'eq', 2n)));
    expect(rulesOf(built, 257)![0]!.condition).toEqual(and(compare(fd32, 'eq', 1n), compare(argument(2, 32), 'eq', 2n)));
  });

  test('on i386 64-bit values are split by the kernel prototype (pread64 poslo/poshi)', () => {
    const built = model('allow pread64 where poslo == 0', {}, { arch: 'i386' });
    expect(rulesOf(built, 180)![0]!.condition).toEqual(compare(argument(3, 32), 'eq', 0n));
  });
});

describe('actions', () => {
  test.each([
    ['errno(EPERM) write', action('errno', 1)],
    ['errno(13) write', action('errno', 13)],
    ['trap write', action('trap', 0)],
    ['trap(7) write', action('trap', 7)],
    ['trace(65535) write', action('trace', 65535)],
    ['kill write', action('kill_process')],
    ['kill_thread write', action('kill_thread')],
    ['log write', action('log')],
    ['notify write', action('notify')],
  ])('%j', (src, expected) => {
    expect(rulesOf(model(src), 1)![0]!.action).toEqual(expected);
  });

  test('default and badarch', () => {
    const built = model('default errno(ENOSYS)\nbadarch trap(3)');
    expect(built.defaultAction).toEqual(action('errno', 38));
    expect(built.badArchAction).toEqual(action('trap', 3));
  });
});

describe('arches', () => {
  test('x86_64 comes first, then the declared order', () => {
    expect(model('arch aarch64, i386, x86_64', {}, {}).arches.map((a) => a.arch)).toEqual(['x86_64', 'aarch64', 'i386']);
  });

  test('--arch restricts a declared list to that arch', () => {
    expect(model('arch aarch64, x86_64\nallow read', {}, { arch: 'aarch64' }).arches.map((a) => a.arch)).toEqual(['aarch64']);
  });

  test('x32 rules use numbers with the x32 bit, also for syscall(N)', () => {
    const built = model('arch x86_64, x32\nallow read\nallow syscall(1)', {}, {});
    expect([...built.arches[1]!.syscalls.keys()]).toEqual([0x4000_0000, 0x4000_0001]);
    expect([...built.arches[0]!.syscalls.keys()]).toEqual([0, 1]);
  });

  test('when arch keeps rules to its arches, in source order', () => {
    const src = 'arch x86_64, aarch64\nwhen arch aarch64 { allow read where fd == 1 }\nallow read';
    const built = model(src, {}, {});
    expect(rulesOf(built, 0, 'x86_64')!.map((r) => r.condition)).toEqual([TRUE]);
    expect(rulesOf(built, 63, 'aarch64')!.map((r) => r.condition)).toEqual([compare(fd32, 'eq', 1n), TRUE]);
  });

  test('a syscall missing on one arch is skipped there', () => {
    const built = model('arch x86_64, aarch64\nallow open, read', {}, {});
    expect([...built.arches[0]!.syscalls.keys()]).toEqual([0, 2]);
    expect([...built.arches[1]!.syscalls.keys()]).toEqual([63]);
  });

  test('a policy with no rules is valid', () => {
    expect(model('policy empty').arches[0]!.syscalls.size).toBe(0);
  });
});
