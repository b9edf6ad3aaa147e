/**
 * The validator agrees with the kernel's checker: malformed programs that the
 * kernel refuses with EINVAL are refused by `validate`, tricky programs the
 * kernel installs are accepted (and then emulated like the kernel runs them),
 * and randomly assembled raw programs get the same verdict from both.
 */
import { describe, expect, it } from 'vitest';

import { assemble, encodeAction, type Instruction, op, type Program, SeccompDataOffset as Offset, validate } from '../../src/bpf/index.js';
import { kernelAvailable, runInKernel } from '../support/kernel.js';
import { compareWithKernel, type Disagreement, revealA, revealInputs, i386Note } from './oracle.js';
import { Prng } from '../support/prng.js';

const kernel = kernelAvailable();
const skipReason = kernel.ok ? i386Note() : ` (skipped: ${kernel.reason})`;
const EINVAL = 22;
const allow = encodeAction('allow');
const ret = op.ret(allow);
const repeat = (count: number, instruction: Instruction): Instruction[] => Array.from({ length: count }, () => instruction);

/** Programs the kernel refuses with EINVAL. */
const MALFORMED: [string, Program][] = [
  ['empty program', []],
  ['4097 instructions', repeat(4097, ret)],
  ['8192 instructions', repeat(8192, ret)],
  ['jt past the end', [op.load(Offset.nr), op.jumpIf('eq', 39, 1, 0), ret]],
  ['jf past the end', [op.load(Offset.nr), op.jumpIf('eq', 39, 0, 1), ret]],
  ['jt 255 in a short program', [op.load(Offset.nr), op.raw(0x15, 255, 0, 39), ret, ret]],
  ['JA one past the end', [op.jump(1), ret]],
  ['JA 0xffffffff', [op.jump(0xffffffff), ret, ret]],
  ['JA 0 as the last instruction', [ret, op.jump(0)]],
  ['no final RET', [op.load(Offset.nr)]],
  ['RET followed by a load', [ret, op.load(Offset.nr)]],
  ['BPF_MOD by a constant', [op.load(Offset.nr), op.raw(0x94, 0, 0, 3), ret]],
  ['BPF_MOD by X', [op.load(Offset.nr), op.raw(0x9c, 0, 0, 0), ret]],
  ['LD ABS at offset 64', [op.load(64), ret]],
  ['LD ABS at offset 0xfffffffc', [op.load(0xfffffffc), ret]],
  ['LD ABS misaligned at offset 2', [op.load(2), ret]],
  ['LD ABS misaligned at offset 61', [op.load(61), ret]],
  ['LD H ABS', [op.raw(0x28, 0, 0, 0), ret]],
  ['LD B ABS', [op.raw(0x30, 0, 0, 0), ret]],
  ['LD W IND', [op.raw(0x40, 0, 0, 0), ret]],
  ['LD B IND', [op.raw(0x50, 0, 0, 0), ret]],
  ['LDX B MSH', [op.raw(0xb1, 0, 0, 0), ret]],
  ['LDX W ABS (no such opcode)', [op.raw(0x21, 0, 0, 0), ret]],
  ['ancillary load (protocol)', [op.raw(0x20, 0, 0, 0xfffff000), ret]],
  ['unknown ancillary load', [op.raw(0x20, 0, 0, 0xfffff0fc), ret]],
  ['division by the constant 0', [op.load(Offset.nr), op.raw(0x34, 0, 0, 0), ret]],
  ['LSH by the constant 32', [op.load(Offset.nr), op.raw(0x64, 0, 0, 32), ret]],
  ['RSH by the constant 0xffffffff', [op.load(Offset.nr), op.raw(0x74, 0, 0, 0xffffffff), ret]],
  ['LD M[16]', [op.raw(0x60, 0, 0, 16), ret]],
  ['LDX M[16]', [op.raw(0x61, 0, 0, 16), ret]],
  ['ST M[16]', [op.raw(0x02, 0, 0, 16), ret]],
  ['STX M[99]', [op.raw(0x03, 0, 0, 99), ret]],
  ['M[0] read, never written', [op.loadScratch('A', 0), op.retA()]],
  ['M[0] written on only one path', [op.load(Offset.nr), op.jumpIf('eq', 1, 0, 1), op.store('A', 0), op.loadScratch('A', 0), op.retA()]],
  ['M[5] read when only M[4] was written', [op.store('A', 4), op.loadScratch('X', 5), op.retA()]],
  ['M[0] store jumped over by JA', [op.jump(1), op.store('A', 0), op.loadScratch('A', 0), op.retA()]],
  ['M[0] read after a RET, unreachable but unchecked', [op.ret(allow), op.loadScratch('A', 0), op.retA()]],
  ['RET X', [op.raw(0x0e, 0, 0, 0)]],
  ['RET with unknown source bits 0x1e', [op.raw(0x1e, 0, 0, 0)]],
  ['code 0xff', [op.raw(0xff, 0, 0, 0), ret]],
  ['code 0x8006 (high bits set on RET K)', [op.raw(0x8006, 0, 0, allow)]],
  ['JA with the X bit (0x0d)', [op.raw(0x0d, 0, 0, 0), ret]],
  ['NEG with the X bit (0x8c)', [op.raw(0x8c, 0, 0, 0), ret]],
  ['MISC 0x17', [op.raw(0x17, 0, 0, 0), ret]],
  ['LD H IMM (0x08)', [op.raw(0x08, 0, 0, 0), ret]],
  ['STX with size bits (0x0b)', [op.raw(0x0b, 0, 0, 0), ret]],
  ['ALU with operation 0xb0', [op.raw(0xb4, 0, 0, 1), ret]],
  ['JMP with operation 0x50', [op.raw(0x55, 0, 0, 1), ret, ret]],
];

/** Programs the kernel installs although they look suspicious. */
const TRICKY_VALID: [string, Program][] = [
  ['exactly 4096 instructions', [...repeat(4095, op.load(Offset.nr)), ret]],
  ['JA over 4093 instructions', [op.load(Offset.nr), op.jump(4093), ...repeat(4093, op.ret(0)), ret]],
  ['jt and jf 255 in a long program', [op.load(Offset.nr), op.raw(0x15, 255, 255, 39), ...repeat(255, op.ret(0)), op.ret(encodeAction('errno', 5))]],
  ['junk jt/jf on RET, LD and ALU', [op.raw(0x20, 7, 9, 0), op.raw(0x04, 1, 2, 5), op.raw(0x16, 3, 3, 0)]],
  ['junk k on RET A, TAX and NEG, junk jt/jf on JA', [op.raw(0x07, 0, 0, 99), op.raw(0x84, 0, 0, 99), op.raw(0x05, 4, 4, 0), op.raw(0x16, 0, 0, 12345)]],
  ['JA 0', [op.jump(0), ret]],
  ['jump to the last instruction', [op.load(Offset.nr), op.jumpIf('eq', 1, 1, 1), op.ret(0), op.ret(encodeAction('errno', 6))]],
  ['unreachable M[0] read right after a JA', [op.jump(1), op.loadScratch('A', 0), op.ret(encodeAction('errno', 7))]],
  ['M[15] stored then read', [op.load(Offset.argLow(0)), op.store('A', 15), op.loadConstant('A', 0), op.loadScratch('A', 15), ...revealA()]],
  ['M[3] stored on both paths', [op.load(Offset.nr), op.jumpIf('eq', 2, 0, 2), op.store('X', 3), op.jump(1), op.store('A', 3), op.loadScratch('A', 3), ...revealA()]],
  ['division by X, maybe 0', [op.load(Offset.argLow(1)), op.tax(), op.load(Offset.argLow(0)), op.aluX('div'), ...revealA()]],
  ['LSH by the constant 31', [op.load(Offset.argLow(0)), op.alu('lsh', 31), ...revealA()]],
  ['load of args[5].hi at offset 60', [op.load(60), ...revealA()]],
  ['RET A before any load (A = 0)', [op.retA()]],
  ['LD LEN and LDX LEN', [op.loadLength('A'), op.loadLength('X'), op.aluX('mul'), ...revealA()]],
];

/** A raw program from a small alphabet of codes, jumps and constants, valid or not. */
function randomRawProgram(random: Prng): Program {
  const codes = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0c, 0x14, 0x15, 0x16, 0x1d, 0x20, 0x24, 0x25, 0x28,
    0x34, 0x35, 0x3c, 0x45, 0x4d, 0x60, 0x61, 0x64, 0x74, 0x80, 0x81, 0x84, 0x87, 0x94, 0xa4, 0xb1, 0x0e, 0xff];
  const constants = [0, 1, 2, 3, 4, 8, 15, 16, 31, 32, 60, 62, 64, 0x7fff0000, 0x50001, 0xfffff000];
  const length = 1 + random.int(0, 5);
  const program = Array.from({ length }, () => op.raw(random.pick(codes), random.int(0, 4), random.int(0, 4), random.pick(constants)));
  // Mostly end in a RET, or nearly every program would fail for that one reason.
  if (random.chance(0.85)) program[length - 1] = op.raw(random.pick([0x06, 0x16]), random.int(0, 2), random.int(0, 2), random.pick(constants));
  return program;
}

const RANDOM_SEED = 0x5ecc0;
const RANDOM_COUNT = 160;
const RAW_INPUTS = [{ nr: 1, args: [0xffffffff00000007n, 3n] }, { nr: 60, args: [0n, 0x8000000000000000n] }, { nr: 0x40000002 }];

describe.skipIf(!kernel.ok)(`validator agrees with the kernel's checker${skipReason}`, () => {
  it(`refuses the ${MALFORMED.length} malformed programs the kernel refuses with EINVAL`, () => {
    const verdicts = MALFORMED.map(([name, program]) => {
      const bytes = assemble(program);
      const [outcome] = runInKernel(bytes, [{ nr: 1 }]);
      return { name, kernel: outcome, validatorAccepts: validate(bytes).ok };
    });
    expect(verdicts).toEqual(MALFORMED.map(([name]) => ({ name, kernel: { kind: 'install_failed', errno: EINVAL }, validatorAccepts: false })));
  });

  it.each(TRICKY_VALID.map(([name, program]) => [name, program] as const))('accepts and emulates: %s', (name, program) => {
    expect(validate(assemble(program))).toEqual({ ok: true });
    const comparison = compareWithKernel({ name, program, inputs: [...revealInputs([0xffffffff00000007n, 0x300000000n]), ...revealInputs([9n, 0n])] });
    expect(comparison.disagreements).toEqual([]);
  });

  it(`gives the kernel's verdict on ${RANDOM_COUNT} random raw programs, and runs the accepted ones alike (seed 0x${RANDOM_SEED.toString(16)})`, () => {
    const random = new Prng(RANDOM_SEED);
    const runDisagreements: Disagreement[] = [];
    const verdicts = Array.from({ length: RANDOM_COUNT }, (_unused, index) => {
      const program = randomRawProgram(random);
      const bytes = assemble(program);
      const validatorAccepts = validate(bytes).ok;
      const comparison = compareWithKernel({ name: `raw ${Buffer.from(bytes).toString('hex')}`, program, inputs: RAW_INPUTS });
      const kernelAccepts = comparison.kernel[0]?.kind !== 'install_failed';
      if (kernelAccepts && validatorAccepts) runDisagreements.push(...comparison.disagreements);
      return { index, bytes: Buffer.from(bytes).toString('hex'), kernelAccepts, validatorAccepts };
    });
    expect(runDisagreements).toEqual([]);
    const disagreements = verdicts.filter((verdict) => verdict.kernelAccepts !== verdict.validatorAccepts);
    expect(disagreements).toEqual([]);
    // The alphabet is meant to produce both verdicts; if it stops doing so the test proves little.
    expect(verdicts.filter((verdict) => verdict.kernelAccepts).length).toBeGreaterThan(10);
    expect(verdicts.filter((verdict) => !verdict.kernelAccepts).length).toBeGreaterThan(10);
  });
});
