import { describe, expect, it } from 'vitest';
import { LaunchRefused } from '../../src/tender/errors.js';
import { fillManifest, findEntry, parseManifest, typeName } from '../../src/tender/manifest.js';
import { manifestBytes, MFT_BLOCK, MFT_NET } from '../fixtures/elf/writer.js';

const manifest = parseManifest(manifestBytes([{ name: 'storage', type: MFT_BLOCK }, { name: 'service0', type: MFT_NET }]));

describe('fillManifest', () => {
  it('writes capacity, block size, MAC, MTU, host fd and attached at the ABI offsets', () => {
    const mac = Uint8Array.from([2, 1, 2, 3, 4, 5]);
    const filled = fillManifest(manifest, [
      { kind: 'block', index: 1, fd: 4, capacity: 4194304n, blockSize: 4096 },
      { kind: 'net', index: 2, fd: 5, mac, mtu: 1500 },
    ]);
    const view = new DataView(filled.buffer);
    const block = 8 + 104;
    const net = 8 + 208;
    expect(view.getBigUint64(block + 72, true)).toBe(4194304n);
    expect(view.getUint16(block + 80, true)).toBe(4096);
    expect(view.getInt32(block + 88, true)).toBe(4);
    expect(filled[block + 96]).toBe(1);
    expect([...filled.subarray(net + 72, net + 78)]).toEqual([...mac]);
    expect(view.getUint16(net + 78, true)).toBe(1500);
    expect(view.getInt32(net + 88, true)).toBe(5);
    expect(filled[net + 96]).toBe(1);
    // The reserved entry and the original stay untouched.
    expect(filled[8 + 96]).toBe(0);
    expect(manifest.bytes[block + 96]).toBe(0);
  });

  it('refuses a declared device left unattached, with upstream\'s message', () => {
    expect(() => fillManifest(manifest, [{ kind: 'block', index: 1, fd: 4, capacity: 512n, blockSize: 512 }])).toThrow(
      "Device 'service0' of type NET_BASIC declared but not attached.",
    );
  });
});

describe('findEntry', () => {
  it('finds a device by name and type', () => {
    expect(findEntry(manifest, 'service0', MFT_NET, '--net:service0').index).toBe(2);
  });

  it.each([
    ['nothere', MFT_BLOCK, "--block:nothere: the executable declares no device named 'nothere'"],
    ['service0', MFT_BLOCK, "--block:service0: device 'service0' is of type NET_BASIC, not BLOCK_BASIC"],
    ['', MFT_BLOCK, "declares no device named ''"],
  ])('refuses %s as type %d', (name, type, message) => {
    expect(() => findEntry(manifest, name, type, `--block:${name}`)).toThrow(LaunchRefused);
    expect(() => findEntry(manifest, name, type, `--block:${name}`)).toThrow(message);
  });
});

describe('typeName', () => {
  it('names the manifest types', () => {
    expect([1, 2, 0x40000000, 7].map(typeName)).toEqual(['BLOCK_BASIC', 'NET_BASIC', 'RESERVED_FIRST', '7']);
  });
});
