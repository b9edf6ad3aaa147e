import { describe, expect, it } from 'vitest';
import type { VariantMetrics, VariantName } from '../../bench/measure/variants.js';
import { judgeTargets } from '../../bench/report/targets.js';
import type { KernelCaseResult, PolicyResult } from '../../bench/run.js';

function metrics(length: number, mean: number, max: number, cached = 1, buildMicros = 100): VariantMetrics {
  return {
    length,
    allowed: { count: 1, mean, max, refused: [] },
    everyNumber: { count: 1, mean, max },
    cache: { cached, total: 1, uncached: cached === 1 ? [] : [0] },
    build: { medianMicros: buildMicros, runs: 1 },
  };
}

/** kernel: a case whose filters cost `ours`, `linear` and `tree` ns per evaluation, chained 8 times over a 1 ns call. */
function kernel(ours: number, linear: number, tree: number): KernelCaseResult {
  const timing = (perEvaluation: number | undefined) => {
    const ns = 1 + 8 * (perEvaluation ?? 0);
    return {
      bestNsPerCall: ns,
      ...(perEvaluation === undefined ? {} : { filterNsPerEvaluation: perEvaluation }),
      copies: perEvaluation === undefined ? 0 : 8,
      medianNsPerCall: ns,
      samples: [ns],
      firstReturn: 0,
      firstErrno: 0,
    };
  };
  return { label: 'call', kind: 'argument-checked', steps: {}, timings: { none: timing(undefined), ours: timing(ours), linear: timing(linear), tree: timing(tree) } };
}

function policy(id: string, variants: Partial<Record<VariantName, VariantMetrics>>, frontEndMicros?: number, kernelCase?: KernelCaseResult): PolicyResult {
  const timing = { medianMicros: frontEndMicros ?? 0, runs: 1 };
  return {
    id,
    title: id,
    allowedInputs: 1,
    argumentFree: 1,
    variants,
    frontEnd: frontEndMicros === undefined ? { available: false, reason: 'none' } : { available: true, pipeline: timing, whole: timing, parse: timing, check: timing, bind: timing, bound: timing, sameProgram: true },
    kernel: kernelCase ? [kernelCase] : [],
    kernelNote: '',
    notes: [],
  };
}

const verdicts = (results: PolicyResult[]) => judgeTargets(results).map((entry) => entry.verdict);

describe('judgeTargets', () => {
  it('passes when every target is met, at the limits', () => {
    const results = [
      policy('docker', { ours: metrics(10, 6, 6, 1, 9999), linear: metrics(10, 50, 50), tree: metrics(12, 10, 10) }, 9999, kernel(99, 100, 120)),
      policy('spt-63-blocks', { ours: metrics(5, 3, 3), linear: metrics(6, 10, 10), tree: metrics(7, 20, 20) }, 49.9),
    ];
    expect(verdicts(results)).toEqual(['PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS']);
  });

  it('fails each target just past its limit', () => {
    const results = [
      policy('docker', { ours: metrics(11, 6.1, 7, 0, 10_000), linear: metrics(10, 50, 50), tree: metrics(12, 10, 10) }, 10_000, kernel(100, 100, 120)),
      policy('spt-63-blocks', { ours: metrics(5, 3, 4), linear: metrics(6, 10, 10), tree: metrics(7, 20, 20) }, 50),
    ];
    expect(verdicts(results)).toEqual(['FAIL', 'FAIL', 'FAIL', 'FAIL', 'FAIL', 'FAIL', 'FAIL', 'FAIL', 'FAIL']);
  });

  it('judges binding by params to bytes through a Policy, not by the rule model alone', () => {
    const bindVerdict = (modelMicros: number, boundMicros: number) => {
      const spt = policy('spt-core', { ours: metrics(5, 3, 3) }, modelMicros);
      const frontEnd = spt.frontEnd.available ? { ...spt.frontEnd, bound: { medianMicros: boundMicros, runs: 1 } } : spt.frontEnd;
      return judgeTargets([{ ...spt, frontEnd }]).find((entry) => entry.target.startsWith('binding the spt policy'))!;
    };
    expect(bindVerdict(10, 60).verdict).toBe('FAIL');
    expect(bindVerdict(60, 10)).toMatchObject({ verdict: 'PASS', detail: 'spt-core 10 us' });
  });

  it('says n/a when libseccomp or the front end was not measured', () => {
    const results = [policy('docker', { ours: metrics(10, 6, 6) }), policy('spt-63-blocks', { ours: metrics(5, 3, 3) })];
    expect(verdicts(results)).toEqual(['n/a', 'n/a', 'n/a', 'n/a', 'PASS', 'n/a', 'PASS', 'n/a', 'n/a']);
  });
});
