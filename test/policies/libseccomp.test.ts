import { describe, expect, it } from 'vitest';
import { Emulator } from '../../src/bpf/emulator.js';
import { compileModel } from '../../src/codegen/index.js';
import type { RuleModel } from '../../src/ir/model.js';
import { explainDifference, LIBSECCOMP_READING, runFilter } from '../differential/judge.js';
import { compareWithKernel } from '../kernel/oracle.js';
import { kernelAvailable } from '../support/kernel.js';
import { buildWithLibseccomp, libseccompAvailable } from '../support/libseccomp.js';
import { Prng } from '../support/prng.js';
import { randomInputs } from '../support/random-model.js';
import { evaluateModel } from '../support/reference-eval.js';
import { shippedPolicy, sptParams } from './load.js';

const MiB = 1024 * 1024;
const SHIPPED: [string, () => RuleModel][] = [
  ['solo5-spt, core', () => shippedPolicy('solo5-spt.policy').model(sptParams(4, 5))],
  ['solo5-spt, one block', () => shippedPolicy('solo5-spt.policy').model(sptParams(5, 6, [{ fd: 4, block_size: 512, capacity: 4 * MiB }]))],
  ['solo5-spt, block and net', () => shippedPolicy('solo5-spt.policy').model(sptParams(6, 7, [{ fd: 4, block_size: 512, capacity: 4 * MiB }], [5]))],
  [
    'solo5-spt, three blocks',
    () =>
      shippedPolicy('solo5-spt.policy').model(
        sptParams(7, 8, [
          { fd: 4, block_size: 512, capacity: 4 * MiB },
          { fd: 5, block_size: 4096, capacity: 1024 * MiB },
          { fd: 6, block_size: 512, capacity: 512 },
        ]),
      ),
  ],
  ['nabla', () => shippedPolicy('nabla.policy').model({ pollfds: 0x7fff_0000, poll_entries: 1, disks: [4], taps: [5] })],
  ['examples/deny-errno', () => shippedPolicy('examples/deny-errno.policy').model()],
  ['examples/node-server', () => shippedPolicy('examples/node-server.policy').model()],
];

// Policies whose rules libseccomp's API cannot state, and why; the reference
// evaluator still judges our filter for them below.
const LIBSECCOMP_CANNOT = new Map([
  ['examples/deny-errno', /one comparison per argument/],
]);

const libseccomp = libseccompAvailable();
describe.skipIf(!libseccomp.ok)(`shipped policies against libseccomp${libseccomp.ok ? '' : ` (skipped: ${libseccomp.reason})`}`, () => {
  it.each(SHIPPED.filter(([name]) => !LIBSECCOMP_CANNOT.has(name)))('%s: the same action everywhere but on explained inputs', (name, build) => {
    const model = build();
    const ours = Emulator.create(shippedCompile(model));
    const theirs = [1, 2].map((optimize) => Emulator.create(buildWithLibseccomp(model, { optimize: optimize as 1 | 2 })));
    const inputs = randomInputs(new Prng(name.length * 7919), model, 3000);
    const causes = new Map<string, number>();
    const problems: string[] = [];
    for (const input of inputs) {
      const mine = runFilter(ours, input);
      expect(mine.ret).toBe(evaluateModel(model, input).ret);
      for (const filter of theirs) {
        const verdict = runFilter(filter, input);
        expect(verdict.ret).toBe(evaluateModel(model, input, LIBSECCOMP_READING).ret);
        if (verdict.ret === mine.ret) continue;
        const cause = explainDifference(model, input, mine);
        if (cause === undefined) problems.push(JSON.stringify(input, (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v)));
        else causes.set(cause, (causes.get(cause) ?? 0) + 1);
      }
    }
    console.log(`${name}: ${inputs.length} inputs × 2 libseccomp levels; differences by cause: ${JSON.stringify(Object.fromEntries(causes))}`);
    expect(problems).toEqual([]);
  });
});

describe('shipped policies libseccomp cannot express', () => {
  it.each(SHIPPED.filter(([name]) => LIBSECCOMP_CANNOT.has(name)))('%s: libseccomp refuses it, the reference evaluator agrees with us', (name, build) => {
    const model = build();
    if (libseccomp.ok) expect(() => buildWithLibseccomp(model)).toThrow(LIBSECCOMP_CANNOT.get(name)!);
    const ours = Emulator.create(shippedCompile(model));
    for (const input of randomInputs(new Prng(name.length * 31), model, 3000)) {
      expect(runFilter(ours, input).ret).toBe(evaluateModel(model, input).ret);
    }
  });
});

const kernel = kernelAvailable();
describe.skipIf(!kernel.ok)(`shipped policies in the kernel${kernel.ok ? '' : ` (skipped: ${kernel.reason})`}`, () => {
  it.each(SHIPPED)('%s: a sample decided as in the emulator', (name, build) => {
    const model = build();
    const inputs = randomInputs(new Prng(name.length * 104729), model, 60)
      .filter((input) => input.arch >>> 0 === 0xc000003e && ![335, 336].includes(input.nr >>> 0))
      .map((input) => ({ nr: input.nr, args: input.args ?? [] }));
    const result = compareWithKernel({ name, program: shippedInstructions(model), inputs });
    expect(result.compared).toBeGreaterThan(20);
    expect(result.disagreements).toEqual([]);
  });
});

function shippedCompile(model: RuleModel): Uint8Array {
  return compileModel(model).bytes;
}
function shippedInstructions(model: RuleModel) {
  return compileModel(model).instructions;
}
