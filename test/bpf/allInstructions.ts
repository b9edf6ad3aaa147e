/**
 * allInstructions: every opcode the seccomp checker accepts, once, as a typed
 * instruction with its expected opcode and bpf_asm text. The same program, in
 * the same order, is written with the kernel's macros in
 * fixtures/all-instructions.c, whose output is fixtures/all-instructions.hex.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Instruction, op } from '../../src/bpf/index.js';

/** One row: the instruction, its 16-bit opcode, and its bpf_asm line. */
export type Row = readonly [instruction: Instruction, code: number, asm: string];

export const allInstructions: readonly Row[] = [
  [op.load(4), 0x20, 'ld [4]'],
  [op.loadLength('A'), 0x80, 'ld #len'],
  [op.loadLength('X'), 0x81, 'ldx #len'],
  [op.loadConstant('A', 7), 0x00, 'ld #0x7'],
  [op.loadConstant('X', 7), 0x01, 'ldx #0x7'],
  [op.loadScratch('A', 3), 0x60, 'ld M[3]'],
  [op.loadScratch('X', 3), 0x61, 'ldx M[3]'],
  [op.store('A', 3), 0x02, 'st M[3]'],
  [op.store('X', 3), 0x03, 'stx M[3]'],
  [op.alu('add', 5), 0x04, 'add #0x5'],
  [op.alu('sub', 5), 0x14, 'sub #0x5'],
  [op.alu('mul', 5), 0x24, 'mul #0x5'],
  [op.alu('div', 5), 0x34, 'div #0x5'],
  [op.alu('or', 5), 0x44, 'or #0x5'],
  [op.alu('and', 5), 0x54, 'and #0x5'],
  [op.alu('lsh', 5), 0x64, 'lsh #0x5'],
  [op.alu('rsh', 5), 0x74, 'rsh #0x5'],
  [op.alu('xor', 5), 0xa4, 'xor #0x5'],
  [op.aluX('add'), 0x0c, 'add x'],
  [op.aluX('sub'), 0x1c, 'sub x'],
  [op.aluX('mul'), 0x2c, 'mul x'],
  [op.aluX('div'), 0x3c, 'div x'],
  [op.aluX('or'), 0x4c, 'or x'],
  [op.aluX('and'), 0x5c, 'and x'],
  [op.aluX('lsh'), 0x6c, 'lsh x'],
  [op.aluX('rsh'), 0x7c, 'rsh x'],
  [op.aluX('xor'), 0xac, 'xor x'],
  [op.negate(), 0x84, 'neg'],
  [op.jump(1), 0x05, 'ja 1'],
  [op.jumpIf('eq', 0xc000003e, 1, 2), 0x15, 'jeq #0xc000003e, 1, 2'],
  [op.jumpIf('gt', 0xc000003e, 1, 2), 0x25, 'jgt #0xc000003e, 1, 2'],
  [op.jumpIf('ge', 0xc000003e, 1, 2), 0x35, 'jge #0xc000003e, 1, 2'],
  [op.jumpIf('set', 0xc000003e, 1, 2), 0x45, 'jset #0xc000003e, 1, 2'],
  [op.jumpIfX('eq', 1, 2), 0x1d, 'jeq x, 1, 2'],
  [op.jumpIfX('gt', 1, 2), 0x2d, 'jgt x, 1, 2'],
  [op.jumpIfX('ge', 1, 2), 0x3d, 'jge x, 1, 2'],
  [op.jumpIfX('set', 1, 2), 0x4d, 'jset x, 1, 2'],
  [op.tax(), 0x07, 'tax'],
  [op.txa(), 0x87, 'txa'],
  [op.ret(0x7fff0000), 0x06, 'ret #0x7fff0000'],
  [op.retA(), 0x16, 'ret a'],
];

/** referenceBytes reads fixtures/all-instructions.hex, the C compiler's encoding. */
export function referenceBytes(): Uint8Array {
  const text = readFileSync(fileURLToPath(new URL('./fixtures/all-instructions.hex', import.meta.url)), 'utf8');
  return Uint8Array.from(text.trim().split(/\s+/).map((pair) => Number.parseInt(pair, 16)));
}
