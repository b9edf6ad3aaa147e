/**
 * The emulator agrees with the kernel on the decisions a filter is made of:
 * arch checks, nr dispatch (x32 and nr = -1 included), 64-bit argument words,
 * every action kind, RET A, the instruction pointer and LEN.
 */
import { describe, expect, it } from 'vitest';

import { ActionValue, AuditArch, encodeAction, op, type Program, SeccompDataOffset as Offset, X32_SYSCALL_BIT } from '../../src/bpf/index.js';
import { kernelAvailable, type KernelCase } from '../support/kernel.js';
import { BOUNDARY_WORDS, compareWithKernel, type ProgramCase, revealA, revealInputs, i386Note } from './oracle.js';

const kernel = kernelAvailable();
const skipReason = kernel.ok ? i386Note() : ` (skipped: ${kernel.reason})`;
const errno = (value: number): number => encodeAction('errno', value);

const NUMBERS = [0, 1, 2, 39, 59, 60, 61, 199, 200, 201, 299, 300, 301, 334, 337, 999, 0x3fffffff, 0x7fffffff, 0x80000000, 0xffffffff];
const nativeNumbers: KernelCase[] = NUMBERS.map((nr) => ({ nr }));
const x32Numbers: KernelCase[] = [0, 1, 39, 60, 200, 512, 547].map((nr) => ({ nr: X32_SYSCALL_BIT | nr }));
const i386Numbers: KernelCase[] = [1, 20, 39, 200, 385, 0xffffffff].map((nr) => ({ nr, mode: 'i386' }));
const junk = [0xdeadbeef00000001n, 0xffffffff00000002n, 0x100000003n, 4n, 0x8000000000000005n, 6n];

/** Which action each nr 100 + i returns, the unusual ones included. */
const RETURNS = [
  encodeAction('allow'), encodeAction('log'), encodeAction('trace', 5), encodeAction('notify'),
  errno(1), errno(4095), errno(4096), errno(0), errno(0x7ff), errno(0xffff),
  encodeAction('trap', 0), encodeAction('trap', 0xffff), encodeAction('trap', 38),
  ActionValue.kill_thread, ActionValue.kill_thread | 5, ActionValue.kill_process, ActionValue.kill_process | 0x1234,
  0x00010000, 0x00040000, 0x7fe00000, 0x7ff80000, 0x7ffd0000, 0xffff0000,
];

/** One argument predicate per program: ERRNO(1) when it holds, ERRNO(2) when not. */
const argumentPrograms: [string, number, Program][] = [
  ['args[0] == 0x1_0000_0000 (64-bit)', 0, [
    op.load(Offset.argHigh(0)), op.jumpIf('eq', 1, 0, 3), op.load(Offset.argLow(0)), op.jumpIf('eq', 0, 0, 1),
    op.ret(errno(1)), op.ret(errno(2)),
  ]],
  ['args[1] > 0xffffffff (64-bit)', 1, [op.load(Offset.argHigh(1)), op.jumpIf('gt', 0, 0, 1), op.ret(errno(1)), op.ret(errno(2))]],
  ['args[2] == 2^64 - 1 (64-bit)', 2, [
    op.load(Offset.argHigh(2)), op.jumpIf('ne', 0xffffffff, 3), op.load(Offset.argLow(2)), op.jumpIf('ne', 0xffffffff, 1),
    op.ret(errno(1)), op.ret(errno(2)),
  ]],
  ['args[3] == 3 (32-bit, upper half ignored)', 3, [op.load(Offset.argLow(3)), op.jumpIf('eq', 3, 0, 1), op.ret(errno(1)), op.ret(errno(2))]],
  ['args[4] >= 0x1_0000_0001 (64-bit)', 4, [
    op.load(Offset.argHigh(4)), op.jumpIf('gt', 1, 4, 0), op.jumpIf('eq', 1, 0, 2), op.load(Offset.argLow(4)),
    op.jumpIf('ge', 1, 1, 0), op.ret(errno(2)), op.ret(errno(1)),
  ]],
  ['args[5] & 0x8000_0000_0000_0000 (high-bit set)', 5, [op.load(Offset.argHigh(5)), op.jumpIf('set', 0x80000000, 0, 1), op.ret(errno(1)), op.ret(errno(2))]],
];

/** Puts `value` at argument `index`, with junk in the others. */
const argumentCase = (index: number, value: bigint, mode: KernelCase['mode'] = 'native'): KernelCase => ({
  nr: 1, mode, args: junk.map((other, position) => (position === index ? value : other)),
});

const cases: ProgramCase[] = [
  {
    name: 'arch check, then x32 bit, then one nr',
    program: [
      op.load(Offset.arch), op.jumpIf('eq', AuditArch.x86_64, 1, 0), op.ret(errno(11)),
      op.load(Offset.nr), op.jumpIf('ge', X32_SYSCALL_BIT, 0, 1), op.ret(errno(12)),
      op.jumpIf('eq', 39, 0, 1), op.ret(encodeAction('allow')), op.ret(errno(13)),
    ],
    inputs: [...nativeNumbers, ...x32Numbers, ...i386Numbers],
  },
  {
    name: 'nr < 100 without an x32 test lets x32 numbers through',
    program: [
      op.load(Offset.arch), op.jumpIf('ne', AuditArch.x86_64, 3), op.load(Offset.nr),
      op.jumpIf('lt', 100, 0, 1), op.ret(encodeAction('allow')), op.ret(errno(14)),
    ],
    inputs: [...nativeNumbers, ...x32Numbers, ...i386Numbers],
  },
  {
    name: 'x32 bit tested with JSET, i386 dispatched separately',
    program: [
      op.load(Offset.nr), op.tax(), op.load(Offset.arch), op.jumpIf('eq', AuditArch.i386, 0, 2), op.txa(),
      op.jumpIf('le', 100, 4, 3), op.txa(), op.jumpIf('set', X32_SYSCALL_BIT, 0, 1), op.ret(errno(15)),
      op.ret(errno(16)), op.ret(errno(17)),
    ],
    inputs: [...nativeNumbers, ...x32Numbers, ...i386Numbers],
  },
  {
    name: 'balanced JGE tree over four ranges',
    program: [
      op.load(Offset.nr), op.jumpIf('ge', 200, 0, 3), op.jumpIf('ge', 300, 0, 1), op.ret(errno(104)), op.ret(errno(103)),
      op.jumpIf('ge', 60, 0, 1), op.ret(errno(102)), op.ret(errno(101)),
    ],
    inputs: [...nativeNumbers, ...x32Numbers, ...i386Numbers],
  },
  {
    name: 'every action kind by nr (100 + index)',
    program: [
      op.load(Offset.nr), op.alu('sub', 100),
      ...RETURNS.flatMap((value, index) => [op.jumpIf('eq', index, 0, 1), op.ret(value)]),
      op.ret(errno(3)),
    ],
    inputs: [...RETURNS.map((_value, index) => ({ nr: 100 + index })), { nr: 99 }, { nr: 100 + RETURNS.length }],
  },
  {
    name: 'RET A of args[0] (every action kind, junk upper half)',
    program: [op.load(Offset.argLow(0)), op.retA()],
    inputs: RETURNS.map((value, index) => ({ nr: 7, args: [(BigInt(index + 1) << 32n) | BigInt(value)] })),
  },
  ...argumentPrograms.map(([name, index, program]): ProgramCase => ({
    name,
    program,
    inputs: [...BOUNDARY_WORDS.map((value) => argumentCase(index, value)), argumentCase(index, 3n, 'i386'), argumentCase(index, 0xffffffffn, 'i386')],
  })),
  ...([['low', Offset.instructionPointerLow], ['high', Offset.instructionPointerHigh]] as const).map(([word, offset]): ProgramCase => ({
    name: `instruction pointer, ${word} word`,
    program: [op.load(offset), ...revealA()],
    inputs: [...revealInputs([]), ...revealInputs([], 'i386')],
  })),
  {
    name: 'instruction pointer compared with a constant never at the call site',
    program: [op.load(Offset.instructionPointerLow), op.jumpIf('eq', 0x1000, 0, 1), op.ret(errno(1)), op.ret(errno(2))],
    inputs: [{ nr: 1 }, { nr: 1, mode: 'i386' }],
  },
  {
    name: 'LEN into A and into X',
    program: [op.loadLength('X'), op.loadLength('A'), op.aluX('add'), ...revealA()],
    inputs: revealInputs([]),
  },
];

describe.skipIf(!kernel.ok)(`emulator agrees with the kernel on dispatch and actions${skipReason}`, () => {
  it('covers at least 250 inputs', () => {
    expect(cases.reduce((total, one) => total + one.inputs.length, 0)).toBeGreaterThanOrEqual(250);
  });

  it.each(cases.map((one) => [one.name, one] as const))('%s', (_name, programCase) => {
    const comparison = compareWithKernel(programCase);
    expect(comparison.disagreements).toEqual([]);
  });
});
