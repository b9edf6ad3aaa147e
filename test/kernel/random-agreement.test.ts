/**
 * The emulator agrees with the kernel on seeded random programs: straight
 * code with forward jumps over every seccomp instruction, run on random
 * syscalls (native, x32, nr = -1, i386) with arguments at the word
 * boundaries. A failing program is named by its seed and replays exactly.
 */
import { describe, expect, it } from 'vitest';

import {
  type AluOperator,
  encodeAction,
  type Instruction,
  type JumpCondition,
  op,
  type Program,
  validate,
  X32_SYSCALL_BIT,
} from '../../src/bpf/index.js';
import { kernelAvailable, type KernelCase } from '../support/kernel.js';
import { compareWithKernel, type ProgramCase, i386Note } from './oracle.js';
import { Prng } from '../support/prng.js';

const kernel = kernelAvailable();
const skipReason = kernel.ok ? i386Note() : ` (skipped: ${kernel.reason})`;

const OPERATORS: AluOperator[] = ['add', 'sub', 'mul', 'div', 'or', 'and', 'lsh', 'rsh', 'xor'];
const CONDITIONS: JumpCondition[] = ['eq', 'ne', 'gt', 'le', 'ge', 'lt', 'set', 'notset'];
/** Slots the prologue writes, so any read of them is valid on every path. */
const WRITTEN_SLOTS = 4;

/** randomErrno is an ERRNO datum other than ENOSYS, sometimes above the 4095 cap. */
const randomErrno = (random: Prng): number => {
  const value = random.chance(0.1) ? 4000 + random.int(0, 0x10000 - 4000 - 1) : 1 + random.int(0, 3999);
  return value === 38 ? 39 : value;
};

/** randomReturn is a constant verdict: every action, with data. */
function randomReturn(random: Prng): number {
  switch (random.int(0, 8)) {
    case 0: return encodeAction('allow');
    case 1: return encodeAction('log');
    case 2: return encodeAction('trace', random.int(0, 0xffff));
    case 3: return encodeAction('notify');
    case 4: return encodeAction('trap', random.int(0, 0xffff));
    case 5: return random.chance(0.5) ? 0 : random.int(0, 0xffff); // kill_thread
    case 6: return 0x80000000 | random.int(0, 0xffff); // kill_process
    default: return encodeAction('errno', randomErrno(random));
  }
}

/** randomConstant favours values that random loads and arithmetic tend to meet. */
const randomConstant = (random: Prng): number =>
  random.pick([0, 1, 2, 3, 39, 60, 0x7fffffff, 0x80000000, 0xffffffff, 0x40000000, 0xc000003e, 0x40000003, random.next(), random.int(0, 63)]);

/** One body instruction at `index`; jumps land anywhere forward up to `last`. */
function randomInstruction(random: Prng, index: number, last: number): Instruction {
  const forward = (): number => Math.min(255, random.int(0, last - index - 1));
  const register = random.chance(0.5) ? 'A' : 'X';
  switch (random.int(0, 13)) {
    case 0: case 1: return op.load(4 * random.int(0, 15));
    case 2: return op.loadConstant(register, randomConstant(random));
    case 3: return op.loadScratch(register, random.int(0, WRITTEN_SLOTS - 1));
    case 4: return op.store(register, random.int(0, 15));
    case 5: {
      const operator = random.pick(OPERATORS);
      const value = operator === 'lsh' || operator === 'rsh' ? random.int(0, 31) : randomConstant(random);
      return op.alu(operator, operator === 'div' && value === 0 ? 7 : value);
    }
    case 6: return op.aluX(random.pick(OPERATORS));
    case 7: return random.pick([op.negate(), op.tax(), op.txa(), op.loadLength(register)]);
    case 8: case 9: return op.jumpIf(random.pick(CONDITIONS), randomConstant(random), forward(), forward());
    case 10: return op.jumpIfX(random.pick(CONDITIONS), forward(), forward());
    case 11: return op.jump(random.int(0, last - index - 1));
    case 12: return op.ret(randomReturn(random));
    default: return random.chance(0.2) ? op.retA() : op.alu('and', 0xffff);
  }
}

/** randomProgram: a prologue writing M[0..3], a random body, and a tail returning a verdict. */
export function randomProgram(random: Prng): Program {
  const prologue = Array.from({ length: WRITTEN_SLOTS }, (_unused, slot) => [op.load(4 * random.int(0, 15)), op.store('A', slot)]).flat();
  const tail: Instruction[] = random.chance(0.7)
    ? [op.alu('and', 0x7ff), op.alu('or', encodeAction('errno', 0x800)), op.retA()]
    : [op.ret(randomReturn(random))];
  const bodyLength = 4 + random.int(0, 27);
  const last = prologue.length + bodyLength + tail.length - 1;
  const body = Array.from({ length: bodyLength }, (_unused, position) => randomInstruction(random, prologue.length + position, last));
  return [...prologue, ...body, ...tail];
}

/** randomInput: a syscall whose nr, mode and args make filters branch. */
function randomInput(random: Prng): KernelCase {
  const args = Array.from({ length: 6 }, () => random.word(64));
  const nr = random.pick([random.int(0, 334), 337 + random.int(0, 199), X32_SYSCALL_BIT | random.int(0, 599), 0xffffffff, 39, 60, random.next()]);
  if (random.chance(0.2)) return { nr: random.int(0, 449), mode: 'i386', args };
  return { nr: nr === 335 || nr === 336 ? 334 : nr, args };
}

const BASE_SEED = 0x2026;
const PROGRAMS = 90;
const INPUTS_PER_PROGRAM = 5;

const cases: ProgramCase[] = Array.from({ length: PROGRAMS }, (_unused, index) => {
  const seed = BASE_SEED + index;
  const random = new Prng(seed);
  const program = randomProgram(random);
  return { name: `random program, seed 0x${seed.toString(16)}`, program, inputs: Array.from({ length: INPUTS_PER_PROGRAM }, () => randomInput(random)) };
});

describe('random program generator', () => {
  it('makes only programs the validator accepts', () => {
    expect(cases.filter((one) => !validate(one.program).ok).map((one) => one.name)).toEqual([]);
  });
});

describe.skipIf(!kernel.ok)(`emulator agrees with the kernel on random programs${skipReason}`, () => {
  it.each(cases.map((one) => [one.name, one] as const))('%s', (_name, programCase) => {
    expect(compareWithKernel(programCase).disagreements).toEqual([]);
  });
});
