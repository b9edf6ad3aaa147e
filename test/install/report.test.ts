/**
 * How the supervisor prints a call: names from the tables, each argument at
 * its kernel width and in the form its type suggests.
 */
import { describe, expect, it } from 'vitest';
import { AuditArch, X32_SYSCALL_BIT } from '../../src/bpf/seccomp.js';
import { describeAction, describeCall, formatArgument } from '../../src/install/report.js';

const call = (nr: number, arch: number, args: bigint[]) => ({
  nr,
  arch,
  instructionPointer: 0n,
  args: [...args, ...Array<bigint>(6 - args.length).fill(0n)],
});

describe('formatArgument', () => {
  it.each([
    ['a signed int, sign-extended', 0xffff_ffff_ffff_ff9cn, { name: 'dfd', type: 'int', width: 32, signed: true }, '-100'],
    ['a signed int with garbage above 32 bits', 0x1234_5678_0000_0003n, { name: 'fd', type: 'int', width: 32, signed: true }, '3'],
    ['a pointer', 0x7ffd_1234n, { name: 'buf', type: 'char *', width: 64, signed: false }, '0x7ffd1234'],
    ['a mode, in octal', 0o644n, { name: 'mode', type: 'umode_t', width: 32, signed: false }, '0644'],
    ['a small count', 832n, { name: 'count', type: 'size_t', width: 64, signed: false }, '832'],
    ['a large count', 0x10000n, { name: 'count', type: 'size_t', width: 64, signed: false }, '0x10000'],
    ['an unsigned 32-bit value with a high word', 0x1_0000_0001n, { name: 'flags', type: 'unsigned int', width: 32, signed: false }, '1'],
  ] as const)('renders %s', (_name, value, info, text) => {
    expect(formatArgument(value, info)).toBe(text);
  });

  it('renders a register with no prototype in hex', () => {
    expect(formatArgument(255n, undefined)).toBe('0xff');
  });
});

describe('describeCall', () => {
  it('names an x86_64 call and shows only its arguments', () => {
    expect(describeCall(call(268, AuditArch.x86_64, [0xffff_ff9cn, 0x5000n, 0o640n]))).toEqual({
      arch: 'x86_64',
      nr: 268,
      name: 'fchmodat',
      text: 'fchmodat(dfd=-100, filename=0x5000, mode=0640)',
    });
  });

  it('reads the x32 bit as the x32 table', () => {
    const described = describeCall(call((X32_SYSCALL_BIT | 1) >>> 0, AuditArch.x86_64, [1n, 0x1000n, 5n]));
    expect(described.arch).toBe('x32');
    expect(described.text).toBe('write(fd=1, buf=0x1000, count=5)');
  });

  it('shows an unknown number raw, with all six registers', () => {
    expect(describeCall(call(9999, AuditArch.x86_64, [1n])).text).toBe('syscall(9999)(0x1, 0x0, 0x0, 0x0, 0x0, 0x0)');
    expect(describeCall(call(1, 0x1234, [])).arch).toBeUndefined();
  });
});

describe('describeAction', () => {
  it.each([
    ['errno', 1, 'errno(EPERM)'],
    ['errno', 4000, 'errno(4000)'],
    ['trap', 7, 'trap(7)'],
    ['kill_process', 0, 'kill_process'],
  ] as const)('%s %d is %s', (action, data, text) => {
    expect(describeAction(action, data)).toBe(text);
  });
});
