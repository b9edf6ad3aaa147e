import { describe, expect, it } from 'vitest';
import { assemble, canonical, DisassembleError, disassemble, type Instruction, op, type Program } from '../../src/bpf/index.js';
import { allInstructions, referenceBytes } from './allInstructions.js';
import { prng } from './prng.js';

/** bytesOf: eight bytes from the four fields of one sock_filter. */
const bytesOf = (code: number, jt: number, jf: number, k: number): Uint8Array => {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, code, true);
  view.setUint8(2, jt);
  view.setUint8(3, jf);
  view.setUint32(4, k, true);
  return bytes;
};

/** decodesTo: the fields of one encoding and the single instruction they decode to. */
const decodesTo = (fields: [number, number, number, number], instruction: Instruction): void => {
  const { instructions, allDecoded } = disassemble(bytesOf(...fields));
  expect(instructions).toEqual([instruction]);
  expect(allDecoded).toBe(instruction.kind !== 'Raw');
};

/** staysRaw: an encoding the typed layer must keep verbatim. */
const staysRaw = (code: number, jt: number, jf: number, k: number): void => decodesTo([code, jt, jf, k], op.raw(code, jt, jf, k));

describe('disassemble: every opcode seccomp accepts decodes to itself', () => {
  it.each(allInstructions.map(([instruction, , asm]) => [asm, instruction] as const))('%s', (_asm, instruction) => {
    expect(disassemble(assemble([instruction]))).toEqual({ instructions: [instruction], allDecoded: true });
  });

  it('decodes the C compiler reference bytes to the typed table', () => {
    expect(disassemble(referenceBytes()).instructions).toEqual(allInstructions.map(([instruction]) => instruction));
  });
});

describe('disassemble: encodings outside the typed set become Raw', () => {
  it('mod #3', () => staysRaw(0x94, 0, 0, 3));
  it('mod x', () => staysRaw(0x9c, 0, 0, 0));
  it('ldh [2]', () => staysRaw(0x28, 0, 0, 2));
  it('ldb [1]', () => staysRaw(0x30, 0, 0, 1));
  it('ld [x + 4]', () => staysRaw(0x40, 0, 0, 4));
  it('ldxb 4*([14]&0xf)', () => staysRaw(0xb1, 0, 0, 14));
  it('ldx [4] (LDX ABS)', () => staysRaw(0x21, 0, 0, 4));
  it('ret x', () => staysRaw(0x0e, 0, 0, 0));
  it('neg x', () => staysRaw(0x8c, 0, 0, 0));
  it('ja x', () => staysRaw(0x0d, 0, 0, 0));
  it('jump operation 0x50', () => staysRaw(0x55, 0, 0, 0));
  it('code with high byte set', () => staysRaw(0x0106, 0, 0, 0));
  it('ret #k with jt set', () => staysRaw(0x06, 1, 0, 0x7fff0000));
  it('ret #k with jf set', () => staysRaw(0x06, 0, 1, 0x7fff0000));
  it('ret a with k set', () => staysRaw(0x16, 0, 0, 1));
  it('ld [4] with jt set', () => staysRaw(0x20, 1, 0, 4));
  it('ld #len with k set', () => staysRaw(0x80, 0, 0, 64));
  it('add x with k set', () => staysRaw(0x0c, 0, 0, 1));
  it('neg with k set', () => staysRaw(0x84, 0, 0, 1));
  it('ja with jf set', () => staysRaw(0x05, 0, 1, 1));
  it('jeq x with k set', () => staysRaw(0x1d, 1, 0, 5));
  it('tax with k set', () => staysRaw(0x07, 0, 0, 1));
  it('ld M[16]', () => staysRaw(0x60, 0, 0, 16));
  it('st M[16]', () => staysRaw(0x02, 0, 0, 16));
});

describe('disassemble: jumps raise to the typed condition', () => {
  it('jeq 0, 3 raises to ne 3, 0', () => decodesTo([0x15, 0, 3, 7], op.jumpIf('ne', 7, 3, 0)));
  it('jgt 0, 3 raises to le 3, 0', () => decodesTo([0x25, 0, 3, 7], op.jumpIf('le', 7, 3, 0)));
  it('jge 0, 3 raises to lt 3, 0', () => decodesTo([0x35, 0, 3, 7], op.jumpIf('lt', 7, 3, 0)));
  it('jset 0, 3 raises to notset 3, 0', () => decodesTo([0x45, 0, 3, 7], op.jumpIf('notset', 7, 3, 0)));
  it('jset x 0, 3 raises to notset 3, 0', () => decodesTo([0x4d, 0, 3, 0], op.jumpIfX('notset', 3, 0)));
  it('jeq 0, 0 stays eq', () => decodesTo([0x15, 0, 0, 7], op.jumpIf('eq', 7, 0, 0)));
  it('jeq 2, 3 stays eq', () => decodesTo([0x15, 2, 3, 7], op.jumpIf('eq', 7, 2, 3)));
  it('jeq 255, 255 stays eq', () => decodesTo([0x15, 255, 255, 7], op.jumpIf('eq', 7, 255, 255)));
});

describe('canonical', () => {
  const cases: [string, Program, Program][] = [
    ['eq 0, 3 becomes ne 3, 0', [op.jumpIf('eq', 1, 0, 3)], [op.jumpIf('ne', 1, 3, 0)]],
    ['ne 0, 3 becomes eq 3, 0', [op.jumpIf('ne', 1, 0, 3)], [op.jumpIf('eq', 1, 3, 0)]],
    ['lt 0, 2 becomes ge 2, 0', [op.jumpIf('lt', 1, 0, 2)], [op.jumpIf('ge', 1, 2, 0)]],
    ['le 4, 5 becomes gt 5, 4', [op.jumpIf('le', 1, 4, 5)], [op.jumpIf('gt', 1, 5, 4)]],
    ['notset 0, 0 becomes set 0, 0', [op.jumpIfX('notset', 0, 0)], [op.jumpIfX('set', 0, 0)]],
    ['a raw ret becomes ReturnConstant', [op.raw(0x06, 0, 0, 5)], [op.ret(5)]],
    ['a raw jeq becomes JumpIf', [op.raw(0x15, 0, 1, 5)], [op.jumpIf('ne', 5, 1, 0)]],
    ['a raw mod stays Raw', [op.raw(0x94, 0, 0, 5)], [op.raw(0x94, 0, 0, 5)]],
  ];
  it.each(cases)('%s', (_name, program, expected) => expect(canonical(program)).toEqual(expected));

  it('leaves the canonical all-instructions program unchanged', () => {
    const program = allInstructions.map(([instruction]) => instruction);
    expect(canonical(program)).toEqual(program);
  });

  it('is what disassemble(assemble(p)) gives for every condition and offset pair', () => {
    const conditions = ['eq', 'ne', 'gt', 'le', 'ge', 'lt', 'set', 'notset'] as const;
    const offsets = [0, 1, 255];
    const program = conditions.flatMap((condition) =>
      offsets.flatMap((t) => offsets.flatMap((f) => [op.jumpIf(condition, 9, t, f), op.jumpIfX(condition, t, f)])),
    );
    const canonicalForm = canonical(program);
    expect(disassemble(assemble(program)).instructions).toEqual(canonicalForm);
    expect(canonical(canonicalForm)).toEqual(canonicalForm);
  });
});

describe('disassemble: byte round trip', () => {
  const roundTrips = (bytes: Uint8Array): void => {
    expect(Buffer.from(assemble(disassemble(bytes).instructions)).equals(Buffer.from(bytes))).toBe(true);
  };

  it('round-trips 8000 instructions of uniformly random bytes', () => {
    const next = prng(0x5eccc0de);
    roundTrips(Uint8Array.from({ length: 8 * 8000 }, () => next() & 0xff));
  });

  it('round-trips 8000 instructions biased toward typed encodings and ignored fields', () => {
    const next = prng(42);
    const codes = [0x00, 0x01, 0x02, 0x03, 0x05, 0x06, 0x07, 0x15, 0x16, 0x1d, 0x20, 0x60, 0x61, 0x80, 0x81, 0x84, 0x87, 0x94, 0x0c, 0xa4];
    const small = (): number => (next() % 4 === 0 ? next() & 0xff : 0);
    const bytes = new Uint8Array(8 * 8000);
    for (let index = 0; index < 8000; index++) {
      const k = next() % 3 === 0 ? next() : next() % 20;
      bytes.set(bytesOf(codes[next() % codes.length]!, small(), small(), k), index * 8);
    }
    const { instructions } = disassemble(bytes);
    expect(instructions.filter((instruction) => instruction.kind === 'Raw').length).toBeGreaterThan(1000);
    expect(instructions.filter((instruction) => instruction.kind !== 'Raw').length).toBeGreaterThan(1000);
    roundTrips(bytes);
  });

  it('round-trips a view into a larger buffer', () => {
    const buffer = new Uint8Array(24);
    buffer.set(bytesOf(0x06, 0, 0, 1), 8);
    roundTrips(buffer.subarray(8, 16));
    expect(disassemble(buffer.subarray(8, 16)).instructions).toEqual([op.ret(1)]);
  });

  it('decodes no bytes to no instructions', () => expect(disassemble(new Uint8Array(0))).toEqual({ instructions: [], allDecoded: true }));
  it.each([1, 7, 9, 15])('throws DisassembleError for %i bytes', (length) => {
    expect(() => disassemble(new Uint8Array(length))).toThrow(DisassembleError);
  });
});
