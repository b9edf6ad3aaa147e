/**
 * `npm run fuzz`: the long runs of the property tests and fuzzers that
 * `npm test` runs short with fixed seeds. Prints one report line an oracle
 * pair or fuzzer (cases run, disagreements or crashes found) and, for any
 * failure, the seed, path and shrunk counterexample to turn into a
 * regression test. Exits 1 when anything disagreed or crashed.
 *
 *     npm run fuzz                       # a fresh seed, scale 1 (a few minutes)
 *     npm run fuzz -- --seed 1234 --scale 4
 *     npm run fuzz -- --only parser
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { spawnLibrary, tenderBinary } from '../src/tender/paths.js';
import { buildGuest } from '../test/fixtures/guests/build.js';
import { describeParserFuzz, runParserFuzz } from '../test/fuzz/parser.js';
import { describeTenderFuzz, runTenderFuzz } from '../test/fuzz/tender.js';
import { describeFailure, describeTally, runKernelSample, runLibseccompProperty, runModelProperty, type Tally } from '../test/property/pipeline.js';
import { kernelAvailable } from '../test/support/kernel.js';
import { libseccompAvailable } from '../test/support/libseccomp.js';

const JOBS = ['model', 'libseccomp', 'kernel', 'parser', 'tender'] as const;
type Job = (typeof JOBS)[number];

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    scale: { type: 'string', default: '1' },
    only: { type: 'string', multiple: true },
  },
});
const seed = values.seed === undefined ? Math.floor(Math.random() * 0x7fff_ffff) : Number(values.seed);
const scale = Number(values.scale);
const only = new Set((values.only ?? JOBS) as Job[]);
const runs = (count: number) => Math.max(1, Math.round(count * scale));

let failed = false;
console.log(`fuzz: seed ${seed}, scale ${scale} (replay with: npm run fuzz -- --seed ${seed} --scale ${scale})`);

function pair(name: string, tally: Tally): void {
  console.log(describeTally(name, tally));
  if (tally.failure) console.log(describeFailure(tally.failure));
  if (tally.failure || tally.disagreements > 0) failed = true;
}

if (only.has('model')) pair('ours vs reference lowering vs model', runModelProperty({ seed, policies: runs(4000), inputsPerPolicy: 80 }));
if (only.has('libseccomp')) {
  const status = libseccompAvailable();
  if (status.ok) pair('ours vs libseccomp', runLibseccompProperty({ seed: seed + 1, policies: runs(2000), inputsPerPolicy: 80 }));
  else console.log(`ours vs libseccomp: skipped (${status.reason})`);
}
if (only.has('kernel')) {
  const status = kernelAvailable();
  if (status.ok) pair('ours (emulator) vs kernel', runKernelSample({ seed: seed + 2, policies: runs(60), inputsPerPolicy: 40 }));
  else console.log(`ours (emulator) vs kernel: skipped (${status.reason})`);
}
if (only.has('parser')) {
  const report = runParserFuzz({ seed: seed + 3, inputs: runs(30_000) });
  console.log(describeParserFuzz(report));
  if (report.crash) console.log(`crash: seed ${report.crash.seed}, path "${report.crash.path}"\n${report.crash.input}\n${report.crash.error}`);
  if (report.crashes > 0) failed = true;
}
if (only.has('tender')) {
  if (existsSync(tenderBinary()) && existsSync(spawnLibrary())) {
    const report = await runTenderFuzz(buildGuest('hello'), {
      seed: seed + 4,
      mutants: runs(50_000),
      launchAccepted: runs(300),
      launchRefused: runs(50),
    });
    console.log(describeTenderFuzz(report));
    if (report.crash) console.log(`in-process crash: ${report.crash}`);
    if (report.launchCrash) console.log(`launch crash: ${report.launchCrash}`);
    if (report.crashes > 0 || report.launchCrashes > 0) failed = true;
  } else {
    console.log('tender fuzz: skipped (run `node scripts/build-native.mjs` to build the native tender)');
  }
}

console.log(failed ? 'fuzz: FAILED' : 'fuzz: no disagreements, no crashes');
process.exitCode = failed ? 1 : 0;
