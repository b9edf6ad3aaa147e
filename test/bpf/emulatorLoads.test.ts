import { describe, expect, it } from 'vitest';
import { emulate, op, type SeccompData, seccompDataWords } from '../../src/bpf/index.js';
import { ANY, loaded, X86_64 } from './emulatorHelpers.js';

const withArg = (index: number, value: bigint): SeccompData => {
  const args = [0n, 0n, 0n, 0n, 0n, 0n];
  args[index] = value;
  return { nr: 0, arch: X86_64, args };
};

describe('emulator loads from seccomp_data', () => {
  it.each([
    ['nr 59', 0, { nr: 59, arch: X86_64 }, 59],
    ['nr -1 as u32', 0, { nr: -1, arch: X86_64 }, 0xffffffff],
    ['nr with the x32 bit', 0, { nr: 0x40000000 | 1, arch: X86_64 }, 0x40000001],
    ['arch', 4, { nr: 0, arch: X86_64 }, 0xc000003e],
    ['instruction pointer low word', 8, { nr: 0, arch: 0, instructionPointer: 0x1_0000_0002n }, 2],
    ['instruction pointer high word', 12, { nr: 0, arch: 0, instructionPointer: 0x1_0000_0002n }, 1],
    ['instruction pointer defaults to 0', 12, { nr: 0, arch: 0 }, 0],
  ] as [string, number, SeccompData, number][])('%s', (_name, offset, data, expected) => expect(loaded(offset, data)).toBe(expected));

  it.each([
    ['0xffffffff', 0xffffffffn, 0xffffffff, 0],
    ['1 << 32', 1n << 32n, 0, 1],
    ['2^64 - 1', 2n ** 64n - 1n, 0xffffffff, 0xffffffff],
    ['2^64 reduces to 0', 2n ** 64n, 0, 0],
    ['-1 reduces to 2^64 - 1', -1n, 0xffffffff, 0xffffffff],
    ['0x1234567890abcdef', 0x1234567890abcdefn, 0x90abcdef, 0x12345678],
  ] as [string, bigint, number, number][])('arg %s splits into low and high words', (_name, value, low, high) => {
    for (let index = 0; index < 6; index++) {
      expect(loaded(16 + 8 * index, withArg(index, value))).toBe(low);
      expect(loaded(20 + 8 * index, withArg(index, value))).toBe(high);
    }
  });

  it('each arg lands in its own words', () => {
    const data = { nr: 1, arch: 2, instructionPointer: 3n, args: [4n, 5n, 6n, 7n, 8n, 9n] };
    expect(Array.from(seccompDataWords(data))).toEqual([1, 2, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8, 0, 9, 0]);
  });

  it('missing args read as 0', () => expect(loaded(60, { nr: 0, arch: 0, args: [1n] })).toBe(0));
});

describe('emulator other loads', () => {
  it('ld #len is 64', () => expect(emulate([op.loadLength('A'), op.retA()], ANY).ret).toBe(64));
  it('ldx #len is 64', () => expect(emulate([op.loadLength('X'), op.txa(), op.retA()], ANY).ret).toBe(64));
  it('ld #len is 64 even with k set in the bytes', () =>
    expect(emulate([op.raw(0x80, 0, 0, 5), op.retA()], ANY).ret).toBe(64));
  it('ld #0xffffffff', () => expect(emulate([op.loadConstant('A', 0xffffffff), op.retA()], ANY).ret).toBe(0xffffffff));
  it('ldx #7 then txa', () => expect(emulate([op.loadConstant('X', 7), op.txa(), op.retA()], ANY).ret).toBe(7));
});

describe('emulator scratch memory', () => {
  it('st then ld', () =>
    expect(emulate([op.loadConstant('A', 9), op.store('A', 15), op.loadConstant('A', 0), op.loadScratch('A', 15), op.retA()], ANY).ret).toBe(9));
  it('stx then ldx', () => {
    const program = [op.loadConstant('X', 0xfffffffe), op.store('X', 0), op.loadConstant('X', 0), op.loadScratch('X', 0), op.txa(), op.retA()];
    expect(emulate(program, ANY).ret).toBe(0xfffffffe);
  });
  it('slots are independent', () => {
    const program = [op.loadConstant('A', 1), op.store('A', 1), op.loadConstant('A', 2), op.store('A', 2), op.loadScratch('A', 1), op.retA()];
    expect(emulate(program, ANY).ret).toBe(1);
  });
});
