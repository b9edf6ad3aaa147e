/**
 * The emulator agrees with the kernel on the machine itself: every ALU
 * operator with a constant and with X (overflow, division by X = 0, shifts by
 * X of 32 or more), NEG, every jump condition against K and X, JA, TAX/TXA and
 * the sixteen scratch slots.
 */
import { describe, expect, it } from 'vitest';

import { type AluOperator, type Instruction, type JumpCondition, op, type Program, SeccompDataOffset as Offset } from '../../src/bpf/index.js';
import { kernelAvailable, type KernelCase } from '../support/kernel.js';
import { compareWithKernel, type ProgramCase, revealA, revealInputs, i386Note } from './oracle.js';

const kernel = kernelAvailable();
const skipReason = kernel.ok ? i386Note() : ` (skipped: ${kernel.reason})`;

/** A = args[0].lo, X = args[1].lo (both with junk upper halves in the inputs). */
const loadOperands: Program = [op.load(Offset.argLow(1)), op.tax(), op.load(Offset.argLow(0))];
const operands = (a: number, x: number): bigint[] => [0xabcd000000000000n | BigInt(a >>> 0), 0x1234567800000000n | BigInt(x >>> 0)];

const CONSTANTS: Record<AluOperator, number[]> = {
  add: [1, 0xffffffff, 0x80000000],
  sub: [1, 0x80000000],
  mul: [3, 0xfffffffb, 0x10001, 0x9e3779b9],
  div: [1, 3, 0x80000000, 0xffffffff],
  or: [0xf0f0f0f0],
  and: [0x0ff00ff0],
  xor: [0xffffffff],
  lsh: [0, 1, 31],
  rsh: [0, 1, 31],
};
const A_VALUES = [0xfedcba98, 7];
const PAIRS: [number, number][] = [
  [0xfedcba98, 0x13579bdf], [7, 0], [0x80000000, 32], [0xffffffff, 33], [0x12345678, 0xffffffff], [100, 7],
];

const aluConstantCases: ProgramCase[] = (Object.entries(CONSTANTS) as [AluOperator, number[]][]).flatMap(([operator, values]) =>
  values.map((value) => ({
    name: `A ${operator}= 0x${value.toString(16)}`,
    program: [...loadOperands, op.alu(operator, value), ...revealA()],
    inputs: A_VALUES.flatMap((a) => revealInputs(operands(a, 0))),
  })),
);

const aluXCases: ProgramCase[] = (Object.keys(CONSTANTS) as AluOperator[]).map((operator) => ({
  name: `A ${operator}= X`,
  program: [...loadOperands, op.aluX(operator), ...revealA()],
  inputs: PAIRS.flatMap(([a, x]) => revealInputs(operands(a, x))),
}));

const CONDITIONS: JumpCondition[] = ['eq', 'ne', 'gt', 'le', 'ge', 'lt', 'set', 'notset'];

/**
 * conditionBits returns ERRNO(0x800 | bits), bit i set when CONDITIONS[i]
 * holds for A against `against` (X, or a constant). Bits gather in M[0].
 */
function conditionBits(against: number | 'X'): Program {
  const program: Instruction[] = [op.loadConstant('A', 0x00050800), op.store('A', 0), ...loadOperands];
  CONDITIONS.forEach((condition, bit) => {
    const test = against === 'X' ? op.jumpIfX(condition, 0, 3) : op.jumpIf(condition, against, 0, 3);
    program.push(test, op.loadScratch('A', 0), op.alu('or', 1 << bit), op.store('A', 0), op.load(Offset.argLow(0)));
  });
  return [...program, op.loadScratch('A', 0), op.retA()];
}

const comparisonInputs: KernelCase[] = [
  [5, 5], [4, 5], [6, 5], [0, 0], [0xffffffff, 0], [0, 0xffffffff], [0x80000000, 0x7fffffff], [0xf0, 0x0f], [0xf0, 0x10],
].map(([a, x]) => ({ nr: 9, args: operands(a!, x!) }));

const jumpCases: ProgramCase[] = [
  { name: 'every condition against X', program: conditionBits('X'), inputs: comparisonInputs },
  ...[0, 5, 0x80000000, 0xffffffff, 0x10].map((constant): ProgramCase => ({
    name: `every condition against 0x${constant.toString(16)}`,
    program: conditionBits(constant),
    inputs: comparisonInputs,
  })),
  {
    name: 'JA over returns, into a shared tail',
    program: [
      op.load(Offset.argLow(0)), op.jumpIf('gt', 10, 0, 2), op.alu('add', 0x100), op.jump(2), op.ret(0), op.ret(0),
      op.alu('or', 0x40), op.jump(0), ...revealA(),
    ],
    inputs: [...revealInputs(operands(3, 0)), ...revealInputs(operands(11, 0))],
  },
];

/** Stores args words into all sixteen slots with ST and STX, reads them back shuffled and mixes them. */
const scratchProgram: Program = [
  ...Array.from({ length: 12 }, (_unused, word): Instruction[] =>
    word % 2 === 0
      ? [op.load(Offset.argLow(0) + 4 * word), op.store('A', word)]
      : [op.load(Offset.argLow(0) + 4 * word), op.tax(), op.store('X', word)]).flat(),
  op.loadConstant('A', 0x01020304), op.store('A', 12), op.loadConstant('X', 0x10203040), op.store('X', 13),
  op.loadLength('A'), op.store('A', 14), op.negate(), op.store('A', 15),
  op.loadConstant('A', 0),
  ...[15, 3, 9, 0, 12, 6, 1, 14, 7, 10, 4, 13, 2, 11, 5, 8].flatMap((slot, index): Instruction[] => [
    op.loadScratch('X', slot), op.aluX(index % 3 === 0 ? 'xor' : index % 3 === 1 ? 'add' : 'sub'), op.alu('mul', 3),
  ]),
  ...revealA(),
];

/** M[2] is written on both branches before the read, with different values. */
const scratchOnBothPaths: Program = [
  op.load(Offset.argLow(0)), op.jumpIf('set', 1, 0, 2), op.loadConstant('A', 0x111), op.jump(1), op.loadConstant('A', 0x222),
  op.store('A', 2), op.loadScratch('X', 2), op.txa(), op.negate(), ...revealA(),
];

const cases: ProgramCase[] = [
  ...aluConstantCases,
  ...aluXCases,
  { name: 'NEG', program: [...loadOperands, op.negate(), ...revealA()], inputs: [0, 1, 0x80000000, 0xfffffffe].flatMap((a) => revealInputs(operands(a, 0))) },
  ...jumpCases,
  { name: 'all sixteen scratch slots', program: scratchProgram, inputs: [[1n, 2n, 3n, 4n, 5n, 6n], [2n ** 64n - 1n, 0n, 0x100000000n, 0xffffffffn, 7n, 0x8000000080000000n]].flatMap((args) => revealInputs(args)) },
  { name: 'scratch written on both paths', program: scratchOnBothPaths, inputs: [0n, 1n].flatMap((a) => revealInputs([a])) },
];

describe.skipIf(!kernel.ok)(`emulator agrees with the kernel on arithmetic, jumps and scratch memory${skipReason}`, () => {
  it('covers at least 250 inputs', () => {
    expect(cases.reduce((total, one) => total + one.inputs.length, 0)).toBeGreaterThanOrEqual(250);
  });

  it.each(cases.map((one) => [one.name, one] as const))('%s', (_name, programCase) => {
    expect(compareWithKernel(programCase).disagreements).toEqual([]);
  });
});
