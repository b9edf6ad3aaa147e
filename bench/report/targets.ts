/**
 * The performance targets, judged from the measurements. They are reported,
 * not asserted: a FAIL here is information, not an error.
 */
import type { PolicyResult } from '../run.js';
import { pairedDifference } from '../measure/kernel.js';
import { formatNumber } from './table.js';

/** TargetResult is one target: PASS, FAIL, or n/a when something it needs was not measured. */
export interface TargetResult {
  readonly target: string;
  readonly verdict: 'PASS' | 'FAIL' | 'n/a';
  readonly detail: string;
}

const verdictOf = (pass: boolean): 'PASS' | 'FAIL' => (pass ? 'PASS' : 'FAIL');
const missing = (target: string, detail: string): TargetResult => ({ target, verdict: 'n/a', detail });

function allowedStepsTarget(results: readonly PolicyResult[]): TargetResult[] {
  const docker = results.find((result) => result.id === 'docker');
  const ours = docker?.variants.ours?.allowed;
  const tree = docker?.variants.tree?.allowed;
  const targets: TargetResult[] = [];
  for (const key of ['mean', 'max'] as const) {
    const target = `Docker-sized: executed per allowed call, ${key} <= 0.6x libseccomp tree`;
    if (!ours || !tree) targets.push(missing(target, 'libseccomp not measured'));
    else {
      const share = ours[key] / tree[key];
      targets.push({ target, verdict: verdictOf(share <= 0.6), detail: `${formatNumber(ours[key], 2)} vs ${formatNumber(tree[key], 2)} = ${share.toFixed(3)}x` });
    }
  }
  return targets;
}

function sptMaxTarget(results: readonly PolicyResult[]): TargetResult {
  const target = 'spt 63 blocks: max executed per allowed call <= 0.3x libseccomp (better level)';
  const spt = results.find((result) => result.id === 'spt-63-blocks');
  const ours = spt?.variants.ours?.allowed.max;
  const others = [spt?.variants.linear?.allowed.max, spt?.variants.tree?.allowed.max].filter((value): value is number => value !== undefined);
  if (ours === undefined || others.length === 0) return missing(target, 'libseccomp not measured');
  const best = Math.min(...others);
  return { target, verdict: verdictOf(ours <= 0.3 * best), detail: `${ours} vs ${best} = ${(ours / best).toFixed(3)}x` };
}

function lengthTarget(results: readonly PolicyResult[]): TargetResult {
  const target = "program length <= libseccomp's default (linear) on every policy";
  const pairs = results.map((result) => ({ id: result.id, ours: result.variants.ours?.length, linear: result.variants.linear?.length }));
  if (pairs.some((pair) => pair.linear === undefined || pair.ours === undefined)) return missing(target, 'libseccomp not measured');
  const longer = pairs.filter((pair) => pair.ours! > pair.linear!);
  const detail = pairs.map((pair) => `${pair.id} ${pair.ours}/${pair.linear}`).join(', ');
  return { target, verdict: verdictOf(longer.length === 0), detail };
}

function cacheTarget(results: readonly PolicyResult[]): TargetResult {
  const target = 'every argument-free allowed syscall cacheable (ours)';
  let cached = 0;
  let total = 0;
  const uncached: string[] = [];
  for (const result of results) {
    const share = result.variants.ours?.cache;
    if (!share) continue;
    cached += share.cached;
    total += share.total;
    if (share.uncached.length > 0) uncached.push(`${result.id}: ${share.uncached.join(' ')}`);
  }
  return { target, verdict: verdictOf(cached === total), detail: `${cached}/${total}${uncached.length ? `; uncached ${uncached.join('; ')}` : ''}` };
}

function timeTargets(results: readonly PolicyResult[]): TargetResult[] {
  const bindTarget = 'binding the spt policy, params to bytes, < 50 us median (worst spt configuration)';
  const binds = results.filter((result) => result.id.startsWith('spt-')).map((result) => ({ id: result.id, frontEnd: result.frontEnd }));
  const targets: TargetResult[] = [];
  if (binds.length === 0 || binds.some((entry) => !entry.frontEnd.available)) {
    targets.push(missing(bindTarget, 'front end bind not available'));
  } else {
    const micros = binds.map((entry) => (entry.frontEnd.available ? entry.frontEnd.bound.medianMicros : Number.NaN));
    const detail = binds.map((entry, index) => `${entry.id} ${formatNumber(micros[index]!, 1)} us`).join(', ');
    targets.push({ target: bindTarget, verdict: verdictOf(Math.max(...micros) < 50), detail });
  }
  const docker = results.find((result) => result.id === 'docker');
  const compileTarget = 'compiling the Docker-sized policy (compileModel) < 10 ms median after warm-up';
  const compileMicros = docker?.variants.ours?.build.medianMicros;
  if (compileMicros === undefined) targets.push(missing(compileTarget, 'not measured'));
  else targets.push({ target: compileTarget, verdict: verdictOf(compileMicros < 10_000), detail: `${formatNumber(compileMicros / 1000, 3)} ms` });
  const wholeTarget = 'compiling the Docker-sized policy from text (parse+check+bind+compile) < 10 ms median';
  const frontEnd = docker?.frontEnd;
  if (!frontEnd?.available) targets.push(missing(wholeTarget, 'front end not available'));
  else targets.push({ target: wholeTarget, verdict: verdictOf(frontEnd.whole.medianMicros < 10_000), detail: `${formatNumber(frontEnd.whole.medianMicros / 1000, 3)} ms` });
  return targets;
}

/**
 * kernelTarget compares, per argument-checked call, our filter with each of
 * libseccomp's levels by the median of their per-round differences (the runs
 * of a round are interleaved, so drift cancels in each difference): ours
 * passes where it is cheaper than both.
 */
function kernelTarget(results: readonly PolicyResult[]): TargetResult {
  const target = "kernel cost of the filter per argument-checked call: ours below libseccomp's (both levels)";
  const lines: string[] = [];
  let pass = true;
  for (const result of results) {
    for (const entry of result.kernel) {
      if (entry.kind !== 'argument-checked' || !entry.timings) continue;
      const ours = entry.timings.ours;
      const levels = (['linear', 'tree'] as const).filter((level) => entry.timings?.[level] !== undefined);
      if (ours === undefined || levels.length === 0) continue;
      const differences = levels.map((level) => pairedDifference(ours, entry.timings![level]!));
      if (!differences.every((difference) => difference < 0)) pass = false;
      const shown = levels.map((level, index) => `${level} ${formatSigned(differences[index]!)}`).join(', ');
      lines.push(`${result.id} ${entry.label.split(',')[0]}: ours - ${shown} ns`);
    }
  }
  if (lines.length === 0) return missing(target, 'kernel timing not run');
  return { target, verdict: verdictOf(pass), detail: `per evaluation, median of paired rounds: ${lines.join('; ')}` };
}

/** formatSigned shows a difference with its sign and two decimals. */
function formatSigned(value: number): string {
  return `${value < 0 ? '-' : '+'}${Math.abs(value).toFixed(2)}`;
}

/** judgeTargets evaluates every target against the measurements. */
export function judgeTargets(results: readonly PolicyResult[]): TargetResult[] {
  return [...allowedStepsTarget(results), sptMaxTarget(results), lengthTarget(results), cacheTarget(results), ...timeTargets(results), kernelTarget(results)];
}

/** renderTargets prints the targets, one per line, verdict first. */
export function renderTargets(targets: readonly TargetResult[]): string {
  return ['== Targets (reported, not asserted)', ...targets.map((entry) => `[${entry.verdict.padEnd(4)}] ${entry.target}\n         ${entry.detail}`)].join('\n');
}
