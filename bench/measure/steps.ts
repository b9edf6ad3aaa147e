/**
 * Instructions executed per syscall, counted by the emulator, and the share
 * of syscalls the kernel's action cache would serve.
 */
import { cacheable, Emulator } from '../../src/bpf/index.js';
import type { Program, SeccompData } from '../../src/bpf/index.js';

/** StepSummary is the mean and maximum of a list of step counts. */
export interface StepSummary {
  readonly count: number;
  readonly mean: number;
  readonly max: number;
}

/** summarizeSteps returns count, mean and max of step counts (zeros for an empty list). */
export function summarizeSteps(steps: readonly number[]): StepSummary {
  if (steps.length === 0) return { count: 0, mean: 0, max: 0 };
  const total = steps.reduce((sum, value) => sum + value, 0);
  return { count: steps.length, mean: total / steps.length, max: Math.max(...steps) };
}

/** AllowedSteps is the step summary over an allowed set, and the inputs the program did not allow. */
export interface AllowedSteps extends StepSummary {
  /** refused lists the inputs the program did not allow, as "nr(args) -> action"; it should be empty. */
  readonly refused: readonly string[];
}

/** allowedSteps runs every input and summarizes the steps; inputs the program refuses are listed, not counted. */
export function allowedSteps(program: Program | Uint8Array, inputs: readonly SeccompData[]): AllowedSteps {
  const emulator = Emulator.create(program);
  const steps: number[] = [];
  const refused: string[] = [];
  for (const input of inputs) {
    const result = emulator.run(input);
    if (result.action === 'allow') steps.push(result.steps);
    else refused.push(`${input.nr}(${(input.args ?? []).join(', ')}) -> ${result.action}`);
  }
  return { ...summarizeSteps(steps), refused };
}

/** everyNumberSteps summarizes the steps for every syscall number 0..maxNumber on `auditArch`, all args zero. */
export function everyNumberSteps(program: Program | Uint8Array, auditArch: number, maxNumber: number): StepSummary {
  const emulator = Emulator.create(program);
  const steps: number[] = [];
  for (let nr = 0; nr <= maxNumber; nr++) steps.push(emulator.run({ nr, arch: auditArch }).steps);
  return summarizeSteps(steps);
}

/** CacheShare counts how many of some syscall numbers the kernel would cache, and which it would not. */
export interface CacheShare {
  readonly cached: number;
  readonly total: number;
  readonly uncached: readonly number[];
}

/** cacheShare predicts the kernel's action cache for each number in `numbers`. */
export function cacheShare(program: Program, auditArch: number, numbers: readonly number[]): CacheShare {
  const uncached = numbers.filter((nr) => !cacheable(program, auditArch, nr));
  return { cached: numbers.length - uncached.length, total: numbers.length, uncached };
}
