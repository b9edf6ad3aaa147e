/**
 * The property runs behind test/property/*.test.ts and `npm run fuzz`: random
 * policy texts through the whole public pipeline (Policy.fromText → bind →
 * Program), each filter judged against the oracles on random `seccomp_data`:
 * - the rule model's meaning (evaluateModel) and the plain lowering
 *   (referenceLowering), on every input;
 * - libseccomp, for policies in its expressible subset: its verdict must be
 *   its own reading of the model (LIBSECCOMP_READING) and any difference from
 *   ours one of its documented departures (explainDifference), or, where its
 *   rules built alone keep to its reading, a miscompile of its own;
 * - the kernel, on a sample.
 * Each run returns counts for a report line; a failing property returns the
 * seed, path and shrunk counterexample fast-check found.
 */
import fc from 'fast-check';
import { Emulator } from '../../src/bpf/emulator.js';
import { AuditArch, X32_SYSCALL_BIT, type SeccompData } from '../../src/bpf/seccomp.js';
import { CodegenError } from '../../src/codegen/index.js';
import { referenceLowering } from '../../src/codegen/reference.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { Policy, type Program } from '../../src/policy.js';
import { PolicySyntaxError } from '../../src/syntax/index.js';
import { explainDifference, LIBSECCOMP_READING } from '../differential/judge.js';
import { rulesAloneVerdict } from '../differential/rules-alone.js';
import { compareWithKernel } from '../kernel/oracle.js';
import type { KernelCase } from '../support/kernel.js';
import { buildPlanWithLibseccomp } from '../support/libseccomp.js';
import { NotExpressibleError, planForLibseccomp } from '../support/libseccomp-plan.js';
import { evaluateModel } from '../support/reference-eval.js';
import { policyCase, seccompInput, type PolicyCase } from './arbitraries.js';

/** RunOptions: the fast-check seed and how many policies and inputs a policy. */
export interface RunOptions {
  readonly seed: number;
  readonly policies: number;
  readonly inputsPerPolicy: number;
}

/** Failure is a falsified property as fast-check reports it, ready to replay. */
export interface Failure {
  readonly seed: number;
  readonly path: string;
  readonly counterexample: string;
  readonly error: string;
}

/** Tally counts what a run did; `disagreements` must stay zero. */
export interface Tally {
  policies: number;
  refused: number;
  inputs: number;
  disagreements: number;
  /** Labelled differences that are not disagreements (libseccomp's departures, its own miscompiles, not expressible). */
  readonly notes: Map<string, number>;
  failure?: Failure;
}

const newTally = (): Tally => ({ policies: 0, refused: 0, inputs: 0, disagreements: 0, notes: new Map() });
const note = (tally: Tally, label: string): void => void tally.notes.set(label, (tally.notes.get(label) ?? 0) + 1);
const hex = (value: number): string => `0x${(value >>> 0).toString(16)}`;

/**
 * compileCase runs the public pipeline; a policy refused with diagnostics (or
 * too large to compile) is counted and gives undefined. A syntax error means
 * the generator printed bad text, and anything else is a crash: both throw.
 */
function compileCase(policy: PolicyCase, tally: Tally): Program | undefined {
  try {
    return Policy.fromText(policy.text, { arch: 'x86_64', file: 'random.policy' }).bind(policy.params);
  } catch (error) {
    if (error instanceof PolicySyntaxError) throw new Error(`generated text does not parse: ${error.message}`);
    if (error instanceof DiagnosticError || error instanceof CodegenError) {
      tally.refused++;
      note(tally, `refused ${error instanceof DiagnosticError ? error.diagnostics[0]?.code : 'codegen'}`);
      return undefined;
    }
    throw error;
  }
}

function report<T>(tally: Tally, details: fc.RunDetails<T>): Tally {
  if (details.failed) {
    tally.failure = {
      seed: details.seed,
      path: details.counterexamplePath ?? '',
      counterexample: fc.stringify(details.counterexample),
      error: String(details.errorInstance),
    };
  }
  return tally;
}

/** runModelProperty: ours, the reference lowering and the model's meaning agree on every input. */
export function runModelProperty(options: RunOptions): Tally {
  const tally = newTally();
  const property = fc.property(policyCase('any'), fc.gen(), (policy, draw) => {
    tally.policies++;
    const program = compileCase(policy, tally);
    if (!program) return;
    const reference = Emulator.create(referenceLowering(program.model));
    for (const input of draw(fc.array, seccompInput(program.model), { minLength: options.inputsPerPolicy, maxLength: options.inputsPerPolicy })) {
      tally.inputs++;
      const expected = evaluateModel(program.model, input).ret;
      const ours = program.run(input).ret;
      const plain = reference.run(input).ret;
      if (ours !== expected || plain !== expected) {
        tally.disagreements++;
        throw new Error(`ours ${hex(ours)}, reference lowering ${hex(plain)}, model ${hex(expected)} on ${JSON.stringify(input, bigintText)}`);
      }
    }
  });
  return report(tally, fc.check(property, { seed: options.seed, numRuns: options.policies }));
}

/** runLibseccompProperty: where libseccomp can express a policy, it differs from us only as documented. */
export function runLibseccompProperty(options: RunOptions): Tally {
  const tally = newTally();
  const property = fc.property(policyCase('libseccomp'), fc.gen(), (policy, draw) => {
    tally.policies++;
    const program = compileCase(policy, tally);
    if (!program) return;
    const model = program.model;
    let plan;
    try {
      plan = planForLibseccomp(model);
    } catch (error) {
      if (!(error instanceof NotExpressibleError)) throw error;
      return void note(tally, 'not expressible in libseccomp');
    }
    const layouts = ([1, 2] as const).map((optimize) => ({ optimize, filter: Emulator.create(buildPlanWithLibseccomp(plan, { optimize })) }));
    for (const input of draw(fc.array, seccompInput(model), { minLength: options.inputsPerPolicy, maxLength: options.inputsPerPolicy })) {
      tally.inputs++;
      const ours = program.run(input);
      const theirReading = evaluateModel(model, input, LIBSECCOMP_READING).ret;
      for (const { optimize, filter } of layouts) {
        const theirs = filter.run(input).ret;
        if (theirs === ours.ret) continue;
        if (theirs !== theirReading) {
          // libseccomp strayed from its own reading: its fault only if its rules, built alone, keep to it.
          if (rulesAloneVerdict(plan, input, { optimize }) === theirReading) note(tally, 'libseccomp miscompile (its rules alone agree)');
          else disagree(tally, `libseccomp (optimize ${optimize}) ${hex(theirs)}, its reading ${hex(theirReading)}`, input);
          continue;
        }
        const reason = explainDifference(model, input, ours);
        if (reason === undefined) disagree(tally, `ours ${hex(ours.ret)}, libseccomp ${hex(theirs)}: unexplained`, input);
        else note(tally, `explained: ${reason}`);
      }
    }
  });
  return report(tally, fc.check(property, { seed: options.seed, numRuns: options.policies }));
}

function disagree(tally: Tally, what: string, input: SeccompData): never {
  tally.disagreements++;
  throw new Error(`${what} on ${JSON.stringify(input, bigintText)}`);
}

/** kernelCase turns an input into a harness case, or undefined where the kernel cannot issue it. */
function kernelCase(input: SeccompData): KernelCase | undefined {
  if (input.arch >>> 0 !== AuditArch.x86_64) return undefined;
  const base = (input.nr & ~X32_SYSCALL_BIT) >>> 0;
  if (base === 335 || base === 336) return undefined; // not filtered on this machine's kernel
  return { nr: input.nr >>> 0, args: input.args ?? [], mode: 'native' };
}

/** runKernelSample: our filters, run by the kernel, do what the emulator (and so the model) says. */
export function runKernelSample(options: RunOptions): Tally {
  const tally = newTally();
  const property = fc.property(policyCase('any'), fc.gen(), (policy, draw) => {
    tally.policies++;
    const program = compileCase(policy, tally);
    if (!program) return;
    const inputs = draw(fc.array, seccompInput(program.model), { minLength: options.inputsPerPolicy, maxLength: options.inputsPerPolicy });
    const cases = inputs.map(kernelCase).filter((entry): entry is KernelCase => entry !== undefined);
    for (const input of inputs) {
      if (program.run(input).ret !== evaluateModel(program.model, input).ret) disagree(tally, 'ours vs the model', input);
    }
    const comparison = compareWithKernel({ name: 'random policy', program: program.instructions, inputs: cases });
    tally.inputs += comparison.compared;
    if (comparison.disagreements.length > 0) {
      tally.disagreements += comparison.disagreements.length;
      throw new Error(`kernel disagrees: ${JSON.stringify(comparison.disagreements.slice(0, 3))}`);
    }
  });
  return report(tally, fc.check(property, { seed: options.seed, numRuns: options.policies }));
}

/** bigintText is a JSON replacer printing bigints as hex. */
export function bigintText(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `0x${value.toString(16)}` : value;
}

/** describeTally prints one report line. */
export function describeTally(pair: string, tally: Tally): string {
  const notes = [...tally.notes].sort(([a], [b]) => a.localeCompare(b)).map(([label, count]) => `${label}: ${count}`).join('; ');
  return `${pair}: ${tally.policies} policies (${tally.refused} refused with diagnostics), ${tally.inputs} inputs, ${tally.disagreements} disagreements${notes ? ` [${notes}]` : ''}`;
}

/** describeFailure prints how to replay a failure. */
export function describeFailure(failure: Failure): string {
  return `seed ${failure.seed}, path "${failure.path}": ${failure.error}\ncounterexample: ${failure.counterexample}`;
}

