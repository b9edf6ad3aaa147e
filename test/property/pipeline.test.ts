/**
 * Property tests of the whole pipeline, fixed seeds and short runs (the long
 * runs are `npm run fuzz`). Each prints its report line: cases run and
 * disagreements found for each oracle pair; the target is zero.
 */
import { describe, expect, test } from 'vitest';
import { kernelAvailable } from '../support/kernel.js';
import { libseccompAvailable } from '../support/libseccomp.js';
import { describeFailure, describeTally, runKernelSample, runLibseccompProperty, runModelProperty, type Tally } from './pipeline.js';

function expectClean(pair: string, tally: Tally): void {
  console.log(describeTally(pair, tally));
  if (tally.failure) console.log(describeFailure(tally.failure));
  expect(tally.failure).toBeUndefined();
  expect(tally.disagreements).toBe(0);
  expect(tally.inputs).toBeGreaterThan(0);
  // Most drawn policies must be valid, or the property tests little.
  expect(tally.refused).toBeLessThan(tally.policies / 2);
}

describe('random policies through the pipeline', () => {
  test('ours = reference lowering = the model\'s meaning', () => {
    expectClean('ours vs reference lowering vs model', runModelProperty({ seed: 0x5eed1, policies: 200, inputsPerPolicy: 40 }));
  });

  const libseccomp = libseccompAvailable();
  test.skipIf(!libseccomp.ok)(`libseccomp differs only as documented${libseccomp.ok ? '' : ` (skipped: ${libseccomp.reason})`}`, () => {
    const tally = runLibseccompProperty({ seed: 0x5eed2, policies: 120, inputsPerPolicy: 40 });
    expectClean('ours vs libseccomp', tally);
    expect(tally.notes.get('not expressible in libseccomp') ?? 0).toBeLessThan(tally.policies / 2);
  });

  const kernel = kernelAvailable();
  test.skipIf(!kernel.ok)(`the kernel runs a sample as the emulator does${kernel.ok ? '' : ` (skipped: ${kernel.reason})`}`, () => {
    expectClean('ours (emulator) vs kernel', runKernelSample({ seed: 0x5eed3, policies: 6, inputsPerPolicy: 24 }));
  }, 30_000);
});
