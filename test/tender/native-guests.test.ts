/**
 * The test guests are laid out like real Solo5 spt unikernels: ET_EXEC for
 * x86_64, PT_INTERP "/nonexistent/solo5/", one PT_NOTE per note (OpenBSD,
 * ABI1, MFT1), R+X text at 0x100000 and separate RW data, 4 KiB alignment,
 * a manifest whose size and entries follow the MFT1 layout. The host kernel
 * refuses to exec them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';

import { buildGuest, GUEST_NAMES } from '../fixtures/guests/build.js';
import type { GuestName } from '../fixtures/guests/build.js';
import { NATIVE_SUPPORTED } from './native-support.js';

/** The devices each guest declares after the reserved first entry. */
const DEVICES: Record<GuestName, { name: string; type: number }[]> = {
  hello: [], time: [], evil: [],
  blk: [{ name: 'storage', type: 1 }],
  net: [{ name: 'service', type: 2 }],
};

interface Phdr { type: number; flags: number; offset: number; vaddr: bigint; filesz: bigint; memsz: bigint; align: bigint }

function phdrs(elf: Buffer): Phdr[] {
  const offset = Number(elf.readBigUInt64LE(32));
  return Array.from({ length: elf.readUInt16LE(56) }, (_, index) => {
    const base = offset + 56 * index;
    return {
      type: elf.readUInt32LE(base), flags: elf.readUInt32LE(base + 4), offset: Number(elf.readBigUInt64LE(base + 8)),
      vaddr: elf.readBigUInt64LE(base + 16), filesz: elf.readBigUInt64LE(base + 32),
      memsz: elf.readBigUInt64LE(base + 40), align: elf.readBigUInt64LE(base + 48),
    };
  });
}

describe.skipIf(!NATIVE_SUPPORTED).each(GUEST_NAMES)('guest %s (x86_64 Linux only)', (name) => {
  let path: string;
  let elf: Buffer;
  let headers: Phdr[];
  beforeAll(() => {
    path = buildGuest(name);
    elf = readFileSync(path);
    headers = phdrs(elf);
  });

  it('is an x86_64 ET_EXEC with entry in the text segment', () => {
    expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(elf.readUInt16LE(16)).toBe(2);
    expect(elf.readUInt16LE(18)).toBe(62);
    const text = headers.find((header) => header.type === 1 && header.flags === 5);
    expect(text?.vaddr).toBe(0x100000n);
    const entry = elf.readBigUInt64LE(24);
    expect(entry >= 0x100000n && entry < 0x100000n + (text?.memsz ?? 0n)).toBe(true);
  });

  it('has PT_INTERP "/nonexistent/solo5/" and loadable segments that are 4 KiB aligned and W^X', () => {
    const interp = headers.filter((header) => header.type === 3);
    expect(interp).toHaveLength(1);
    const [only] = interp;
    expect(elf.subarray(only!.offset, only!.offset + Number(only!.filesz)).toString('latin1')).toBe('/nonexistent/solo5/\0\0\0\0\0');
    const loaded = headers.filter((header) => header.type === 1 && header.filesz > 0n);
    expect(loaded.map((header) => header.flags)).toEqual([5, 6]); // R+X text, RW data
    for (const header of loaded) {
      expect(header.align).toBe(0x1000n);
      expect(header.vaddr % 0x1000n).toBe(0n);
    }
    // The empty PT_LOAD at address 0 that real spt binaries carry.
    expect(headers.some((header) => header.type === 1 && header.vaddr === 0n && header.memsz === 0n)).toBe(true);
  });

  it('has one PT_NOTE per note: OpenBSD, ABI1 (spt, version 2), MFT1', () => {
    const notes = headers.filter((header) => header.type === 4);
    expect(notes).toHaveLength(3);
    const [openbsd, abi, manifest] = notes.map((note) => elf.subarray(note.offset, note.offset + Number(note.filesz)));
    expect(openbsd!.subarray(12, 20).toString('latin1')).toBe('OpenBSD\0');
    expect(abi!.readUInt32LE(8)).toBe(0x31494241);
    expect(abi!.subarray(12, 18).toString('latin1')).toBe('Solo5\0');
    expect([...abi!.subarray(20, 36)]).toEqual([2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(manifest!.readUInt32LE(8)).toBe(0x3154464d);
    const entries = 1 + DEVICES[name].length;
    expect(manifest!.readUInt32LE(4)).toBe(4 + 8 + 104 * entries);
    expect(manifest!.readUInt32LE(24)).toBe(1); // version
    expect(manifest!.readUInt32LE(28)).toBe(entries);
    expect(manifest!.readUInt32LE(32 + 68)).toBe(0x40000000); // reserved first entry
    DEVICES[name].forEach((device, index) => {
      const base = 32 + 104 * (index + 1);
      expect(manifest!.subarray(base, base + 68).toString('latin1').replace(/\0+$/, '')).toBe(device.name);
      expect(manifest!.readUInt32LE(base + 68)).toBe(device.type);
      expect(manifest!.readUInt8(base + 96)).toBe(0); // not attached
    });
  });

  it('cannot be executed by the host kernel', () => {
    const result = spawnSync(path, [], { encoding: 'utf8' });
    expect((result.error as NodeJS.ErrnoException | undefined)?.code).toBe('ENOENT');
  });
});

describe.skipIf(!NATIVE_SUPPORTED)('readelf agrees (x86_64 Linux only)', () => {
  it('sees the notes and the interpreter of the blk guest', () => {
    const output = execFileSync('readelf', ['-lnW', buildGuest('blk')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(output).toContain('Requesting program interpreter: /nonexistent/solo5/');
    expect(output).toContain('OpenBSD');
    expect(output.match(/^\s+NOTE\s/gm)).toHaveLength(3);
    expect(output).toContain('Unknown note type: (0x31494241)');
  });
});
