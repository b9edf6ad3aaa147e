/**
 * Wall-clock medians for the compile-time measurements.
 */

/** median returns the middle value (the mean of the two middle values for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** TimingOptions bound one measurement: warm-up calls, then timed calls until both minimums are met or maxRuns. */
export interface TimingOptions {
  readonly warmup?: number;
  readonly minRuns?: number;
  readonly maxRuns?: number;
  /** budgetMs stops timing once this much time has been spent on timed calls (after minRuns). */
  readonly budgetMs?: number;
}

/** Timing is a median in microseconds over `runs` timed calls. */
export interface Timing {
  readonly medianMicros: number;
  readonly runs: number;
}

/** timeMedian calls `work` warmup times, then times single calls and returns their median in microseconds. */
export function timeMedian(work: () => unknown, options: TimingOptions = {}): Timing {
  const { warmup = 20, minRuns = 15, maxRuns = 2000, budgetMs = 300 } = options;
  for (let index = 0; index < warmup; index++) work();
  const samples: number[] = [];
  let spent = 0;
  while (samples.length < maxRuns && (samples.length < minRuns || spent < budgetMs * 1e6)) {
    const start = process.hrtime.bigint();
    work();
    const elapsed = Number(process.hrtime.bigint() - start);
    samples.push(elapsed / 1000);
    spent += elapsed;
  }
  return { medianMicros: median(samples), runs: samples.length };
}
