import { describe, expect, it } from 'vitest';
import { bootBlob, commandLine, MANIFEST_ADDRESS } from '../../src/tender/boot.js';
import { LaunchRefused } from '../../src/tender/errors.js';
import { encodeLaunchRecord } from '../../src/tender/launch-record.js';
import type { LoadSegment } from '../../src/tender/segments.js';

const text: LoadSegment = { programHeader: 1, fileOffset: 0x1000n, vaddr: 0x100000n, filesz: 0x6d9n, memsz: 0x6d9n, mapStart: 0x100000n, mapEnd: 0x101000n, prot: 5 };
const data: LoadSegment = { programHeader: 2, fileOffset: 0x2000n, vaddr: 0x101010n, filesz: 4n, memsz: 0x2000n, mapStart: 0x101000n, mapEnd: 0x104000n, prot: 3 };

describe('encodeLaunchRecord', () => {
  const blob = Uint8Array.from([1, 2, 3]);
  const filter = Uint8Array.from({ length: 16 }, (_, i) => i + 100);
  const bytes = encodeLaunchRecord({ memSize: 0x200000n, entry: 0x100510n, elfFd: 6, segments: [text, data], blob, filter });
  const view = new DataView(bytes.buffer);

  it('writes the 64-byte header as the tender reads it', () => {
    expect(Buffer.from(bytes.subarray(0, 8)).toString('latin1')).toBe('NBLAUNCH');
    expect([view.getUint32(8, true), view.getUint32(12, true)]).toEqual([1, 64]);
    expect([view.getBigUint64(16, true), view.getBigUint64(24, true), view.getBigUint64(32, true)]).toEqual([0x200000n, 0x100510n, 3n]);
    expect([view.getUint32(40, true), view.getUint32(44, true), view.getUint32(48, true), view.getUint32(52, true)]).toEqual([6, 2, 2, 0]);
    expect(view.getBigUint64(56, true)).toBe(0n);
    expect(bytes.length).toBe(64 + 2 * 48 + 3 + 16);
  });

  it('writes each segment in 48 bytes with page numbers', () => {
    const at = 64 + 48;
    expect([0, 8, 16, 24].map((o) => view.getBigUint64(at + o, true))).toEqual([0x2000n, 0x101010n, 4n, 0x2000n]);
    expect([32, 36, 40, 44].map((o) => view.getUint32(at + o, true))).toEqual([0x101, 0x104, 3, 0]);
  });

  it('puts the blob, then the filter, after the segments', () => {
    expect([...bytes.subarray(160, 163)]).toEqual([1, 2, 3]);
    expect([...bytes.subarray(163)]).toEqual([...filter]);
  });

  it.each([
    ['an unaligned memory size', { memSize: 0x200001n }],
    ['an entry below 1 MiB', { entry: 0xfffffn }],
    ['no segment', { segments: [] }],
    ['a W+X segment', { segments: [{ ...text, prot: 7 }] }],
    ['an empty filter', { filter: new Uint8Array(0) }],
    ['a ragged filter', { filter: new Uint8Array(12) }],
    ['a filter over 4096 instructions', { filter: new Uint8Array(8 * 4097) }],
    ['a blob past 1 MiB', { blob: new Uint8Array(0x10001) }],
  ])('asserts against %s', (_name, change) => {
    expect(() => encodeLaunchRecord({ memSize: 0x200000n, entry: 0x100000n, elfFd: 6, segments: [text], blob, filter, ...change })).toThrow(RangeError);
  });
});

describe('bootBlob', () => {
  it('lays out boot info, manifest copy and command line with their guest addresses', () => {
    const manifest = Uint8Array.from({ length: 112 }, (_, i) => i);
    const blob = bootBlob({ memSize: 0x200000n, kernelEnd: 0x102000n, epollFd: 5, timerFd: 6, manifest, args: ['Hello_Solo5', 'x'] });
    const view = new DataView(blob.buffer);
    expect(view.getBigUint64(0, true)).toBe(0x200000n);
    expect(view.getBigUint64(8, true)).toBe(0x102000n);
    expect(view.getBigUint64(16, true)).toBe(BigInt(0x11028 + 112));
    expect(view.getBigUint64(24, true)).toBe(0x11028n);
    expect([view.getInt32(32, true), view.getInt32(36, true)]).toEqual([5, 6]);
    expect(MANIFEST_ADDRESS).toBe(0x11028);
    expect([...blob.subarray(40, 152)]).toEqual([...manifest]);
    expect(Buffer.from(blob.subarray(152)).toString('latin1')).toBe('Hello_Solo5 x\0');
  });

  it('refuses a command line of 8192 bytes or more', () => {
    expect(commandLine(['a'.repeat(8191)]).length).toBe(8191);
    expect(() => commandLine(['a'.repeat(8192)])).toThrow(LaunchRefused);
    expect(() => commandLine(['a'.repeat(4096), 'b'.repeat(4095)])).toThrow('the guest command line is 8192 bytes, the limit is 8191');
  });
});
