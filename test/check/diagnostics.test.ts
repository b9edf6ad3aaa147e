/**
 * Every diagnostic `check` can give, each with its code and position.
 */
import { describe, expect, test } from 'vitest';
import { rejects, warns } from './support.js';

const x86 = { arch: 'x86_64' } as const;

describe('check reports each diagnostic at its place', () => {
  test.each([
    ['allow', 'E_SYNTAX', '1:6'],
    ['allow read where fd ==', 'E_SYNTAX', '1:23'],
    ['include "other.policy"', 'E_INCLUDE_NOT_LOADED', '1:1'],
    ['default allow\ndefault kill', 'E_DUPLICATE_DECLARATION', '2:1'],
    ['policy a\npolicy b', 'E_DUPLICATE_DECLARATION', '2:1'],
    ['arch x86_64\narch aarch64', 'E_DUPLICATE_DECLARATION', '2:1'],
    ['badarch allow\nbadarch log', 'E_DUPLICATE_DECLARATION', '2:1'],
    ['arch x86_64, mips', 'E_UNKNOWN_ARCH', '1:14'],
    ['when arch sparc { allow read }', 'E_UNKNOWN_ARCH', '1:11'],
    ['arch x86_64, x86_64', 'E_DUPLICATE_ARCH', '1:14'],
    ['arch x86_64\nwhen arch aarch64 { allow read }', 'E_WHEN_ARCH', '2:11'],
    ['param a: fd\nparam a: u32', 'E_DUPLICATE_NAME', '2:7'],
    ['const a = 1\nparam a: u32', 'E_DUPLICATE_NAME', '2:7'],
    ['param n: [fd]\nfor n in n { allow read }', 'E_DUPLICATE_NAME', '2:5'],
    ['param a: int', 'E_UNKNOWN_TYPE', '1:10'],
    ['param a: [{ x: fd, y: s8 }]', 'E_UNKNOWN_TYPE', '1:23'],
    ['param a: { x: fd, x: u32 }', 'E_DUPLICATE_FIELD', '1:19'],
    ['param a: { x: fd } = { x: 1, x: 2 }', 'E_DUPLICATE_FIELD', '1:30'],
    ['const a = b\nconst b = a', 'E_CONST_CYCLE', '1:7'],
    ['const a = a + 1', 'E_CONST_CYCLE', '1:7'],
    ['param e: u32\ndefault errno(e)', 'E_NOT_CONSTANT', '2:15'],
    ['param n: u32\nallow syscall(n)', 'E_NOT_CONSTANT', '2:15'],
    ['default errno(0)', 'E_ACTION_DATA', '1:15'],
    ['default errno(4096)', 'E_ACTION_DATA', '1:15'],
    ['default trap(65536)', 'E_ACTION_DATA', '1:14'],
    ['errno read', 'E_ACTION_DATA', '1:1'],
    ['trace read', 'E_ACTION_DATA', '1:1'],
    ['allow(1) read', 'E_ACTION_DATA', '1:7'],
    ['kill_thread(2) read', 'E_ACTION_DATA', '1:13'],
    ['allow reed', 'E_UNKNOWN_SYSCALL', '1:7'],
    ['allow read, wirte where fd == 0', 'E_UNKNOWN_SYSCALL', '1:13'],
    ['allow syscall(0x1_0000_0000)', 'E_SYSCALL_NUMBER', '1:15'],
    ['allow syscall(-0x8000_0001)', 'E_SYSCALL_NUMBER', '1:15'],
    ['allow write where fdd == 1', 'E_UNKNOWN_ARGUMENT', '1:19'],
    ['allow write where 1 == fdd', 'E_UNKNOWN_ARGUMENT', '1:24'],
    ['allow write where fdd in { 1 }', 'E_UNKNOWN_ARGUMENT', '1:19'],
    ['allow write where arg3 == 1', 'E_ARG_PAST_PROTOTYPE', '1:19'],
    ['allow arch_prctl where arg5 == 1', 'E_ARG_PAST_PROTOTYPE', '1:24'],
    ['allow write where fd + 1 == 2', 'E_ARG_EXPRESSION', '1:19'],
    ['allow write where fd == count', 'E_ARG_EXPRESSION', '1:19'],
    ['allow write where count == ~fd', 'E_ARG_EXPRESSION', '1:29'],
    ['allow write where 1 == 1', 'E_NO_ARGUMENT', '1:19'],
    ['allow write where 1 in { 1, 2 }', 'E_NO_ARGUMENT', '1:19'],
    ['allow write where fd == NOPE', 'E_UNKNOWN_NAME', '1:25'],
    ['allow write where fd in nope', 'E_UNKNOWN_NAME', '1:25'],
    ['for x in nope { allow read }', 'E_UNKNOWN_NAME', '1:10'],
    ['const a = fd', 'E_UNKNOWN_NAME', '1:11'],
    ['allow prctl where option == ARCH_SET_FS', 'E_UNKNOWN_NAME', '1:29', { arch: 'aarch64' }],
    ['param b: { fd: fd }\nallow write where fd == b.x', 'E_UNKNOWN_FIELD', '2:27'],
    ['param b: { fd: fd } = { fd: 1, x: 2 }', 'E_UNKNOWN_FIELD', '1:32'],
    ['param n: [fd]\nallow write where fd == n', 'E_TYPE_MISMATCH', '2:25'],
    ['param n: fd\nallow write where fd in n', 'E_TYPE_MISMATCH', '2:25'],
    ['param n: [{ fd: fd }]\nallow write where fd in n', 'E_TYPE_MISMATCH', '2:25'],
    ['param n: fd\nfor x in n { allow read }', 'E_TYPE_MISMATCH', '2:10'],
    ['param n: fd\nallow write where fd == n.x', 'E_TYPE_MISMATCH', '2:27'],
    ['allow write where fd == EPERM.x', 'E_TYPE_MISMATCH', '1:31'],
    ['param n: [fd] = 3', 'E_TYPE_MISMATCH', '1:17'],
    ['param n: { a: fd } = { }', 'E_TYPE_MISMATCH', '1:22'],
    ['allow write where count == 0x1_0000_0000_0000_0000', 'E_INTEGER_RANGE', '1:28'],
    ['allow write where fd == 0x1_0000_0000', 'E_VALUE_WIDTH', '1:25'],
    ['allow write where fd == -0x8000_0001', 'E_VALUE_WIDTH', '1:25'],
    ['allow write where fd & 0x1_0000_0000 == 0', 'E_VALUE_WIDTH', '1:24'],
    ['allow write where fd in { 1, 0x1_0000_0000 }', 'E_VALUE_WIDTH', '1:30'],
    ['allow write where count == 0xffff_ffff_ffff_ffff + 1', 'E_OVERFLOW', '1:28'],
    ['allow write where count == 0x1_0000_0000 * 0x1_0000_0000', 'E_OVERFLOW', '1:28'],
    ['allow write where count == 1 << 63 << 1', 'E_OVERFLOW', '1:28'],
    ['allow write where count == 1 - 2', 'E_UNDERFLOW', '1:28'],
    ['const small = 1\nconst big = 2\nallow write where count == small - big', 'E_UNDERFLOW', '3:28'],
    ['allow write where count == 1 / 0', 'E_DIVISION_BY_ZERO', '1:28'],
    ['allow write where count == 1 % (2 - 2)', 'E_DIVISION_BY_ZERO', '1:28'],
    ['allow write where count == 1 << 64', 'E_SHIFT_RANGE', '1:28'],
    ['param n: u32 = 0x1_0000_0000', 'E_PARAM_RANGE', '1:16'],
    ['param n: fd = 0x8000_0000', 'E_PARAM_RANGE', '1:15'],
  ] as [string, string, string, object?][])('%j gives %s at %s', (src, code, position, options) => {
    const found = rejects(src, code, position, options ?? x86);
    expect(found.severity).toBe('error');
    expect(found.message).toMatch(/^[^\n]+$/);
  });

  test.each([
    ['const EPERM = 1', 'W_SHADOWS_CONSTANT', '1:7'],
    ['arch x86_64, aarch64\nallow open', 'W_SYSCALL_MISSING', '2:7'],
    ['arch x86_64, aarch64\nallow read, open where arg0 == 1', 'W_SYSCALL_MISSING', '2:13'],
  ])('%j warns %s at %s', (src, code, position) => {
    const found = warns(src, code, position, {});
    expect(found.severity).toBe('warning');
  });

  test('E_ARCH_NOT_DECLARED: --arch outside the declared arches points at the arch declaration', () => {
    rejects('policy p\narch x86_64, i386\nallow read', 'E_ARCH_NOT_DECLARED', '2:1', { arch: 'aarch64' });
  });

  test('E_UNKNOWN_ARCH: an unknown --arch has no position', () => {
    rejects('allow read', 'E_UNKNOWN_ARCH', '-', { arch: 'pdp11' });
  });

  test('a syscall missing on every arch of the policy is an error naming them all', () => {
    const found = rejects('arch aarch64, riscv64\nallow open', 'E_UNKNOWN_SYSCALL', '2:7', {});
    expect(found.message).toBe('unknown syscall open on aarch64, riscv64');
  });

  test('a syscall missing on the only arch of a when block is an error', () => {
    rejects('arch x86_64, aarch64\nwhen arch aarch64 { allow open }', 'E_UNKNOWN_SYSCALL', '2:27', {});
  });

  test('check collects all diagnostics, not just the first', () => {
    const src = 'allow reed\nallow write where fdd == 1\ndefault errno(0)';
    rejects(src, 'E_UNKNOWN_SYSCALL', '1:7', x86);
    rejects(src, 'E_UNKNOWN_ARGUMENT', '2:19', x86);
    rejects(src, 'E_ACTION_DATA', '3:15', x86);
  });
});
