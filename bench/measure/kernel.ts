/**
 * The kernel's own cost per syscall under a filter: builds the native loop
 * (bench/native/syscall-loop.c) with cc into a temporary directory and runs
 * it in child processes, one filter per run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { syscallNumber } from '../policies/build.js';
import type { KernelCase } from '../policies/types.js';
import { median } from './timing.js';

/** The loop's source, found from the repository root (the bench runs compiled, from .bench-build/). */
const SOURCE = join(packageRoot(), 'bench', 'native', 'syscall-loop.c');

/** KernelRun is one timed loop: nanoseconds per call and the first call's outcome. */
export interface KernelRun {
  readonly nsPerCall: number;
  readonly firstReturn: number;
  readonly firstErrno: number;
}

/** KernelWorkspace is a built loop binary in a temporary directory; call `dispose` when done. */
export interface KernelWorkspace {
  readonly directory: string;
  readonly binary: string;
  /** writeFilter stores program bytes as a file for the loop and returns its path. */
  writeFilter(name: string, bytes: Uint8Array): string;
  dispose(): void;
}

/** createKernelWorkspace compiles the loop with `cc -O2`; throws when cc fails. */
export function createKernelWorkspace(): KernelWorkspace {
  const directory = mkdtempSync(join(tmpdir(), 'nabla-bench-'));
  const binary = join(directory, 'syscall-loop');
  try {
    execFileSync('cc', ['-O2', '-o', binary, SOURCE], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  return {
    directory,
    binary,
    writeFilter(name, bytes) {
      const path = join(directory, `${name}.bpf`);
      writeFileSync(path, bytes);
      return path;
    },
    dispose() {
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** loopArguments is the command line for one case under one filter file (none when undefined). */
export function loopArguments(kernelCase: KernelCase, filterPath: string | undefined, iterations: number): string[] {
  const words = ['--nr', String(syscallNumber(kernelCase.syscall)), '--iterations', String(iterations)];
  if (filterPath !== undefined) words.push('--filter', filterPath);
  if (kernelCase.memoryFile) words.push('--memory-file', `${kernelCase.memoryFile.fd}:${kernelCase.memoryFile.size}`);
  if (kernelCase.devNull !== undefined) words.push('--dev-null', String(kernelCase.devNull));
  for (const value of kernelCase.args) words.push(value === 'buffer' ? 'buffer' : `0x${value.toString(16)}`);
  return words;
}

/** parseLoopOutput reads the loop's one-line report; throws with its error text. */
export function parseLoopOutput(output: string): KernelRun {
  const fields = new Map(
    output
      .trim()
      .split(/\s+/)
      .map((pair) => pair.split('=', 2) as [string, string]),
  );
  const ns = fields.get('ns_per_call');
  if (ns === undefined) throw new Error(`the syscall loop failed: ${output.trim() || 'no output'}`);
  return { nsPerCall: Number(ns), firstReturn: Number(fields.get('first_return')), firstErrno: Number(fields.get('first_errno')) };
}

/** runLoop runs the loop once in a child process. */
export function runLoop(workspace: KernelWorkspace, kernelCase: KernelCase, filterPath: string | undefined, iterations: number): KernelRun {
  const result = spawnSync(workspace.binary, loopArguments(kernelCase, filterPath, iterations), { encoding: 'utf8', timeout: 30_000 });
  return parseLoopOutput(`${result.stdout ?? ''}${result.error ? ` ${result.error.message}` : ''}`);
}

/**
 * KernelTiming summarizes repeated runs of one case under one filter. The
 * best run is the headline figure: noise (other work, migrations, interrupts)
 * only ever adds time, so the fastest run is the closest to the filter's cost.
 */
export interface KernelTiming {
  readonly bestNsPerCall: number;
  /**
   * The filter's own cost per evaluation: (best with the filter chained
   * `copies` times - best with no filter) / copies. Absent for the run
   * without a filter.
   */
  readonly filterNsPerEvaluation?: number;
  /** How many copies of the filter the timed program chains (0 without a filter). */
  readonly copies: number;
  readonly medianNsPerCall: number;
  readonly samples: readonly number[];
  readonly firstReturn: number;
  readonly firstErrno: number;
}

/**
 * timeKernelCase runs one case under several filters (undefined = no filter),
 * `repeats` rounds interleaved so drift hits every filter alike, and returns
 * each filter's best and median. A failing run (a kill, a setup error) throws.
 */
export function timeKernelCase(
  workspace: KernelWorkspace,
  kernelCase: KernelCase,
  filters: Readonly<Record<string, string | undefined>>,
  iterations: number,
  repeats: number,
  copies = 1,
): Record<string, KernelTiming> {
  const samples = new Map<string, KernelRun[]>(Object.keys(filters).map((name) => [name, []]));
  for (let round = 0; round < repeats; round++) {
    for (const [name, path] of Object.entries(filters)) samples.get(name)!.push(runLoop(workspace, kernelCase, path, iterations));
  }
  const best = (name: string) => Math.min(...samples.get(name)!.map((run) => run.nsPerCall));
  const unfiltered = Object.entries(filters).find(([, path]) => path === undefined)?.[0];
  const timings: Record<string, KernelTiming> = {};
  for (const [name, runs] of samples) {
    const values = runs.map((run) => run.nsPerCall);
    const filtered = filters[name] !== undefined;
    timings[name] = {
      bestNsPerCall: best(name),
      ...(filtered && unfiltered !== undefined ? { filterNsPerEvaluation: (best(name) - best(unfiltered)) / copies } : {}),
      copies: filtered ? copies : 0,
      medianNsPerCall: median(values),
      samples: values,
      firstReturn: runs[0]!.firstReturn,
      firstErrno: runs[0]!.firstErrno,
    };
  }
  return timings;
}

/**
 * pairedDifference is the median, over the interleaved rounds, of (a's run -
 * b's run) / copies: how much more a filter costs per evaluation than
 * another, negative when it is cheaper. Runs of one round are taken moments
 * apart, so drift (frequency, other work) mostly cancels in each difference,
 * and the median ignores the rounds an interrupt hit. Both timings must come
 * from one timeKernelCase call (same rounds, same copies).
 */
export function pairedDifference(a: KernelTiming, b: KernelTiming): number {
  if (a.samples.length !== b.samples.length || a.copies !== b.copies || a.copies === 0) {
    throw new RangeError('paired timings need the same rounds and the same number of filter copies');
  }
  return median(a.samples.map((value, round) => value - b.samples[round]!)) / a.copies;
}

const RET_K = 0x06;
const JA = 0x05;
const ALLOW = 0x7fff0000;
const MAX_INSTRUCTIONS = 4096;

/**
 * chainCopies builds one program that runs a filter `copies` times in a row:
 * each copy's `return ALLOW` becomes a jump to the next copy's first
 * instruction (same size, so no other jump moves), and the last copy returns.
 * A call the filter allows thus pays for `copies` evaluations (plus one `ja`
 * each), while a refusal still returns at once. The kernel's fixed cost of a
 * filtered syscall is the same whatever the program, so the filter's own cost
 * per evaluation is (time chained - time unfiltered) / copies: a difference of
 * a few instructions, lost in the noise of one evaluation, stands out.
 */
export function chainCopies(bytes: Uint8Array, copies: number): Uint8Array {
  const length = bytes.length / 8;
  if (copies < 1 || length * copies > MAX_INSTRUCTIONS) throw new RangeError(`${copies} copies of ${length} instructions exceed ${MAX_INSTRUCTIONS}`);
  const out = new Uint8Array(bytes.length * copies);
  const view = new DataView(out.buffer);
  for (let copy = 0; copy < copies; copy++) {
    out.set(bytes, copy * bytes.length);
    if (copy === copies - 1) break;
    for (let index = 0; index < length; index++) {
      const at = (copy * length + index) * 8;
      if (view.getUint16(at, true) !== RET_K || view.getUint32(at + 4, true) !== ALLOW) continue;
      view.setUint16(at, JA, true);
      view.setUint8(at + 2, 0);
      view.setUint8(at + 3, 0);
      view.setUint32(at + 4, length - index - 1, true);
    }
  }
  return out;
}

/** copiesFor is how many copies of the longest of some filters fit the kernel's limit, at most `wanted`. */
export function copiesFor(lengths: readonly number[], wanted: number): number {
  return Math.max(1, Math.min(wanted, Math.floor(MAX_INSTRUCTIONS / Math.max(1, ...lengths))));
}
