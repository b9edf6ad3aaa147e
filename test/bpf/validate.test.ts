import { describe, expect, it } from 'vitest';
import { assemble, op, type Program, validate } from '../../src/bpf/index.js';
import { allInstructions } from './allInstructions.js';

const ALLOW = 0x7fff0000;
const ret = op.ret(ALLOW);
const raw = op.raw;
const many = (count: number): Program => Array.from({ length: count }, () => ret);

/** Rows: name, program, 0-based index of the first refused instruction, code. */
const malformed: [string, Program | Uint8Array, number, string][] = [
  ['an empty program', [], 0, 'E_EMPTY'],
  ['4097 instructions', many(4097), 4096, 'E_TOO_LONG'],
  ['an unknown opcode 0x0106', [raw(0x0106, 0, 0, 0), ret], 0, 'E_UNKNOWN_OPCODE'],
  ['ret x', [op.load(0), raw(0x0e, 0, 0, 0)], 1, 'E_UNKNOWN_OPCODE'],
  ['ldx [4] (LDX ABS)', [raw(0x21, 0, 0, 4), ret], 0, 'E_UNKNOWN_OPCODE'],
  ['neg x', [raw(0x8c, 0, 0, 0), ret], 0, 'E_UNKNOWN_OPCODE'],
  ['ja x', [raw(0x0d, 0, 0, 0), ret], 0, 'E_UNKNOWN_OPCODE'],
  ['div #0', [op.load(0), op.alu('div', 0), ret], 1, 'E_DIVISION_BY_ZERO'],
  ['mod #0 fails as a division before failing as seccomp', [raw(0x94, 0, 0, 0), ret], 0, 'E_DIVISION_BY_ZERO'],
  ['lsh #32', [op.alu('lsh', 32), ret], 0, 'E_SHIFT_TOO_FAR'],
  ['rsh #0xffffffff', [op.alu('rsh', 0xffffffff), ret], 0, 'E_SHIFT_TOO_FAR'],
  ['ld M[16]', [raw(0x60, 0, 0, 16), ret], 0, 'E_SCRATCH_SLOT'],
  ['ldx M[0xffffffff]', [raw(0x61, 0, 0, 0xffffffff), ret], 0, 'E_SCRATCH_SLOT'],
  ['st M[16]', [raw(0x02, 0, 0, 16), ret], 0, 'E_SCRATCH_SLOT'],
  ['stx M[16]', [op.load(0), raw(0x03, 0, 0, 16), ret], 1, 'E_SCRATCH_SLOT'],
  ['ja 1 onto the end', [op.jump(1), ret], 0, 'E_JUMP_OUT_OF_RANGE'],
  ['ja 0xffffffff', [op.jump(0xffffffff), ret], 0, 'E_JUMP_OUT_OF_RANGE'],
  ['ja 0 as the last instruction', [ret, op.jump(0)], 1, 'E_JUMP_OUT_OF_RANGE'],
  ['jeq with jt past the end', [op.jumpIf('eq', 0, 1, 0), ret], 0, 'E_BRANCH_OUT_OF_RANGE'],
  ['jgt with jf past the end', [op.jumpIf('gt', 0, 0, 1), ret], 0, 'E_BRANCH_OUT_OF_RANGE'],
  ['jset x with jt 255 in a short program', [op.jumpIfX('set', 255, 0), ret], 0, 'E_BRANCH_OUT_OF_RANGE'],
  ['a conditional jump as the last instruction', [ret, op.jumpIf('ge', 0, 0, 0)], 1, 'E_BRANCH_OUT_OF_RANGE'],
  ['an unknown ancillary load', [op.load(0xfffff040), ret], 0, 'E_UNKNOWN_ANCILLARY'],
  ['a misaligned ancillary load', [op.load(0xfffff002), ret], 0, 'E_UNKNOWN_ANCILLARY'],
  ['the last instruction is a load', [op.load(4), op.load(0)], 1, 'E_MISSING_RETURN'],
  ['the last instruction is tax', [ret, op.tax()], 1, 'E_MISSING_RETURN'],
  ['reading M[0] never written', [op.loadScratch('A', 0), ret], 0, 'E_UNINITIALIZED_SCRATCH'],
  ['reading M[15] after writing M[14]', [op.store('A', 14), op.loadScratch('X', 15), ret], 1, 'E_UNINITIALIZED_SCRATCH'],
  [
    'reading M[0] written on only one branch',
    [op.load(0), op.jumpIf('eq', 1, 0, 1), op.store('A', 0), op.loadScratch('A', 0), op.retA()],
    3,
    'E_UNINITIALIZED_SCRATCH',
  ],
  [
    'reading M[5] when the ja path wrote M[6]',
    [op.load(0), op.jumpIf('eq', 0, 0, 2), op.store('A', 5), op.jump(1), op.store('A', 6), op.loadScratch('A', 5), op.retA()],
    5,
    'E_UNINITIALIZED_SCRATCH',
  ],
  ['ld [2]', [op.load(2), ret], 0, 'E_LOAD_MISALIGNED'],
  ['ld [63]', [op.load(0), op.load(63), ret], 1, 'E_LOAD_MISALIGNED'],
  ['ld [68]', [op.load(68), ret], 0, 'E_LOAD_OUT_OF_BOUNDS'],
  ['ld [64]', [op.load(64), ret], 0, 'E_LOAD_OUT_OF_BOUNDS'],
  ['a known ancillary load (protocol), outside seccomp_data', [op.load(0xfffff000), ret], 0, 'E_LOAD_OUT_OF_BOUNDS'],
  ['mod #3', [raw(0x94, 0, 0, 3), ret], 0, 'E_NOT_SECCOMP_OPCODE'],
  ['mod x', [op.load(0), raw(0x9c, 0, 0, 0), ret], 1, 'E_NOT_SECCOMP_OPCODE'],
  ['ldh [0]', [raw(0x28, 0, 0, 0), ret], 0, 'E_NOT_SECCOMP_OPCODE'],
  ['ldb [0]', [raw(0x30, 0, 0, 0), ret], 0, 'E_NOT_SECCOMP_OPCODE'],
  ['ld [x + 0]', [raw(0x40, 0, 0, 0), ret], 0, 'E_NOT_SECCOMP_OPCODE'],
  ['ldxb 4*([0]&0xf)', [raw(0xb1, 0, 0, 0), ret], 0, 'E_NOT_SECCOMP_OPCODE'],
  ['classic errors come first: mod at 0, div #0 at 1', [raw(0x94, 0, 0, 3), op.alu('div', 0), ret], 1, 'E_DIVISION_BY_ZERO'],
  ['classic errors come first: misaligned at 0, slot 16 at 1', [op.load(2), raw(0x60, 0, 0, 16), ret], 1, 'E_SCRATCH_SLOT'],
  ['the missing return comes before scratch reads', [op.loadScratch('A', 0), op.load(0)], 1, 'E_MISSING_RETURN'],
  ['scratch reads come before seccomp opcodes', [op.load(2), op.loadScratch('A', 0), ret], 1, 'E_UNINITIALIZED_SCRATCH'],
  ['an unencodable typed jump', [op.jumpIf('eq', 0, 256, 0), ret], 0, 'E_ENCODING'],
  ['bytes that end inside an instruction', new Uint8Array(12), 1, 'E_TRUNCATED'],
];

/** Rows: name and a program the kernel accepts. */
const wellFormed: [string, Program | Uint8Array][] = [
  ['a single return', [ret]],
  ['4096 instructions', many(4096)],
  ['every seccomp opcode once', [op.store('A', 3), ...allInstructions.map(([instruction]) => instruction)]],
  ['ld [60], the last word', [op.load(60), ret]],
  ['lsh #31', [op.alu('lsh', 31), ret]],
  ['div #1', [op.alu('div', 1), ret]],
  ['lsh x with k 40 (k is ignored)', [raw(0x6c, 0, 0, 40), ret]],
  ['div x with k 0 (k is ignored)', [raw(0x3c, 0, 0, 0), ret]],
  ['ret #k with jt set (jt is ignored)', [raw(0x06, 1, 2, ALLOW)]],
  ['ld #len with k set (k is replaced by 64)', [raw(0x80, 0, 0, 5), op.retA()]],
  ['ja with jt and jf far past the end (they are ignored)', [raw(0x05, 200, 200, 0), ret]],
  ['ja onto the last instruction', [op.jump(2), ret, ret, ret]],
  ['jeq with both targets on the last instruction', [op.jumpIf('eq', 0, 1, 1), ret, ret]],
  ['jeq 255 ahead', [op.jumpIf('eq', 0, 255, 0), ...many(256)]],
  ['reading M[0] in dead code after ja', [op.jump(1), op.loadScratch('A', 0), ret]],
  ['reading M[0] written on every path', [op.load(0), op.jumpIf('eq', 1, 0, 2), op.store('A', 0), op.jump(1), op.store('X', 0), op.loadScratch('A', 0), op.retA()]],
  ['ld [4] as bytes', assemble([op.load(4), ret])],
];

describe('validate refuses what the kernel refuses', () => {
  it('has at least 30 malformed programs', () => expect(malformed.length).toBeGreaterThanOrEqual(30));
  it.each(malformed)('%s', (_name, program, index, code) => {
    expect(validate(program)).toMatchObject({ ok: false, index, code });
  });
  it('messages name the instruction', () => {
    expect(validate([op.load(2), ret])).toMatchObject({ message: 'instruction 0: load at offset 2 is not 4-byte aligned' });
  });
});

describe('validate accepts what the kernel accepts', () => {
  it.each(wellFormed)('%s', (_name, program) => expect(validate(program)).toEqual({ ok: true }));
});
