import { describe, expect, it } from 'vitest';
import { emulate, op } from '../../src/bpf/index.js';
import { afterAlu, ANY } from './emulatorHelpers.js';

const MAX = 0xffffffff;

/** Rows: A, k, expected A after `A op= k`; each also runs as `A op= X` with X = k. */
type Row = [a: number, k: number, expected: number];

const tables: Record<'add' | 'sub' | 'mul' | 'div' | 'or' | 'and' | 'xor' | 'lsh' | 'rsh', Row[]> = {
  add: [[1, 2, 3], [MAX, 1, 0], [MAX, MAX, 0xfffffffe], [0x80000000, 0x80000000, 0], [0x7fffffff, 1, 0x80000000]],
  sub: [[7, 5, 2], [0, 1, MAX], [5, 7, 0xfffffffe], [0x12345678, 0x9abcdef0, 0x77777788], [0x80000000, 1, 0x7fffffff]],
  mul: [[6, 7, 42], [MAX, MAX, 1], [0x10000, 0x10000, 0], [0x12345678, 0x9abcdef0, 0x242d2080], [0xdeadbeef, 3, 0x9c093ccd]],
  div: [[42, 7, 6], [MAX, 2, 0x7fffffff], [7, MAX, 0], [MAX, MAX, 1], [0xdeadbeef, 0x10, 0xdeadbee], [0x80000000, 1, 0x80000000]],
  or: [[0xf0f0f0f0, 0xff00ff00, 0xfff0fff0], [0, MAX, MAX], [0x80000000, 1, 0x80000001]],
  and: [[0xf0f0f0f0, 0xff00ff00, 0xf000f000], [MAX, 0x80000000, 0x80000000], [0xff, 0, 0]],
  xor: [[0xf0f0f0f0, 0xff00ff00, 0x0ff00ff0], [MAX, MAX, 0], [MAX, 0x80000000, 0x7fffffff]],
  lsh: [[1, 31, 0x80000000], [MAX, 4, 0xfffffff0], [3, 0, 3], [0x80000001, 1, 2]],
  rsh: [[0x80000000, 31, 1], [0x80000000, 1, 0x40000000], [MAX, 28, 0xf], [5, 0, 5]],
};

describe.each(Object.entries(tables))('emulator ALU %s', (operator, rows) => {
  const name = operator as keyof typeof tables;
  it.each(rows)('A = %#x, k = %#x gives %#x', (a, k, expected) => expect(afterAlu(op.alu(name, k), a)).toBe(expected));
  it.each(rows)('A = %#x, X = %#x gives %#x', (a, x, expected) => expect(afterAlu(op.aluX(name), a, x)).toBe(expected));
});

describe('emulator ALU by X beyond the constant rules', () => {
  it('lsh by X = 32 shifts by 0', () => expect(afterAlu(op.aluX('lsh'), 0x12345678, 32)).toBe(0x12345678));
  it('lsh by X = 33 shifts by 1', () => expect(afterAlu(op.aluX('lsh'), 0x40000001, 33)).toBe(0x80000002));
  it('lsh by X = 0xffffffff shifts by 31', () => expect(afterAlu(op.aluX('lsh'), 1, 0xffffffff)).toBe(0x80000000));
  it('rsh by X = 32 shifts by 0', () => expect(afterAlu(op.aluX('rsh'), 0x80000000, 32)).toBe(0x80000000));
  it('rsh by X = 63 shifts by 31', () => expect(afterAlu(op.aluX('rsh'), 0x80000000, 63)).toBe(1));
  it('div by X = 0 ends the program with 0', () => {
    const program = [op.loadConstant('A', 5), op.loadConstant('X', 0), op.aluX('div'), op.ret(0x7fff0000)];
    expect(emulate(program, ANY)).toEqual({ ret: 0, action: 'kill_thread', data: 0, steps: 3 });
  });
  it('div by X = 0 ends the program even when A is 0', () =>
    expect(emulate([op.aluX('div'), op.ret(0x7fff0000)], ANY).action).toBe('kill_thread'));
});

describe('emulator negate', () => {
  it.each([
    [0, 0],
    [1, MAX],
    [MAX, 1],
    [0x80000000, 0x80000000],
    [0x7fffffff, 0x80000001],
  ])('-%#x is %#x', (a, expected) => expect(afterAlu(op.negate(), a)).toBe(expected));
});

describe('emulator transfers', () => {
  it('tax then txa carries A through X', () => {
    expect(emulate([op.loadConstant('A', MAX), op.tax(), op.loadConstant('A', 0), op.txa(), op.retA()], ANY).ret).toBe(MAX);
  });
  it('registers start at 0', () => expect(emulate([op.txa(), op.aluX('or'), op.retA()], ANY).ret).toBe(0));
});
