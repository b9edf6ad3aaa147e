import { describe, expect, it } from 'vitest';
import { Emulator, EmulatorError, op, type Program } from '../../src/bpf/index.js';
import { ANY } from './emulatorHelpers.js';

/** refuses: Emulator.create throws EmulatorError carrying the validation failure. */
const refuses = (program: Program | Uint8Array, index: number, code: string): void => {
  let caught: unknown;
  try {
    Emulator.create(program);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(EmulatorError);
  expect((caught as EmulatorError).validation).toMatchObject({ ok: false, index, code });
};

describe('Emulator.create validates first', () => {
  it('refuses a jump past the end', () => refuses([op.jumpIf('eq', 0, 5, 0), op.ret(0)], 0, 'E_BRANCH_OUT_OF_RANGE'));
  it('refuses a missing final return', () => refuses([op.load(0)], 0, 'E_MISSING_RETURN'));
  it('refuses a bad scratch slot', () => refuses([op.raw(0x02, 0, 0, 16), op.ret(0)], 0, 'E_SCRATCH_SLOT'));
  it('refuses a misaligned load', () => refuses([op.load(6), op.ret(0)], 0, 'E_LOAD_MISALIGNED'));
  it('refuses an out-of-bounds load', () => refuses([op.load(64), op.ret(0)], 0, 'E_LOAD_OUT_OF_BOUNDS'));
  it('refuses an unwritten scratch read', () => refuses([op.loadScratch('A', 2), op.retA()], 0, 'E_UNINITIALIZED_SCRATCH'));
  it('refuses BPF_MOD', () => refuses([op.raw(0x94, 0, 0, 2), op.retA()], 0, 'E_NOT_SECCOMP_OPCODE'));
  it('refuses truncated bytes', () => refuses(new Uint8Array(4), 0, 'E_TRUNCATED'));
  it('says why in its message', () =>
    expect(() => Emulator.create([])).toThrow(/refuse this filter: instruction 0: a filter needs at least one instruction \(E_EMPTY\)/));
  it('runs the same emulator many times', () => {
    const emulator = Emulator.create([op.load(0), op.jumpIf('eq', 3, 0, 1), op.ret(0x7fff0000), op.ret(0)]);
    expect([3, 4, 3].map((nr) => emulator.run({ ...ANY, nr }).action)).toEqual(['allow', 'kill_thread', 'allow']);
  });
});
