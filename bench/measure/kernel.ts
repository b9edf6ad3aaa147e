/**
 * The kernel's own cost per syscall under a filter: builds the native loop
 * (bench/native/syscall-loop.c) with cc into a temporary directory and runs
 * it in child processes, one filter per run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syscallNumber } from '../policies/build.js';
import type { KernelCase } from '../policies/types.js';
import { median } from './timing.js';

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), '..', 'native', 'syscall-loop.c');

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
): Record<string, KernelTiming> {
  const samples = new Map<string, KernelRun[]>(Object.keys(filters).map((name) => [name, []]));
  for (let round = 0; round < repeats; round++) {
    for (const [name, path] of Object.entries(filters)) samples.get(name)!.push(runLoop(workspace, kernelCase, path, iterations));
  }
  const timings: Record<string, KernelTiming> = {};
  for (const [name, runs] of samples) {
    const values = runs.map((run) => run.nsPerCall);
    timings[name] = { bestNsPerCall: Math.min(...values), medianNsPerCall: median(values), samples: values, firstReturn: runs[0]!.firstReturn, firstErrno: runs[0]!.firstErrno };
  }
  return timings;
}
