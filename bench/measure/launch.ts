/**
 * Launch-to-exit time of the hello test guest through runUnikernel, in a warm
 * process: the policies compiled and FFI loaded before the first timed run.
 */
import { buildGuest } from '../../test/fixtures/guests/build.js';
import { measureLaunchTime, type LaunchTiming } from '../../src/tender/timing.js';

/** Solo5's own tender runs hello in about 2 ms here (median wall time); the target is twice that. */
export const SOLO5_LAUNCH_MS = 2;
export const LAUNCH_TARGET_MS = 2 * SOLO5_LAUNCH_MS;

/** LaunchResult is the timing, or why it was not measured. */
export type LaunchResult = { readonly timing: LaunchTiming } | { readonly skipped: string };

/** measureHelloLaunch times `runs` launches of hello after a warm-up. */
export async function measureHelloLaunch(runs = 200): Promise<LaunchResult> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return { skipped: 'needs x86_64 Linux' };
  try {
    const kernel = buildGuest('hello');
    return { timing: await measureLaunchTime({ kernel, memoryMiB: 2 }, runs, 20) };
  } catch (error) {
    return { skipped: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  }
}

/** renderLaunch prints the launch section and its target line. */
export function renderLaunch(result: LaunchResult): string {
  if ('skipped' in result) return `== Launch (hello through runUnikernel)\nn/a: ${result.skipped}\n`;
  const { runs, medianMs, minimumMs, maximumMs } = result.timing;
  const verdict = medianMs <= LAUNCH_TARGET_MS ? 'PASS' : 'FAIL';
  return [
    '== Launch (hello through runUnikernel, --mem=2, warm process)',
    `launch to exit, median of ${runs}: ${medianMs.toFixed(2)} ms (min ${minimumMs.toFixed(2)}, max ${maximumMs.toFixed(2)})`,
    `[${verdict}] median launch-to-exit <= ${LAUNCH_TARGET_MS} ms (2x Solo5's own tender, about ${SOLO5_LAUNCH_MS} ms here)`,
    '',
  ].join('\n');
}
