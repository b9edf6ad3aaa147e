/**
 * The three filters compared for each policy: ours (compileModel) and
 * libseccomp's at its two optimization levels, each measured the same way.
 */
import { disassemble } from '../../src/bpf/index.js';
import type { Instruction } from '../../src/bpf/index.js';
import { AuditArch } from '../../src/bpf/seccomp.js';
import { compileModel } from '../../src/codegen/index.js';
import type { RuleModel } from '../../src/ir/model.js';
import { buildWithLibseccomp, libseccompAvailable } from '../../test/support/libseccomp.js';
import type { SeccompData } from '../../src/bpf/seccomp.js';
import { allowedSteps, cacheShare, everyNumberSteps } from './steps.js';
import type { AllowedSteps, CacheShare, StepSummary } from './steps.js';
import { timeMedian, type Timing } from './timing.js';

/** VariantName names a compiler configuration. */
export type VariantName = 'ours' | 'linear' | 'tree';

/** VARIANT_NAMES in column order. */
export const VARIANT_NAMES: readonly VariantName[] = ['ours', 'linear', 'tree'];

/** VARIANT_TITLES are the column headings. */
export const VARIANT_TITLES: Readonly<Record<VariantName, string>> = {
  ours: 'ours',
  linear: 'lsc linear',
  tree: 'lsc tree',
};

/** Built is one compiled filter: its bytes and typed instructions. */
export interface Built {
  readonly bytes: Uint8Array;
  readonly instructions: readonly Instruction[];
}

/** VariantMetrics are the static measurements of one filter. */
export interface VariantMetrics {
  readonly length: number;
  readonly allowed: AllowedSteps;
  readonly everyNumber: StepSummary;
  readonly cache: CacheShare;
  /** build is the median time of compileModel (ours) or of libseccomp's build and export. */
  readonly build: Timing;
}

/** builders returns a build function per variant; the libseccomp ones only when it can be loaded. */
export function builders(): Partial<Record<VariantName, (model: RuleModel) => Built>> {
  const ours = (model: RuleModel): Built => {
    const compiled = compileModel(model);
    return { bytes: compiled.bytes, instructions: compiled.instructions };
  };
  if (!libseccompAvailable().ok) return { ours };
  const withLibseccomp = (optimize: 1 | 2) => (model: RuleModel): Built => {
    const bytes = buildWithLibseccomp(model, { optimize });
    return { bytes, instructions: disassemble(bytes).instructions };
  };
  return { ours, linear: withLibseccomp(1), tree: withLibseccomp(2) };
}

/** MeasureInputs are what every variant of one policy is measured on. */
export interface MeasureInputs {
  readonly model: RuleModel;
  readonly allowed: readonly SeccompData[];
  readonly argumentFree: readonly number[];
  readonly maxNumber: number;
}

/** measureVariant builds one filter, times its build, and measures it. */
export function measureVariant(build: (model: RuleModel) => Built, inputs: MeasureInputs): { built: Built; metrics: VariantMetrics } {
  const built = build(inputs.model);
  const program = [...built.instructions];
  const metrics: VariantMetrics = {
    length: built.instructions.length,
    allowed: allowedSteps(program, inputs.allowed),
    everyNumber: everyNumberSteps(program, AuditArch.x86_64, inputs.maxNumber),
    cache: cacheShare(program, AuditArch.x86_64, inputs.argumentFree),
    build: timeMedian(() => build(inputs.model), { warmup: 10, budgetMs: 250 }),
  };
  return { built, metrics };
}
