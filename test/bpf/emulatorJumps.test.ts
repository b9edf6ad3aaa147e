import { describe, expect, it } from 'vitest';
import { emulate, type JumpCondition, op } from '../../src/bpf/index.js';
import { ANY, branch } from './emulatorHelpers.js';

const MAX = 0xffffffff;
const TRUE = 1;
const FALSE = 2;

/** Rows: condition, A, k (or X), the target taken. */
const rows: [JumpCondition, number, number, number][] = [
  ['eq', 5, 5, TRUE], ['eq', 5, 6, FALSE], ['eq', MAX, MAX, TRUE], ['eq', 0, MAX, FALSE],
  ['ne', 5, 6, TRUE], ['ne', MAX, MAX, FALSE],
  ['gt', MAX, 0xfffffffe, TRUE], ['gt', 0xfffffffe, MAX, FALSE], ['gt', 0x80000000, 0x7fffffff, TRUE], ['gt', 5, 5, FALSE],
  ['ge', 5, 5, TRUE], ['ge', 0x7fffffff, 0x80000000, FALSE], ['ge', MAX, 0, TRUE], ['ge', 0, 1, FALSE],
  ['lt', 0x7fffffff, 0x80000000, TRUE], ['lt', 0x80000000, 0x80000000, FALSE], ['lt', 0, MAX, TRUE],
  ['le', 0x80000000, 0x80000000, TRUE], ['le', MAX, 0xfffffffe, FALSE], ['le', 0, 0, TRUE],
  ['set', 0x80000000, 0x80000000, TRUE], ['set', 0x40000001, 0x40000000, TRUE], ['set', 0x7fffffff, 0x80000000, FALSE], ['set', MAX, 0, FALSE],
  ['notset', 0x7fffffff, 0x80000000, TRUE], ['notset', 1, 1, FALSE], ['notset', MAX, 0, TRUE],
];

describe('emulator conditional jumps', () => {
  it.each(rows)('%s: A = %#x, k = %#x goes to %i', (condition, a, k, target) =>
    expect(branch(op.jumpIf(condition, k, 0, 1), a)).toBe(target));
  it.each(rows)('%s: A = %#x, X = %#x goes to %i', (condition, a, x, target) =>
    expect(branch(op.jumpIfX(condition, 0, 1), a, x)).toBe(target));
});

describe('emulator jump offsets', () => {
  const ladder = (skip: number): number[] => Array.from({ length: skip + 1 }, (_, index) => index);
  it('jeq 255 ahead reaches instruction 256', () => {
    const program = [op.jumpIf('eq', 0, 255, 0), ...ladder(255).map((index) => op.ret(index))];
    expect(emulate(program, ANY)).toMatchObject({ ret: 255, steps: 2 });
  });
  it('a false branch 255 ahead reaches instruction 256', () => {
    const program = [op.jumpIf('eq', 1, 0, 255), ...ladder(255).map((index) => op.ret(index))];
    expect(emulate(program, ANY).ret).toBe(255);
  });
  it('ja 4094 reaches the last of 4096 instructions', () => {
    const program = [op.jump(4094), ...ladder(4094).map((index) => op.ret(index))];
    expect(program.length).toBe(4096);
    expect(emulate(program, ANY)).toMatchObject({ ret: 4094, steps: 2 });
  });
  it('ja 0 falls through', () => expect(emulate([op.jump(0), op.ret(7)], ANY)).toMatchObject({ ret: 7, steps: 2 }));
  it('a conditional jump with equal targets goes there either way', () =>
    expect(emulate([op.jumpIf('eq', 0, 1, 1), op.ret(1), op.ret(2)], ANY).ret).toBe(2));
});

describe('emulator steps', () => {
  it('counts every executed instruction, the return included', () => {
    const program = [op.load(4), op.jumpIf('ne', 0xc000003e, 3, 0), op.load(0), op.jumpIf('eq', 0, 0, 1), op.ret(0x7fff0000), op.ret(0)];
    expect(emulate(program, { nr: 0, arch: 0xc000003e })).toMatchObject({ action: 'allow', steps: 5 });
    expect(emulate(program, { nr: 1, arch: 0xc000003e })).toMatchObject({ action: 'kill_thread', steps: 5 });
    expect(emulate(program, { nr: 0, arch: 0x40000003 })).toMatchObject({ action: 'kill_thread', steps: 3 });
  });
});
