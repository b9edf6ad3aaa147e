import { describe, expect, it } from 'vitest';
import { AssembleError, assemble, type Instruction, op } from '../../src/bpf/index.js';
import { SECCOMP_ALLOWED_CODES } from '../../src/bpf/opcodes.js';
import { allInstructions, referenceBytes } from './allInstructions.js';

const hex = (bytes: Uint8Array): string => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ');

/** assemblesTo: one instruction and its eight bytes as hex. */
const assemblesTo = (instruction: Instruction, bytes: string): void => {
  expect(hex(assemble([instruction]))).toBe(bytes);
};

/** rejects: a program, the 1-based index and code of its AssembleError. */
const rejects = (program: Instruction[], index: number, code: string): void => {
  let caught: unknown;
  try {
    assemble(program);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(AssembleError);
  expect(caught).toMatchObject({ index, code });
};

describe('assemble: every opcode seccomp accepts', () => {
  it('the table covers exactly the 41 opcodes of seccomp_check_filter', () => {
    const codes = allInstructions.map(([, code]) => code);
    expect(new Set(codes).size).toBe(41);
    expect([...codes].sort((a, b) => a - b)).toEqual([...SECCOMP_ALLOWED_CODES].sort((a, b) => a - b));
  });

  it.each(allInstructions.map(([instruction, code, asm]) => [asm, instruction, code] as const))(
    '%s encodes opcode %#x',
    (_asm, instruction, code) => {
      const bytes = assemble([instruction]);
      expect(bytes[0]! | (bytes[1]! << 8)).toBe(code);
    },
  );

  it('matches the bytes the C compiler makes from the kernel macros', () => {
    expect(hex(assemble(allInstructions.map(([instruction]) => instruction)))).toBe(hex(referenceBytes()));
  });
});

describe('assemble: layout', () => {
  it('writes u16 code, u8 jt, u8 jf, u32 k, little-endian', () =>
    assemblesTo(op.jumpIf('eq', 0x12345678, 0xab, 0xcd), '15 00 ab cd 78 56 34 12'));
  it('writes an empty program as no bytes', () => expect(assemble([]).length).toBe(0));
  it('writes k = 0xffffffff', () => assemblesTo(op.ret(0xffffffff), '06 00 00 00 ff ff ff ff'));
  it('writes a raw instruction verbatim', () => assemblesTo(op.raw(0x1234, 1, 2, 3), '34 12 01 02 03 00 00 00'));
});

describe('assemble: lowering swaps targets', () => {
  it('ne is jeq with targets swapped', () => assemblesTo(op.jumpIf('ne', 9, 3, 4), '15 00 04 03 09 00 00 00'));
  it('le is jgt with targets swapped', () => assemblesTo(op.jumpIf('le', 9, 3, 4), '25 00 04 03 09 00 00 00'));
  it('lt is jge with targets swapped', () => assemblesTo(op.jumpIf('lt', 9, 3, 4), '35 00 04 03 09 00 00 00'));
  it('notset is jset with targets swapped', () => assemblesTo(op.jumpIf('notset', 9, 3, 4), '45 00 04 03 09 00 00 00'));
  it('ne against X is jeq x swapped', () => assemblesTo(op.jumpIfX('ne', 3, 4), '1d 00 04 03 00 00 00 00'));
  it('lt against X is jge x swapped', () => assemblesTo(op.jumpIfX('lt', 0, 7), '3d 00 07 00 00 00 00 00'));
});

describe('assemble: jump limits', () => {
  it('a conditional true offset of 255 is accepted', () => assemblesTo(op.jumpIf('eq', 0, 255, 0), '15 00 ff 00 00 00 00 00'));
  it('a conditional false offset of 255 is accepted', () => assemblesTo(op.jumpIf('ne', 0, 255, 0), '15 00 00 ff 00 00 00 00'));
  it('a conditional true offset of 256 is rejected', () => rejects([op.jumpIf('eq', 0, 256, 0)], 1, 'E_JUMP_RANGE'));
  it('a conditional false offset of 256 is rejected', () => rejects([op.ret(0), op.jumpIfX('ge', 0, 256)], 2, 'E_JUMP_RANGE'));
  it('a negative conditional offset is rejected', () => rejects([op.jumpIf('gt', 0, -1, 0)], 1, 'E_JUMP_RANGE'));
  it('a fractional conditional offset is rejected', () => rejects([op.jumpIf('gt', 0, 1.5, 0)], 1, 'E_JUMP_RANGE'));
  it('ja 256 is accepted', () => assemblesTo(op.jump(256), '05 00 00 00 00 01 00 00'));
  it('ja 4095 is accepted', () => assemblesTo(op.jump(4095), '05 00 00 00 ff 0f 00 00'));
  it('ja 0xffffffff is accepted', () => assemblesTo(op.jump(0xffffffff), '05 00 00 00 ff ff ff ff'));
  it('ja 2^32 is rejected', () => rejects([op.jump(2 ** 32)], 1, 'E_VALUE_RANGE'));
  it('ja -1 is rejected', () => rejects([op.jump(-1)], 1, 'E_VALUE_RANGE'));
});

describe('assemble: errors carry a 1-based index and a code', () => {
  const record = (fields: object): Instruction => fields as Instruction;
  it('value above u32', () => rejects([op.ret(0), record({ kind: 'ReturnConstant', value: 2 ** 32 })], 2, 'E_VALUE_RANGE'));
  it('negative value', () => rejects([record({ kind: 'LoadConstant', register: 'A', value: -1 })], 1, 'E_VALUE_RANGE'));
  it('NaN value', () => rejects([record({ kind: 'AluConstant', operator: 'add', value: Number.NaN })], 1, 'E_VALUE_RANGE'));
  it('offset above u32', () => rejects([op.load(2 ** 33)], 1, 'E_VALUE_RANGE'));
  it('scratch slot 16 on a load', () => rejects([op.loadScratch('A', 16)], 1, 'E_SLOT'));
  it('scratch slot 16 on a store', () => rejects([op.ret(0), op.ret(0), op.store('X', 16)], 3, 'E_SLOT'));
  it('scratch slot -1', () => rejects([op.store('A', -1)], 1, 'E_SLOT'));
  it('register B', () => rejects([record({ kind: 'LoadLength', register: 'B' })], 1, 'E_REGISTER'));
  it('operator mod', () => rejects([record({ kind: 'AluX', operator: 'mod' })], 1, 'E_OPERATOR'));
  it('condition between', () => rejects([record({ kind: 'JumpIfX', condition: 'between', skipTrue: 0, skipFalse: 0 })], 1, 'E_CONDITION'));
  it('kind Nop', () => rejects([record({ kind: 'Nop' })], 1, 'E_KIND'));
  it('raw code above u16', () => rejects([op.raw(0x10000, 0, 0, 0)], 1, 'E_RAW_FIELD'));
  it('raw jt above u8', () => rejects([op.raw(0, 256, 0, 0)], 1, 'E_RAW_FIELD'));
  it('raw jf above u8', () => rejects([op.raw(0, 0, 256, 0)], 1, 'E_RAW_FIELD'));
  it('message names the instruction', () => expect(() => assemble([op.store('A', 99)])).toThrow(/^instruction 1: scratch slot 99/));
});
