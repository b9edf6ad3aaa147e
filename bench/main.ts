/**
 * `npm run bench`: measures our filters against libseccomp's in the same run
 * and prints one section per policy, then the targets with PASS/FAIL. The
 * full results go to bench/results/latest.json.
 *
 * The last section times launches of the hello test guest through
 * runUnikernel.
 *
 * Environment: BENCH_ITERATIONS (kernel loop length, default 100000),
 * BENCH_REPEATS (kernel runs per filter, default 25), BENCH_COPIES (how many
 * copies of a filter one timed program chains, default 16, fewer where the
 * 4096-instruction limit says so), BENCH_KERNEL=0 to skip
 * the kernel timing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { dirname, join } from 'node:path';
import { archTable } from '../src/arch/index.js';
import { packageRoot } from '../src/paths.js';
import { libseccompAvailable, libseccompVersion } from '../test/support/libseccomp.js';
import { createKernelWorkspace, type KernelWorkspace } from './measure/kernel.js';
import { measureHelloLaunch, renderLaunch } from './measure/launch.js';
import { benchPolicies } from './policies/index.js';
import { judgeTargets, renderTargets } from './report/targets.js';
import { renderPolicy } from './report/table.js';
import { measurePolicy, type PolicyResult, type RunOptions } from './run.js';

// From the repository root, not from this file: `npm run bench` runs the
// compiled copy in .bench-build/, the tests import this source.
const root = packageRoot();
const benchDirectory = join(root, 'bench');

function positiveInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

function kernelOptions(): { options: Pick<RunOptions, 'kernel' | 'kernelSkipReason'>; workspace?: KernelWorkspace } {
  if (process.env.BENCH_KERNEL === '0') return { options: { kernelSkipReason: 'BENCH_KERNEL=0' } };
  if (process.platform !== 'linux' || process.arch !== 'x64') return { options: { kernelSkipReason: 'needs x86_64 Linux' } };
  try {
    const workspace = createKernelWorkspace();
    const iterations = positiveInteger('BENCH_ITERATIONS', 100_000);
    const repeats = positiveInteger('BENCH_REPEATS', 25);
    const copies = positiveInteger('BENCH_COPIES', 16);
    return { options: { kernel: { workspace, iterations, repeats, copies } }, workspace };
  } catch (error) {
    return { options: { kernelSkipReason: `cannot build the native loop: ${error instanceof Error ? error.message : String(error)}` } };
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const library = libseccompAvailable();
  const libseccomp = library.ok ? libseccompVersion() : undefined;
  console.log(`nabla-seccomp bench: x86_64 tables of Linux ${archTable('x86_64').kernelVersion}, running on ${release()}, node ${process.version}`);
  console.log(library.ok ? `lsc = libseccomp ${libseccomp}: linear = optimize 1 (its default), tree = optimize 2` : `libseccomp n/a: ${library.reason}`);
  console.log('executed = instructions the emulator runs per syscall; allowed inputs = one per allowing rule term');
  console.log(
    'kernel ns/call = best of the repeated runs, the filter chained BENCH_COPIES times in one program (the median is in the JSON); ' +
      "filter ns = that filter's own cost per evaluation, (chained - unfiltered) / copies; [args] = argument-checked\n",
  );
  const { options, workspace } = kernelOptions();
  const results: PolicyResult[] = [];
  try {
    for (const policy of benchPolicies()) {
      const result = measurePolicy(policy, { root, ...options });
      results.push(result);
      console.log(renderPolicy(result));
    }
  } finally {
    workspace?.dispose();
  }
  const launch = await measureHelloLaunch();
  console.log(renderLaunch(launch));
  const targets = judgeTargets(results);
  console.log(renderTargets(targets));
  const output = join(benchDirectory, 'results', 'latest.json');
  mkdirSync(dirname(output), { recursive: true });
  const report = {
    date: new Date().toISOString(),
    host: { kernel: release(), node: process.version, libseccomp: libseccomp ?? null },
    kernelTiming: options.kernel
      ? { iterations: options.kernel.iterations, repeats: options.kernel.repeats, copies: options.kernel.copies }
      : { skipped: options.kernelSkipReason },
    policies: results,
    launch,
    targets,
  };
  writeFileSync(output, `${JSON.stringify(report, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2)}\n`);
  console.log(`\nresults written to ${output} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

await main();
