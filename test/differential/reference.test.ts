/**
 * Our compiler against the reference evaluator on models libseccomp cannot
 * express: mixed actions in first-match order, nested and/or/not, masked
 * orderings, trap and trace data, more arches. Every input must agree.
 */
import { describe, expect, it } from 'vitest';
import { Emulator, validate } from '../../src/bpf/index.js';
import { compileModel } from '../../src/codegen/index.js';
import { Prng } from '../support/prng.js';
import { randomInputs, randomModel } from '../support/random-model.js';
import { evaluateModel } from '../support/reference-eval.js';
import { describeInput, runFilter } from './judge.js';
import { planForLibseccomp } from '../support/libseccomp-plan.js';

const MODEL_COUNT = 400;
const INPUTS_PER_MODEL = 60;
const FIRST_SEED = 0x9e0000;

describe('differential: ours vs the reference evaluator', () => {
  it('decides every input of every general model as the model means', () => {
    const failures: string[] = [];
    let inputs = 0;
    let beyondLibseccomp = 0;
    for (let offset = 0; offset < MODEL_COUNT; offset++) {
      const seed = FIRST_SEED + offset;
      const rng = new Prng(seed);
      const model = randomModel(rng, { family: 'general' });
      if (!expressible(model)) beyondLibseccomp++;
      const bytes = compileModel(model).bytes;
      const checked = validate(bytes);
      if (!checked.ok) {
        failures.push(`seed ${seed}: the kernel would refuse our program: ${checked.message}`);
        continue;
      }
      const filter = Emulator.create(bytes);
      for (const input of randomInputs(rng, model, INPUTS_PER_MODEL)) {
        inputs++;
        const ours = runFilter(filter, input);
        const expected = evaluateModel(model, input);
        if (ours.ret !== expected.ret) {
          failures.push(`seed ${seed}, ${describeInput(input)}: ours 0x${ours.ret.toString(16)}, reference 0x${expected.ret.toString(16)}`);
        }
      }
    }
    console.log(
      `reference differential: ${MODEL_COUNT} general models (${beyondLibseccomp} beyond libseccomp), ` +
        `${inputs} inputs, ${inputs - failures.length} agreements, ${failures.length} failures`,
    );
    expect(failures.slice(0, 10)).toEqual([]);
    // The family must actually leave libseccomp's subset, or it tests nothing new.
    expect(beyondLibseccomp).toBeGreaterThan(MODEL_COUNT / 2);
  });
});

function expressible(model: Parameters<typeof planForLibseccomp>[0]): boolean {
  try {
    planForLibseccomp(model);
    return true;
  } catch {
    return false;
  }
}
