import { describe, expect, it } from 'vitest';
import { emulate } from '../../src/bpf/emulator.js';
import { AuditArch } from '../../src/bpf/seccomp.js';
import { compileModel } from '../../src/codegen/index.js';
import type { Condition, Rule, RuleModel } from '../../src/ir/model.js';
import { action, and, argument, compare, or, rule, ruleModel } from '../../src/ir/model.js';
import { Prng } from '../support/prng.js';
import { evaluateModel } from '../support/reference-eval.js';

const model = (rules: Rule[]): RuleModel =>
  ruleModel({
    defaultAction: action('errno', 99),
    badArchAction: action('kill_process'),
    arches: [{ arch: 'x86_64', syscalls: new Map([[17, rules]]) }],
  });

function steps(m: RuleModel, args: bigint[]): number {
  return emulate(compileModel(m).bytes, { nr: 17, arch: AuditArch.x86_64, args }).steps;
}

describe('value dispatch', () => {
  const device = (fd: number, capacity: bigint) =>
    rule(action('allow'), and(compare(argument(0, 32), 'eq', BigInt(fd)), compare(argument(2, 64), 'eq', 512n), compare(argument(3, 64), 'le', capacity - 512n)));

  it('decides 63 pinned fds in a few tests, not one per device', () => {
    const devices = Array.from({ length: 63 }, (_, i) => device(4 + i, BigInt(4 + i) << 20n));
    const m = model(devices);
    const last = steps(m, [66n, 0n, 512n, 0n]);
    const first = steps(m, [4n, 0n, 512n, 0n]);
    // arch, nr, a tree over 63 fds (about 7 tests), count and pos (4 each): a chain would take 126 for the fds alone.
    expect(Math.max(first, last)).toBeLessThanOrEqual(25);
    for (const fd of [3n, 4n, 35n, 66n, 67n, 0x1_0000_0004n]) {
      for (const pos of [0n, ((fd & 0xffn) << 20n) - 512n, (fd & 0xffn) << 20n]) {
        const input = { nr: 17, arch: AuditArch.x86_64, args: [fd, 0n, 512n, pos] };
        expect(emulate(compileModel(m).bytes, input).ret, `fd ${fd} pos ${pos}`).toBe(evaluateModel(m, input).ret);
      }
    }
  });

  it('agrees with the reference on random keyed runs, with repeated values and mixed actions', () => {
    const rng = new Prng(44);
    for (let round = 0; round < 200; round++) {
      const wide = rng.chance(0.3);
      const high = wide ? (rng.chance(0.5) ? 0n : 0x1234n) << 32n : 0n;
      const arg = argument(rng.int(0, 5), wide ? 64 : 32);
      const values = Array.from({ length: rng.int(4, 9) }, () => high | BigInt(rng.int(0, 12)));
      const rules: Rule[] = values.map((value) => {
        const rest: Condition[] = rng.chance(0.6) ? [compare(argument(rng.int(0, 5), 64), rng.pick(['lt', 'ge', 'ne'] as const), rng.word(64))] : [];
        const key = compare(arg, 'eq', value);
        return rule(action('errno', rng.int(1, 9)), and(...(rng.chance(0.5) ? [key, ...rest] : [...rest, key])));
      });
      if (rng.chance(0.3)) rules.push(rule(action('errno', 50)));
      if (rng.chance(0.3)) rules.unshift(rule(action('errno', 60), compare(argument(1, 32), 'eq', 7n)));
      const m = model(rules);
      const { bytes } = compileModel(m);
      for (let i = 0; i < 50; i++) {
        const args = Array.from({ length: 6 }, () => (rng.chance(0.6) ? rng.pick(values) ^ (rng.chance(0.2) ? 1n << 32n : 0n) : rng.word(64)));
        const input = { nr: 17, arch: AuditArch.x86_64, args };
        expect(emulate(bytes, input).ret, `round ${round}`).toBe(evaluateModel(m, input).ret);
      }
    }
  });

  it('decides a large set `fd in {…}` with one switch', () => {
    const set = or(...Array.from({ length: 40 }, (_, i) => compare(argument(0, 32), 'eq', BigInt(i * 3))));
    const m = model([rule(action('allow'), set)]);
    for (const fd of [0n, 3n, 117n, 118n, 120n, 1n]) {
      const input = { nr: 17, arch: AuditArch.x86_64, args: [fd] };
      expect(emulate(compileModel(m).bytes, input).ret).toBe(evaluateModel(m, input).ret);
    }
    expect(steps(m, [117n])).toBeLessThanOrEqual(14);
  });
});
