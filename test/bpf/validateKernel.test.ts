import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/bpf/index.js';
import { randomPrograms } from './randomPrograms.js';

/** The verdicts a real kernel gave on seeded random programs (see fixtures/recordKernelVerdicts.ts). */
function recordedVerdicts(): { seed: number; verdicts: boolean[] } {
  const text = readFileSync(fileURLToPath(new URL('./fixtures/kernel-verdicts.txt', import.meta.url)), 'utf8');
  const lines = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  const seed = Number(lines.find((line) => line.startsWith('seed '))?.slice(5));
  const count = Number(lines.find((line) => line.startsWith('count '))?.slice(6));
  const verdicts = [...lines.filter((line) => /^[01]+$/.test(line)).join('')].map((digit) => digit === '1');
  expect(verdicts.length).toBe(count);
  return { seed, verdicts };
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ');

describe('validate agrees with recorded kernel verdicts', () => {
  it('on every seeded random program', () => {
    const { seed, verdicts } = recordedVerdicts();
    const programs = randomPrograms(seed, verdicts.length);
    const disagreements = programs
      .map((bytes, index) => ({ bytes, kernel: verdicts[index], ours: validate(bytes) }))
      .filter(({ kernel, ours }) => ours.ok !== kernel)
      .map(({ bytes, kernel, ours }) => `kernel ${kernel ? 'installs' : 'refuses'}, validate says ${JSON.stringify(ours)}: ${hex(bytes)}`);
    expect(disagreements).toEqual([]);
  });

  it('the recording holds both verdicts in quantity', () => {
    const { verdicts } = recordedVerdicts();
    expect(verdicts.filter(Boolean).length).toBeGreaterThan(400);
    expect(verdicts.filter((verdict) => !verdict).length).toBeGreaterThan(400);
  });
});
