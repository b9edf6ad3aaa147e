import { describe, expect, it } from 'vitest';
import { median, timeMedian } from '../../bench/measure/timing.js';
import { formatNumber, ratio } from '../../bench/report/table.js';

describe('median', () => {
  it('takes the middle of an odd count, unsorted input', () => {
    expect(median([9, 1, 5])).toBe(5);
  });
  it('averages the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  it('is NaN for no values', () => {
    expect(median([])).toBeNaN();
  });
});

describe('timeMedian', () => {
  it('warms up, then times at least minRuns and at most maxRuns calls', () => {
    let calls = 0;
    const timing = timeMedian(() => (calls += 1), { warmup: 3, minRuns: 5, maxRuns: 7, budgetMs: 1000 });
    expect(timing.runs).toBe(7);
    expect(calls).toBe(3 + 7);
    expect(timing.medianMicros).toBeGreaterThanOrEqual(0);
  });

  it('measures the work in microseconds', () => {
    const spin = () => {
      const end = process.hrtime.bigint() + 2_000_000n;
      while (process.hrtime.bigint() < end);
    };
    const timing = timeMedian(spin, { warmup: 1, minRuns: 3, maxRuns: 3 });
    expect(timing.medianMicros).toBeGreaterThanOrEqual(2000);
    expect(timing.medianMicros).toBeLessThan(50_000);
  });
});

describe('report numbers', () => {
  it('prints ratios ours / other with three decimals', () => {
    expect(ratio(9, 15)).toBe('0.600x');
    expect(ratio(1, 0)).toBe('n/a');
    expect(ratio(undefined, 3)).toBe('n/a');
  });
  it('prints integers bare and fractions with the given digits', () => {
    expect(formatNumber(24, 2)).toBe('24');
    expect(formatNumber(9.1428, 2)).toBe('9.14');
    expect(formatNumber(Number.NaN, 2)).toBe('n/a');
  });
});
