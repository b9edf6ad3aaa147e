import { describe, expect, it } from 'vitest';
import { op, toBpfAsm } from '../../src/bpf/index.js';
import { allInstructions } from './allInstructions.js';

describe('toBpfAsm', () => {
  it.each(allInstructions.map(([instruction, , asm]) => [asm, instruction] as const))('writes %s', (asm, instruction) =>
    expect(toBpfAsm([instruction])).toBe(asm));

  it.each([
    [op.jumpIf('ne', 0xc000003e, 3, 0), 'jeq #0xc000003e, 0, 3'],
    [op.jumpIf('lt', 10, 1, 2), 'jge #0xa, 2, 1'],
    [op.jumpIf('le', 10, 1, 2), 'jgt #0xa, 2, 1'],
    [op.jumpIfX('notset', 4, 0), 'jset x, 0, 4'],
    [op.raw(0x94, 0, 0, 3), 'mod #0x3'],
    [op.raw(0x9c, 0, 0, 0), 'mod x'],
    [op.raw(0x28, 0, 0, 12), 'ldh [12]'],
    [op.raw(0x30, 0, 0, 1), 'ldb [1]'],
    [op.raw(0x40, 0, 0, 4), 'ld [x + 4]'],
    [op.raw(0x50, 0, 0, 4), 'ldb [x + 4]'],
    [op.raw(0xb1, 0, 0, 14), 'ldxb 4*([14]&0xf)'],
    [op.raw(0x0e, 0, 0, 0), 'ret x'],
    [op.raw(0x06, 1, 0, 0x7fff0000), 'raw 0x6, 1, 0, 0x7fff0000'],
    [op.raw(0x0c, 0, 0, 1), 'raw 0xc, 0, 0, 0x1'],
    [op.raw(0x80, 0, 0, 64), 'raw 0x80, 0, 0, 0x40'],
    [op.raw(0x1234, 0, 0, 0), 'raw 0x1234, 0, 0, 0x0'],
    [op.raw(0x21, 0, 0, 4), 'raw 0x21, 0, 0, 0x4'],
  ])('writes %o as "%s"', (instruction, asm) => expect(toBpfAsm([instruction])).toBe(asm));

  it('joins lines with newlines', () => {
    expect(toBpfAsm([op.load(4), op.jumpIf('eq', 0xc000003e, 1, 0), op.ret(0), op.ret(0x7fff0000)])).toBe(
      'ld [4]\njeq #0xc000003e, 1, 0\nret #0x0\nret #0x7fff0000',
    );
  });
});
