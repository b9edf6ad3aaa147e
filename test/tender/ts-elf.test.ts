import { describe, expect, it } from 'vitest';
import { readSptImage } from '../../src/tender/image.js';
import { LaunchRefused } from '../../src/tender/errors.js';
import { planLoad, PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/tender/segments.js';
import { CORPUS_MEMORY_MIB, malformedCorpus } from '../fixtures/elf/corpus.js';
import { MFT_BLOCK, MFT_NET, writeSptElf } from '../fixtures/elf/writer.js';
import { Prng } from '../support/prng.js';

const MEMORY = BigInt(CORPUS_MEMORY_MIB) << 20n;

/** judge runs every check a launch applies to an executable before devices are opened. */
function judge(bytes: Uint8Array) {
  const image = readSptImage(bytes);
  return { image, load: planLoad(image.elf, MEMORY) };
}

describe('a valid spt executable', () => {
  const { bytes } = writeSptElf({ devices: [{ name: 'storage', type: MFT_BLOCK }, { name: 'service0', type: MFT_NET }] });

  it('passes with its ABI, manifest and entry', () => {
    const { image, load } = judge(bytes);
    expect(image.abi).toEqual({ target: 2, version: 2 });
    expect(image.elf.entry).toBe(0x100000n);
    expect(image.manifest.entries.map((e) => [e.index, e.name, e.type])).toEqual([
      [0, '', 0x40000000],
      [1, 'storage', 1],
      [2, 'service0', 2],
    ]);
    expect(load.kernelEnd).toBe(0x103000n);
  });

  it('loads only PT_LOADs with file contents, with their protections', () => {
    const { load } = judge(bytes);
    expect(load.segments.map((s) => [s.programHeader, s.mapStart, s.mapEnd, s.prot])).toEqual([
      [1, 0x100000n, 0x102000n, PROT_READ | PROT_EXEC],
      [2, 0x102000n, 0x103000n, PROT_READ | PROT_WRITE],
    ]);
  });

  it('is refused when its segments do not fit the guest memory asked for', () => {
    const image = readSptImage(bytes);
    expect(() => planLoad(image.elf, 0x101000n)).toThrow(/segment 1 holds 8192 bytes from 0x100000, past the end of guest memory/);
  });
});

describe('the malformed corpus', () => {
  const corpus = malformedCorpus();

  it('has unique names and covers every listed kind of damage', () => {
    const names = corpus.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const kind of ['truncated', 'bad magic', '32-bit', 'machine', 'missing ABI', 'missing manifest', 'oversized', 'ABI target', 'ABI version', 'manifest', 'overlapping', 'beyond guest memory', 'W+X', 'entry', 'huge p_memsz']) {
      expect(names.some((n) => n.includes(kind)), kind).toBe(true);
    }
  });

  it.each(corpus.map((c) => [c.name, c] as const))('refuses %s', (_name, testCase) => {
    let caught: unknown;
    try {
      judge(testCase.bytes);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LaunchRefused);
    expect((caught as LaunchRefused).exitCode).toBe(1);
    expect((caught as LaunchRefused).message).toContain(testCase.message);
  });
});

describe('hostile bytes', () => {
  it('random damage to a valid executable is accepted or refused, never anything else', () => {
    const { bytes } = writeSptElf({ devices: [{ name: 'storage', type: MFT_BLOCK }] });
    const prng = new Prng(7);
    let refused = 0;
    for (let round = 0; round < 3000; round++) {
      const copy = bytes.slice();
      const flips = 1 + (prng.next() % 4);
      for (let i = 0; i < flips; i++) {
        // Most damage goes to the headers and notes, where the parsing is.
        const span = prng.next() % 4 === 0 ? copy.length : 0x1200;
        copy[prng.next() % span] = prng.next() & 0xff;
      }
      const length = prng.next() % 8 === 0 ? prng.next() % copy.length : copy.length;
      try {
        judge(copy.subarray(0, length));
      } catch (error) {
        if (!(error instanceof LaunchRefused)) throw error;
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(500);
  });
});
