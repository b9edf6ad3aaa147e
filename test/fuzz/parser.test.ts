/**
 * Front-end fuzzing, fixed seed and a short run (`npm run fuzz` runs long):
 * every mutated text and include graph ends in a program or diagnostics.
 */
import { expect, test } from 'vitest';
import { describeParserFuzz, runParserFuzz } from './parser.js';

test('every fuzzed policy ends in a program or diagnostics, never a crash or a hang', () => {
  const report = runParserFuzz({ seed: 0xf022, inputs: 800 });
  console.log(describeParserFuzz(report));
  if (report.crash) console.log(`crash: seed ${report.crash.seed}, path "${report.crash.path}"\n${report.crash.input}\n${report.crash.error}`);
  expect(report.crash).toBeUndefined();
  expect(report.crashes).toBe(0);
  expect(report.inputs).toBeGreaterThanOrEqual(880);
  // Both outcomes occur, so the mutations neither always break nor never break the text.
  expect(report.programs).toBeGreaterThan(40);
  expect(report.diagnostics).toBeGreaterThan(150);
  expect(report.slowestMs).toBeLessThan(5000);
}, 60_000);
