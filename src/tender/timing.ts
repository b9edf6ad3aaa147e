/**
 * measureLaunchTime: how long a launch takes from the call to the guest's
 * end, in a warm process (policies compiled, FFI loaded).
 */
import { runUnikernel, type RunOptions } from './run.js';

/** LaunchTiming summarises repeated launches, in milliseconds. */
export interface LaunchTiming {
  readonly runs: number;
  readonly medianMs: number;
  readonly minimumMs: number;
  readonly maximumMs: number;
}

/**
 * measureLaunchTime runs `options` `warmup` times untimed, then `runs` times
 * one after another, timing each from the call to the result. Every run
 * must exit 0, else it throws.
 */
export async function measureLaunchTime(options: RunOptions, runs = 50, warmup = 5): Promise<LaunchTiming> {
  const launch = { output: 'capture' as const, ...options };
  const times: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const start = process.hrtime.bigint();
    const result = await runUnikernel(launch);
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.exitCode !== 0) throw new Error(`launch ${i} of ${options.kernel} ended with ${result.exitCode}`);
    if (i >= warmup) times.push(elapsed);
  }
  times.sort((a, b) => a - b);
  const middle = times.length >> 1;
  const medianMs = times.length % 2 ? times[middle]! : (times[middle - 1]! + times[middle]!) / 2;
  return { runs, medianMs, minimumMs: times[0]!, maximumMs: times[times.length - 1]! };
}
