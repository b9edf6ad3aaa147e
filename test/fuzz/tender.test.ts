/**
 * Executable fuzzing, fixed seed and a short run (`npm run fuzz` runs long):
 * mutants of the hello guest never crash the launcher's checks, and a sample
 * launched for real is refused before anything starts or ends confined.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { spawnLibrary, tenderBinary } from '../../src/tender/paths.js';
import { buildGuest } from '../fixtures/guests/build.js';
import { describeTenderFuzz, runTenderFuzz } from './tender.js';

const supported = process.platform === 'linux' && process.arch === 'x64';
if (supported && (!existsSync(tenderBinary()) || !existsSync(spawnLibrary()))) {
  execFileSync(process.execPath, [join(import.meta.dirname, '..', '..', 'scripts', 'build-native.mjs')], { stdio: 'pipe' });
}
const ready = supported && existsSync(tenderBinary()) && existsSync(spawnLibrary());

test.skipIf(!ready)(`mutated guests never crash the launcher or run unchecked${ready ? '' : ' (skipped: the native tender needs x86_64 Linux and cc)'}`, async () => {
  const report = await runTenderFuzz(buildGuest('hello'), { seed: 0x7e4d, mutants: 3000, launchAccepted: 40, launchRefused: 10 });
  console.log(describeTenderFuzz(report));
  if (report.crash) console.log(`in-process crash: ${report.crash}`);
  if (report.launchCrash) console.log(`launch crash: ${report.launchCrash}`);
  expect(report.crash).toBeUndefined();
  expect(report.crashes).toBe(0);
  expect(report.launchCrashes).toBe(0);
  expect(report.mutants).toBe(3000);
  expect(report.accepted).toBeGreaterThan(100);
  expect(report.refused).toBeGreaterThan(500);
  expect(report.launched).toBe(50);
}, 60_000);
