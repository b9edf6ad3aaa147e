import { describe, expect, it } from 'vitest';
import { op } from '../../src/bpf/instructions.js';
import { ActionValue, AuditArch, SeccompDataOffset } from '../../src/bpf/seccomp.js';
import { allowedSteps, cacheShare, everyNumberSteps, summarizeSteps } from '../../bench/measure/steps.js';

const ALLOW = ActionValue.allow;
const DENY = (ActionValue.errno | 1) >>> 0;
const X86_64 = AuditArch.x86_64;

/**
 * nr 1 -> allow after 3 steps; nr 2 -> allow after 4 steps; nr 4 loads
 * args[0] and allows only when it is 7 (7 steps); anything else -> errno.
 */
const PROGRAM = [
  op.load(SeccompDataOffset.nr), // 0
  op.jumpIf('eq', 1, 0, 1), // 1: nr == 1 ? 2 : 3
  op.ret(ALLOW), // 2
  op.jumpIf('eq', 2, 0, 1), // 3: nr == 2 ? 4 : 5
  op.ret(ALLOW), // 4
  op.jumpIf('eq', 4, 0, 3), // 5: nr == 4 ? 6 : 9
  op.load(SeccompDataOffset.argLow(0)), // 6
  op.jumpIf('eq', 7, 0, 1), // 7: a0 == 7 ? 8 : 9
  op.ret(ALLOW), // 8
  op.ret(DENY), // 9
];

const input = (nr: number, args: bigint[] = []) => ({ nr, arch: X86_64, args });

describe('summarizeSteps', () => {
  it('gives count, mean and max', () => {
    expect(summarizeSteps([1, 2, 6])).toEqual({ count: 3, mean: 3, max: 6 });
  });
  it('gives zeros for no steps', () => {
    expect(summarizeSteps([])).toEqual({ count: 0, mean: 0, max: 0 });
  });
});

describe('allowedSteps', () => {
  it('counts the steps of each allowed input, the final return included', () => {
    const result = allowedSteps(PROGRAM, [input(1), input(2), input(4, [7n])]);
    expect(result).toEqual({ count: 3, mean: (3 + 4 + 7) / 3, max: 7, refused: [] });
  });

  it('leaves out and lists inputs the program does not allow', () => {
    const result = allowedSteps(PROGRAM, [input(1), input(4, [8n]), input(3)]);
    expect(result.count).toBe(1);
    expect(result.mean).toBe(3);
    expect(result.refused).toEqual(['4(8) -> errno', '3() -> errno']);
  });
});

describe('everyNumberSteps', () => {
  it('runs every number from 0 with zero arguments', () => {
    const summary = everyNumberSteps(PROGRAM, X86_64, 4);
    // 0 -> ld, jeq, jeq, jeq, ret = 5; 1 -> 3; 2 -> 4; 3 -> 5; 4 -> ld, jeq, jeq, jeq, ld, jeq, ret = 7.
    expect(summary).toEqual({ count: 5, mean: (5 + 3 + 4 + 5 + 7) / 5, max: 7 });
  });
});

describe('cacheShare', () => {
  it('counts numbers allowed without reading arguments as cacheable', () => {
    expect(cacheShare(PROGRAM, X86_64, [1, 2, 4])).toEqual({ cached: 2, total: 3, uncached: [4] });
  });

  it('counts nothing as cacheable under another arch', () => {
    const checked = [op.load(SeccompDataOffset.arch), op.jumpIf('eq', X86_64, 0, 1), op.ret(ALLOW), op.ret(DENY)];
    expect(cacheShare(checked, AuditArch.aarch64, [1, 2])).toEqual({ cached: 0, total: 2, uncached: [1, 2] });
    expect(cacheShare(checked, X86_64, [1, 2]).cached).toBe(2);
  });
});
