/**
 * Differential test: our compiler against libseccomp 2.5.4 (both layouts) and
 * the reference evaluator, on seeded random models in libseccomp's
 * expressible subset. On every input:
 * - our verdict must equal the reference evaluator's;
 * - each libseccomp verdict must equal the evaluator's reading of libseccomp
 *   (LIBSECCOMP_READING), unless the same rules built one per filter agree
 *   with that reading: then the merged filter is a libseccomp miscompile,
 *   labelled by whether its path compared a stale accumulator;
 * - where we and libseccomp differ, explainDifference names the departure.
 */
import { describe, expect, it } from 'vitest';
import type { Program } from '../../src/bpf/index.js';
import { Emulator, disassemble, seccompDataWords } from '../../src/bpf/index.js';
import { compileModel } from '../../src/codegen/index.js';
import type { RuleModel } from '../../src/ir/model.js';
import { buildPlanWithLibseccomp, libseccompAvailable, libseccompVersion } from '../support/libseccomp.js';
import type { LibseccompPlan } from '../support/libseccomp-plan.js';
import { planForLibseccomp } from '../support/libseccomp-plan.js';
import { Prng } from '../support/prng.js';
import { randomInputs, randomModel } from '../support/random-model.js';
import { evaluateModel } from '../support/reference-eval.js';
import { ambiguousComparisons, executedIndexes } from './accumulator.js';
import { rulesAloneVerdict } from './rules-alone.js';
import { LIBSECCOMP_READING, describeInput, explainDifference, runFilter } from './judge.js';

const MODEL_COUNT = 500;
const INPUTS_PER_MODEL = 60;
const FIRST_SEED = 0x5ecc0;

const status = libseccompAvailable();
const title = status.ok ? 'differential: ours vs libseccomp' : `differential: ours vs libseccomp (skipped: ${status.reason})`;

describe.skipIf(!status.ok)(title, () => {
  it('is libseccomp 2.5.x, the version the translation was measured on', () => {
    expect(libseccompVersion()).toMatch(/^2\.5\./);
  });

  it('agrees on every input except libseccomp\'s documented departures and miscompiles', () => {
    const failures: string[] = [];
    const reasons = new Map<string, number>();
    const bugs = new Map<string, number>();
    const tally = { inputs: 0, agreements: 0, miscompiledModels: 0, misjudgedInputs: 0 };
    for (let offset = 0; offset < MODEL_COUNT; offset++) {
      const seed = FIRST_SEED + offset;
      const rng = new Prng(seed);
      const model = randomModel(rng, { family: 'libseccomp' });
      const filters = buildAll(model);
      if (filters.linear.stale.size > 0 || filters.tree.stale.size > 0) tally.miscompiledModels++;
      for (const input of randomInputs(rng, model, INPUTS_PER_MODEL)) {
        tally.inputs++;
        const where = `seed ${seed}, ${describeInput(input)}`;
        const expected = evaluateModel(model, input);
        const libseccompExpected = evaluateModel(model, input, LIBSECCOMP_READING);
        const ours = runFilter(filters.ours, input);
        if (ours.ret !== expected.ret) failures.push(`${where}: ours ${hex(ours.ret)}, reference ${hex(expected.ret)}`);
        let libseccompRight = true;
        for (const layout of [filters.linear, filters.tree]) {
          const got = runFilter(layout.filter, input);
          if (got.ret === libseccompExpected.ret) continue;
          libseccompRight = false;
          // libseccomp may stray from its reading only where its rules, built one at a time, do not.
          const alone = rulesAloneVerdict(filters.plan, input, { optimize: layout.optimize });
          if (alone !== libseccompExpected.ret) {
            failures.push(`${where}: libseccomp ${hex(got.ret)}, its reading ${hex(libseccompExpected.ret)}, its rules alone ${alone}`);
            continue;
          }
          const path = executedIndexes(layout.instructions, seccompDataWords(input));
          const bug = path.some((index) => layout.stale.has(index)) ? 'stale accumulator' : 'rule merge';
          bugs.set(bug, (bugs.get(bug) ?? 0) + 1);
        }
        if (!libseccompRight) tally.misjudgedInputs++;
        const linear = runFilter(filters.linear.filter, input);
        if (ours.ret === linear.ret) {
          tally.agreements++;
          continue;
        }
        const reason = libseccompRight ? explainDifference(model, input, ours) : 'libseccomp miscompile';
        if (reason === undefined) failures.push(`${where}: unexplained ours ${hex(ours.ret)} vs libseccomp ${hex(linear.ret)}`);
        else reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    }
    const explained = [...reasons.values()].reduce((sum, count) => sum + count, 0);
    console.log(
      `libseccomp differential: ${MODEL_COUNT} models, ${tally.inputs} inputs, ${tally.agreements} agreements, ` +
        `${explained} explained differences ${JSON.stringify(Object.fromEntries(reasons))}; ` +
        `libseccomp programs with a stale-accumulator comparison: ${tally.miscompiledModels} models; ` +
        `${tally.misjudgedInputs} inputs decided by libseccomp against its own reading, ` +
        `its rules alone agreeing (miscompiles by layout ${JSON.stringify(Object.fromEntries(bugs))}); ${failures.length} failures`,
    );
    expect(failures.slice(0, 10)).toEqual([]);
    expect(tally.agreements + explained).toBe(tally.inputs);
    // The generator aims at the 32-bit edge: if no difference shows up, it has stopped doing so.
    expect(reasons.get('widths (junk)') ?? 0).toBeGreaterThan(0);
    expect(reasons.get('widths (sign-extended)') ?? 0).toBeGreaterThan(0);
  });
});

/** A libseccomp program ready to run, and its comparisons of a stale accumulator. */
interface LibseccompFilter {
  readonly optimize: 1 | 2;
  readonly filter: Emulator;
  readonly instructions: Program;
  readonly stale: ReadonlySet<number>;
}

/** The filters under test for one model. */
function buildAll(model: RuleModel): { ours: Emulator; plan: LibseccompPlan; linear: LibseccompFilter; tree: LibseccompFilter } {
  const plan = planForLibseccomp(model);
  const libseccomp = (optimize: 1 | 2): LibseccompFilter => {
    const bytes = buildPlanWithLibseccomp(plan, { optimize });
    const instructions = disassemble(bytes).instructions;
    return { optimize, filter: Emulator.create(bytes), instructions, stale: new Set(ambiguousComparisons(instructions)) };
  };
  return { ours: Emulator.create(compileModel(model).bytes), plan, linear: libseccomp(1), tree: libseccomp(2) };
}

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16)}`;
}
