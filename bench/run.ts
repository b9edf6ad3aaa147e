/**
 * The benchmark's measurements for one policy: static metrics of each filter,
 * front-end timings, and the kernel's cost per call under each filter.
 */
import { archTable } from '../src/arch/index.js';
import { Emulator } from '../src/bpf/index.js';
import { AuditArch } from '../src/bpf/seccomp.js';
import { syscallNumber } from './policies/build.js';
import { measureFrontEnd, type FrontEndResult } from './measure/frontEnd.js';
import { allowedInputs, argumentFreeAllowed } from './measure/allowed.js';
import { chainCopies, copiesFor, timeKernelCase, type KernelTiming, type KernelWorkspace } from './measure/kernel.js';
import { builders, measureVariant, VARIANT_NAMES, type Built, type VariantMetrics, type VariantName } from './measure/variants.js';
import type { BenchPolicy, KernelCase } from './policies/types.js';

/** KernelColumn is a variant or the run without any filter. */
export type KernelColumn = 'none' | VariantName;

/** KernelCaseResult is one timed syscall under every filter, or why it could not be timed. */
export interface KernelCaseResult {
  readonly label: string;
  readonly kind: KernelCase['kind'];
  /** steps are the instructions each filter runs for this call, in the emulator (pointers read as 0). */
  readonly steps: Partial<Record<VariantName, number>>;
  readonly timings?: Partial<Record<KernelColumn, KernelTiming>>;
  readonly error?: string;
}

/** PolicyResult is everything measured for one policy. */
export interface PolicyResult {
  readonly id: string;
  readonly title: string;
  readonly allowedInputs: number;
  readonly argumentFree: number;
  readonly variants: Partial<Record<VariantName, VariantMetrics>>;
  readonly frontEnd: FrontEndResult;
  readonly kernel: readonly KernelCaseResult[];
  readonly kernelNote: string;
  readonly notes: readonly string[];
}

/** RunOptions say where the repository is and how (or whether) to time the kernel. */
export interface RunOptions {
  readonly root: string;
  /** kernel is undefined when kernel timing is unavailable; kernelSkipReason then says why. */
  readonly kernel?: { readonly workspace: KernelWorkspace; readonly iterations: number; readonly repeats: number; readonly copies: number };
  readonly kernelSkipReason?: string;
}

function emulatedSteps(entry: KernelCase, built: Partial<Record<VariantName, Built>>): Partial<Record<VariantName, number>> {
  const args = entry.args.map((value) => (value === 'buffer' ? 0n : value));
  const data = { nr: syscallNumber(entry.syscall), arch: AuditArch.x86_64, args };
  const steps: Partial<Record<VariantName, number>> = {};
  for (const [name, filter] of Object.entries(built) as [VariantName, Built][]) steps[name] = Emulator.create(filter.bytes).run(data).steps;
  return steps;
}

function timeKernel(policy: BenchPolicy, built: Partial<Record<VariantName, Built>>, options: RunOptions): KernelCaseResult[] {
  const kernel = options.kernel;
  const filters: Record<string, string | undefined> = { none: undefined };
  // Every variant chains the same number of copies, so their costs compare.
  const copies = copiesFor(Object.values(built).map((filter) => filter.bytes.length / 8), kernel?.copies ?? 1);
  if (kernel) {
    for (const [name, filter] of Object.entries(built)) {
      filters[name] = kernel.workspace.writeFilter(`${policy.id}-${name}`, chainCopies(filter.bytes, copies));
    }
  }
  return policy.kernelCases.map((entry) => {
    const base = { label: entry.label, kind: entry.kind, steps: emulatedSteps(entry, built) };
    if (!kernel) return { ...base, error: options.kernelSkipReason ?? 'not run' };
    try {
      // Fewer copies leave more noise per evaluation: make up with more runs.
      const repeats = Math.ceil((kernel.repeats * kernel.copies) / copies);
      return { ...base, timings: timeKernelCase(kernel.workspace, entry, filters, kernel.iterations, repeats, copies) };
    } catch (error) {
      return { ...base, error: error instanceof Error ? error.message : String(error) };
    }
  });
}

/** measurePolicy measures one policy with every available compiler. */
export function measurePolicy(policy: BenchPolicy, options: RunOptions): PolicyResult {
  const table = archTable('x86_64');
  const maxNumber = Math.max(...table.syscalls.map((entry) => entry.number));
  const allowed = allowedInputs(policy.model).map((input) => input.data);
  const argumentFree = argumentFreeAllowed(policy.model);
  const inputs = { model: policy.model, allowed, argumentFree, maxNumber };
  const variants: Partial<Record<VariantName, VariantMetrics>> = {};
  const built: Partial<Record<VariantName, Built>> = {};
  const available = builders();
  for (const name of VARIANT_NAMES) {
    const build = available[name];
    if (!build) continue;
    const measured = measureVariant(build, inputs);
    variants[name] = measured.metrics;
    built[name] = measured.built;
  }
  return {
    id: policy.id,
    title: policy.title,
    allowedInputs: allowed.length,
    argumentFree: argumentFree.length,
    variants,
    frontEnd: measureFrontEnd(options.root, policy.frontEnd, policy.model),
    kernel: timeKernel(policy, built, options),
    kernelNote: policy.kernelNote,
    notes: policy.notes ?? [],
  };
}
