/**
 * The kernel harness itself: each action shows up as the outcome the harness
 * promises, the registers reach the kernel intact, and `expectedKernelOutcome`
 * models what the harness observes.
 */
import { describe, expect, it } from 'vitest';

import { assemble } from '../../src/bpf/assemble.js';
import { type Instruction, op } from '../../src/bpf/instructions.js';
import { AuditArch, encodeAction, SeccompDataOffset as Offset } from '../../src/bpf/seccomp.js';
import {
  expectedKernelOutcome,
  i386Available,
  kernelAvailable,
  runInKernel,
  runInKernelDetailed,
  SECCOMP_FILTER_FLAG_LOG,
} from '../support/kernel.js';
import { compareWithKernel } from './oracle.js';

const kernel = kernelAvailable();
const withoutKernel = !kernel.ok;
const skipReason = kernel.ok ? '' : ` (skipped: ${kernel.reason})`;
const i386 = i386Available();
const withoutI386 = !i386.ok;
const i386Reason = i386.ok ? '' : ` (skipped: ${i386.reason})`;

const allow = encodeAction('allow');
const errno = (value: number): number => encodeAction('errno', value);

describe('expectedKernelOutcome', () => {
  it.each([
    ['allow', allow, { kind: 'passed' }],
    ['log', encodeAction('log'), { kind: 'passed' }],
    ['trace with data', encodeAction('trace', 9), { kind: 'passed' }],
    ['notify', encodeAction('notify'), { kind: 'passed' }],
    ['errno 1', errno(1), { kind: 'errno', errno: 1 }],
    ['errno 0', errno(0), { kind: 'errno', errno: 0 }],
    ['errno 4095', errno(4095), { kind: 'errno', errno: 4095 }],
    ['errno 0xffff, capped', errno(0xffff), { kind: 'errno', errno: 4095 }],
    ['errno ENOSYS, indistinguishable', errno(38), { kind: 'passed' }],
    ['trap 0x1234', encodeAction('trap', 0x1234), { kind: 'trap', data: 0x1234 }],
    ['kill_thread', 0, { kind: 'kill_thread' }],
    ['kill_thread with data', 0x0000ffff, { kind: 'kill_thread' }],
    ['kill_process', 0x80000000, { kind: 'kill_process' }],
    ['unknown 0x00010000', 0x00010000, { kind: 'kill_process' }],
    ['unknown 0x90000000 (negative)', 0x90000000, { kind: 'kill_process' }],
    ['unknown 0x7fe00000 (below trace)', 0x7fe00000, { kind: 'kill_process' }],
    ['unknown 0x7ff80000 (above trace)', 0x7ff80000, { kind: 'passed' }],
  ])('%s', (_name, ret, expected) => {
    expect(expectedKernelOutcome(ret)).toEqual(expected);
  });
});

/** ERRNO(0x800 | (ip & 0x7ff)) for nr 1, ERRNO(0x800 | (ip >> 32 & 0x7ff)) for nr 2. */
const instructionPointerProgram = assemble([
  op.load(Offset.nr), op.jumpIf('eq', 2, 0, 2), op.load(Offset.instructionPointerHigh), op.jump(1),
  op.load(Offset.instructionPointerLow), op.alu('and', 0x7ff), op.alu('or', errno(0x800)), op.retA(),
]);
const ipWord = (ip: bigint, shift: bigint) => ({ kind: 'errno', errno: 0x800 | Number((ip >> shift) & 0x7ffn) });

describe.skipIf(withoutKernel)(`seccomp harness in the kernel${skipReason}`, () => {
  it('shows every action as the outcome the harness promises', () => {
    const returns = [allow, encodeAction('log'), encodeAction('trace', 3), encodeAction('notify'),
      errno(1), errno(0), errno(0xffff), encodeAction('trap', 0xbeef), 0, 0x80000000,
      0x00010000, 0x7fe00000, 0x7ff80000, 0x7ffe0000];
    // nr 100 + i returns returns[i].
    const program: Instruction[] = [op.load(Offset.nr), op.alu('sub', 100)];
    returns.forEach((value, index) => program.push(op.jumpIf('eq', index, 0, 1), op.ret(value)));
    program.push(op.ret(errno(77)));
    const outcomes = runInKernel(assemble(program), returns.map((_value, index) => ({ nr: 100 + index })));
    expect(outcomes).toEqual(returns.map(expectedKernelOutcome));
    expect(outcomes.map((outcome) => outcome.kind)).toEqual([
      'passed', 'passed', 'passed', 'passed', 'errno', 'errno', 'errno', 'trap',
      'kill_thread', 'kill_process', 'kill_process', 'kill_process', 'passed', 'passed',
    ]);
  });

  it('reports the siginfo of a trap: data, syscall number and arch', () => {
    const program = assemble([op.load(Offset.nr), op.alu('and', 0xfff), op.alu('or', 0x00030000), op.retA()]);
    const run = runInKernelDetailed(program, [
      { nr: 39 },
      { nr: 0x40000000 | 39 },
      { nr: -1 },
    ]);
    expect(run.traps).toEqual([
      { data: 39, syscall: 39, arch: AuditArch.x86_64 },
      { data: 39, syscall: 0x40000000 | 39, arch: AuditArch.x86_64 },
      { data: 0xfff, syscall: -1, arch: AuditArch.x86_64 },
    ]);
  });

  it('passes all six 64-bit registers intact, upper halves included', () => {
    // Returns ERRNO(0x800 | (word & 0x7ff)) for the word chosen by nr: 100 + offset / 4.
    const program: Instruction[] = [op.load(Offset.nr)];
    for (let offset = 16; offset < 64; offset += 4) {
      program.push(op.jumpIf('eq', 100 + offset / 4, 0, 4), op.load(offset), op.alu('and', 0x7ff), op.alu('or', errno(0x800)), op.retA());
    }
    program.push(op.ret(errno(1)));
    const args = [0x0123456789abcdefn, 0xfedcba9876543210n, 0xffffffff00000001n, 0x00000001ffffffffn, 2n ** 64n - 1n, 0x7ffn << 32n];
    const outcomes = runInKernel(assemble(program), Array.from({ length: 12 }, (_unused, word) => ({ nr: 104 + word, args })));
    const expected = Array.from({ length: 12 }, (_unused, word) => {
      const value = (args[word >> 1]! >> BigInt(32 * (word & 1))) & 0x7ffn;
      return { kind: 'errno', errno: 0x800 | Number(value) };
    });
    expect(outcomes).toEqual(expected);
  });

  it('reports the instruction pointer just past each call site', () => {
    const run = runInKernelDetailed(instructionPointerProgram, [{ nr: 1 }, { nr: 2 }]);
    expect(run.instructionPointer.native).not.toBe(0n);
    expect(run.outcomes).toEqual([ipWord(run.instructionPointer.native, 0n), ipWord(run.instructionPointer.native, 32n)]);
  });

  it('kills only the calling thread for KILL_THREAD and the whole child for KILL_PROCESS', () => {
    const program = assemble([op.load(Offset.nr), op.jumpIf('eq', 60, 0, 1), op.ret(0), op.ret(0x80000000)]);
    expect(runInKernel(program, [{ nr: 60 }, { nr: 61 }])).toEqual([{ kind: 'kill_thread' }, { kind: 'kill_process' }]);
  });

  it('refuses an empty program with EINVAL', () => {
    expect(runInKernel(new Uint8Array(0), [{ nr: 39 }])).toEqual([{ kind: 'install_failed', errno: 22 }]);
  });

  it('refuses flags it cannot honour before running anything', () => {
    expect(() => runInKernel(assemble([op.ret(allow)]), [{ nr: 39 }], { flags: 1 })).toThrow(/TSYNC/);
  });

  it('installs with SECCOMP_FILTER_FLAG_LOG and refuses an unknown flag', () => {
    const program = assemble([op.ret(errno(5))]);
    expect(runInKernel(program, [{ nr: 39 }], { flags: SECCOMP_FILTER_FLAG_LOG })).toEqual([{ kind: 'errno', errno: 5 }]);
    expect(runInKernel(program, [{ nr: 39 }], { flags: 1 << 30 })).toEqual([{ kind: 'install_failed', errno: 22 }]);
  });

  it('compareWithKernel reports a disagreement with the input and both outcomes', () => {
    const comparison = compareWithKernel({
      name: 'kernel and emulator given different programs',
      program: [op.ret(errno(1))],
      emulatedProgram: [op.load(Offset.nr), op.jumpIf('eq', 2, 0, 1), op.ret(errno(2)), op.ret(errno(1))],
      inputs: [{ nr: 1 }, { nr: 2, args: [0x100000000n] }],
    });
    expect(comparison).toEqual({
      compared: 2,
      leftOut: 0,
      kernel: [{ kind: 'errno', errno: 1 }, { kind: 'errno', errno: 1 }],
      disagreements: [{
        name: 'kernel and emulator given different programs',
        input: 'native nr 0x2 args [0x100000000]',
        emulatorReturn: '0x50002',
        emulator: { kind: 'errno', errno: 2 },
        kernel: { kind: 'errno', errno: 1 },
      }],
    });
  });
});

describe.skipIf(withoutI386)(`seccomp harness with int $0x80 (i386)${i386Reason}`, () => {
  it('reports arch i386 and the i386 number in a trap', () => {
    const program = assemble([op.load(Offset.nr), op.alu('and', 0xffff), op.alu('or', 0x00030000), op.retA()]);
    const run = runInKernelDetailed(program, [{ nr: 20, mode: 'i386' }, { nr: -1, mode: 'i386' }]);
    expect(run.traps).toEqual([{ data: 20, syscall: 20, arch: AuditArch.i386 }, { data: 0xffff, syscall: -1, arch: AuditArch.i386 }]);
  });

  it('passes only the low 32 bits of each register', () => {
    const program = assemble([
      op.load(Offset.argHigh(0)), op.jumpIf('eq', 0, 0, 2), op.load(Offset.argLow(0)), op.jumpIf('eq', 0xcafe, 1, 0),
      op.ret(errno(1)), op.ret(errno(2)),
    ]);
    expect(runInKernel(program, [{ nr: 20, mode: 'i386', args: [0xffffffff0000cafen] }, { nr: 20, args: [0xffffffff0000cafen] }]))
      .toEqual([{ kind: 'errno', errno: 2 }, { kind: 'errno', errno: 1 }]);
  });

  it('reports the instruction pointer just past int $0x80', () => {
    const run = runInKernelDetailed(instructionPointerProgram, [{ nr: 1, mode: 'i386' }, { nr: 2, mode: 'i386' }]);
    expect(run.instructionPointer.i386).not.toBe(run.instructionPointer.native);
    expect(run.outcomes).toEqual([ipWord(run.instructionPointer.i386, 0n), ipWord(run.instructionPointer.i386, 32n)]);
  });
});
