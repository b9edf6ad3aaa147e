import { describe, expect, it } from 'vitest';
import { emulate } from '../../src/bpf/emulator.js';
import { AuditArch, X32_SYSCALL_BIT } from '../../src/bpf/seccomp.js';
import { validate } from '../../src/bpf/validate.js';
import { compileModel } from '../../src/codegen/index.js';
import { referenceLowering } from '../../src/codegen/reference.js';
import { action, argument, compare, or, rule, ruleModel } from '../../src/ir/model.js';
import { Prng } from '../support/prng.js';
import { randomInputs, randomModel } from '../support/random-model.js';
import { evaluateModel } from '../support/reference-eval.js';

describe('the reference lowering and the optimizer agree', () => {
  it('on 400 random models (general family: mixed actions, nesting, several arches), 60 inputs each', () => {
    const rng = new Prng(0x0b5e55ed);
    let inputs = 0;
    let longer = 0;
    for (let m = 0; m < 400; m++) {
      const model = randomModel(rng, { family: 'general' });
      const plain = referenceLowering(model);
      const optimized = compileModel(model).instructions;
      expect(validate(plain), `model ${m}`).toEqual({ ok: true });
      if (plain.length >= optimized.length) longer++;
      for (const input of randomInputs(rng, model, 60)) {
        const expected = evaluateModel(model, input).ret;
        expect(emulate(plain, input).ret, `reference, model ${m}`).toBe(expected);
        expect(emulate(optimized, input).ret, `optimized, model ${m}`).toBe(expected);
        inputs++;
      }
    }
    expect(inputs).toBe(24000);
    // The optimizer is never worse than the plain lowering on almost every model.
    expect(longer).toBeGreaterThan(380);
  });

  it('handles far jumps with trampolines', () => {
    const many = Array.from({ length: 150 }, (_, i) => compare(argument(1, 64), 'eq', (BigInt(i) << 32n) | 3n));
    const model = ruleModel({
      defaultAction: action('errno', 9),
      badArchAction: action('kill_process'),
      arches: [
        { arch: 'x86_64', syscalls: new Map([[1, [rule(action('errno', 1), or(...many))]], [2, [rule(action('errno', 2))]]]) },
        { arch: 'x32', syscalls: new Map([[1 | X32_SYSCALL_BIT, [rule(action('errno', 3))]]]) },
      ],
    });
    const plain = referenceLowering(model);
    expect(plain.length).toBeGreaterThan(600);
    expect(validate(plain)).toEqual({ ok: true });
    for (const [nr, args, data] of [
      [1, [0n, (149n << 32n) | 3n], 1],
      [1, [0n, 3n], 1],
      [1, [0n, 4n], 9],
      [2, [], 2],
      [1 | X32_SYSCALL_BIT, [], 3],
      [2 | X32_SYSCALL_BIT, [], 9],
    ] as const) {
      expect(emulate(plain, { nr, arch: AuditArch.x86_64, args: [...args] }).data).toBe(data);
    }
  });
});
