import { describe, expect, it } from 'vitest';
import { AuditArch, X32_SYSCALL_BIT } from '../../src/bpf/seccomp.js';
import { compileModel } from '../../src/codegen/index.js';
import type { Comparison, Condition, Rule } from '../../src/ir/model.js';
import { action, and, argument, compare, not, or, rule, ruleModel, TRUE } from '../../src/ir/model.js';
import { compareWithKernel } from '../kernel/oracle.js';
import type { KernelCase } from '../support/kernel.js';
import { kernelAvailable } from '../support/kernel.js';
import { Prng } from '../support/prng.js';
import { evaluateModel } from '../support/reference-eval.js';

const kernel = kernelAvailable();
const OPS: Comparison[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];
// Harmless numbers whatever the filter says: the harness never lets a call run.
const NUMBERS = [0, 1, 3, 17, 18, 39, 60, 102, 228, 231, 281, 286, 400];

function randomCondition(rng: Prng, depth: number): Condition {
  if (depth <= 0 || rng.chance(0.5)) {
    const width = rng.chance(0.5) ? 32 : 64;
    return compare(argument(rng.int(0, 5), width), rng.pick(OPS), rng.word(width), rng.chance(0.2) ? rng.word(width) : undefined);
  }
  const terms = Array.from({ length: rng.int(1, 3) }, () => randomCondition(rng, depth - 1));
  const roll = rng.int(0, 2);
  return roll === 0 ? and(...terms) : roll === 1 ? or(...terms) : not(terms[0]!);
}

describe.skipIf(!kernel.ok)(`compiled filters decide in the kernel as in the emulator${kernel.ok ? '' : ` (skipped: ${kernel.reason})`}`, () => {
  it('on 40 random models, 25 inputs each, with x32 numbers and upper-half junk', () => {
    const rng = new Prng(7_2026);
    let compared = 0;
    const kinds = new Set<string>();
    for (let m = 0; m < 40; m++) {
      const numbers = rng.sample(NUMBERS, rng.int(1, 5));
      const entries: [number, Rule[]][] = numbers.map((nr) => [
        nr,
        Array.from({ length: rng.int(1, 3) }, () => {
          const act = rng.pick([action('errno', rng.int(1, 37)), action('trap', rng.int(0, 9)), action('allow'), action('kill_thread')]);
          return rule(act, rng.chance(0.2) ? TRUE : randomCondition(rng, 2));
        }),
      ]);
      const model = ruleModel({
        defaultAction: action('errno', 40 + rng.int(0, 9)),
        badArchAction: rng.chance(0.5) ? action('kill_process') : action('errno', 77),
        arches: [{ arch: 'x86_64', syscalls: new Map(entries) }],
      });
      const compiled = compileModel(model);
      const inputs: KernelCase[] = Array.from({ length: 25 }, () => {
        const roll = rng.int(0, 9);
        const nr = roll < 7 ? rng.pick(numbers) : roll < 9 ? (rng.pick(NUMBERS) | X32_SYSCALL_BIT) >>> 0 : 0xffffffff;
        return { nr, args: Array.from({ length: 6 }, () => rng.word(64)) };
      });
      const result = compareWithKernel({ name: `model ${m}`, program: compiled.instructions, inputs });
      expect(result.disagreements, JSON.stringify(result.disagreements.slice(0, 3))).toEqual([]);
      // The kernel's outcome also matches the model's meaning, input by input.
      inputs.forEach((input, i) => {
        const meant = evaluateModel(model, { nr: input.nr, arch: AuditArch.x86_64, args: input.args ?? [] });
        kinds.add(result.kernel[i]!.kind);
        if (meant.action === 'errno') expect(result.kernel[i]).toEqual({ kind: 'errno', errno: meant.data });
      });
      compared += result.compared;
    }
    expect(compared).toBe(1000);
    // The sample exercises every outcome the harness can tell apart.
    expect([...kinds].sort()).toEqual(['errno', 'kill_process', 'kill_thread', 'passed', 'trap']);
  });
});
