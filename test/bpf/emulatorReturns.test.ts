import { describe, expect, it } from 'vitest';
import { type ActionName, emulate, op } from '../../src/bpf/index.js';
import { ANY } from './emulatorHelpers.js';

describe('emulator returns', () => {
  it.each([
    [0x7fff0000, 'allow', 0],
    [0x80000000, 'kill_process', 0],
    [0x00000000, 'kill_thread', 0],
    [0x00030005, 'trap', 5],
    [0x00050001, 'errno', 1],
    [0x0005ffff, 'errno', 0xffff],
    [0x7fc00000, 'notify', 0],
    [0x7ff00007, 'trace', 7],
    [0x7ffc0000, 'log', 0],
    [0x00010000, 'kill_process', 0],
    [0xffffffff, 'kill_process', 0xffff],
  ] as [number, ActionName, number][])('ret #%#x is %s with data %i', (value, action, data) => {
    expect(emulate([op.ret(value)], ANY)).toEqual({ ret: value, action, data, steps: 1 });
  });

  it('ret a returns A', () =>
    expect(emulate([op.loadConstant('A', 0x00050002), op.retA()], ANY)).toEqual({ ret: 0x00050002, action: 'errno', data: 2, steps: 2 }));
  it('ret #k with jt set in the bytes still returns k', () =>
    expect(emulate([op.raw(0x06, 1, 1, 0x7fff0000)], ANY).action).toBe('allow'));
  it('runs bytes as well as typed programs', () => {
    const bytes = Uint8Array.from([0x06, 0, 0, 0, 0x01, 0x00, 0x05, 0x00]);
    expect(emulate(bytes, ANY)).toEqual({ ret: 0x00050001, action: 'errno', data: 1, steps: 1 });
  });
});
