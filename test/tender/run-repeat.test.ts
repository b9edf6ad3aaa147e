/**
 * Repeated launches from one process: 1000 hellos in a row with no spurious
 * failure and no leaked fd, and the warm launch-to-exit time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runUnikernel } from '../../src/tender/run.js';
import { spawnLibrary, tenderBinary } from '../../src/tender/paths.js';
import { measureLaunchTime } from '../../src/tender/timing.js';
import { buildGuest } from '../fixtures/guests/build.js';

const supported = process.platform === 'linux' && process.arch === 'x64';
if (supported && (!existsSync(tenderBinary()) || !existsSync(spawnLibrary()))) {
  execFileSync(process.execPath, [join(import.meta.dirname, '..', '..', 'scripts', 'build-native.mjs')], { stdio: 'pipe' });
}
const ready = supported && existsSync(tenderBinary()) && existsSync(spawnLibrary());
const skipReason = 'the native tender needs x86_64 Linux and a C compiler (node scripts/build-native.mjs)';

let hello = '';
beforeAll(() => {
  if (ready) hello = buildGuest('hello');
});

const openFds = () => readdirSync('/proc/self/fd').length;

describe.skipIf(!ready)(`repeated launches${ready ? '' : ` (skipped: ${skipReason})`}`, () => {
  it('launches hello 1000 times in a row without a spurious failure or a leaked fd', async () => {
    await runUnikernel({ kernel: hello, memoryMiB: 2, args: ['warm'], output: 'capture' });
    const before = openFds();
    const failures: string[] = [];
    const start = performance.now();
    for (let i = 0; i < 1000; i++) {
      const word = `run${i}`;
      const result = await runUnikernel({ kernel: hello, memoryMiB: 2, args: [word], output: 'capture' });
      const expected = `Hello, World\nCommand line is: '${word}'\n`;
      if (result.exitCode !== 0 || result.stdout!.toString() !== expected || result.stderr!.length !== 0) {
        failures.push(`${i}: exit ${result.exitCode}, stdout ${JSON.stringify(result.stdout!.toString())}, stderr ${JSON.stringify(result.stderr!.toString())}`);
      }
    }
    const elapsed = performance.now() - start;
    console.log(`1000 launches of hello: ${(elapsed / 1000).toFixed(2)} s (${(elapsed / 1000).toFixed(2)} ms each)`);
    expect(failures).toEqual([]);
    expect(openFds()).toBe(before);
    expect(elapsed).toBeLessThan(60_000);
  });

  it('measures the warm launch-to-exit time of hello', async () => {
    const timing = await measureLaunchTime({ kernel: hello, memoryMiB: 2 }, 50);
    console.log(`hello launch-to-exit over ${timing.runs} runs: median ${timing.medianMs.toFixed(2)} ms, min ${timing.minimumMs.toFixed(2)} ms, max ${timing.maximumMs.toFixed(2)} ms (target <= 4 ms median)`);
    expect(timing.runs).toBe(50);
    expect(timing.minimumMs).toBeGreaterThan(0);
    expect(timing.medianMs).toBeLessThan(50);
  });
});
