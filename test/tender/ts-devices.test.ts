import { closeSync, fstatSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkBlockGeometry, openBlock, openTap, openDevices, randomMac } from '../../src/tender/devices.js';
import { LaunchIoError, LaunchRefused } from '../../src/tender/errors.js';
import { parseManifest } from '../../src/tender/manifest.js';
import { manifestBytes, MFT_BLOCK, MFT_NET } from '../fixtures/elf/writer.js';

const manifest = parseManifest(manifestBytes([{ name: 'storage', type: MFT_BLOCK }, { name: 'service0', type: MFT_NET }]));
const directory = mkdtempSync(join(tmpdir(), 'nabla-devices-'));
const file = (name: string, size: number) => {
  const path = join(directory, name);
  writeFileSync(path, new Uint8Array(size));
  return path;
};

describe('checkBlockGeometry', () => {
  it.each([
    [512, 512n, undefined],
    [4096, 8192n, undefined],
    [32768, 32768n, undefined],
    [256, 512n, 'Block size must be a multiple of 2 greater than or equal 512'],
    [768, 1536n, 'Block size must be a multiple of 2'],
    [65536, 65536n, 'Block size must be a multiple of 2'],
    [512, 1000n, 'Backing storage size must be block aligned'],
    [512, 0n, 'Backing storage must be at least 1 block'],
  ])('block size %d, capacity %d', (size, capacity, message) => {
    if (message === undefined) expect(() => checkBlockGeometry('storage', size, capacity)).not.toThrow();
    else expect(() => checkBlockGeometry('storage', size, capacity)).toThrow(message);
  });
});

describe('openBlock', () => {
  it('opens the file read-write and takes its size as the capacity', () => {
    const device = openBlock({ name: 'storage', path: file('disk.img', 4 << 20), sectorSize: 4096 }, manifest);
    try {
      expect(device.attachment).toEqual({ kind: 'block', index: 1, fd: -1, capacity: 4194304n, blockSize: 4096 });
      expect(fstatSync(device.hostFd).size).toBe(4 << 20);
    } finally {
      closeSync(device.hostFd);
    }
  });

  it('refuses an unaligned file, a missing file and a name of the wrong type', () => {
    expect(() => openBlock({ name: 'storage', path: file('odd.img', 1000) }, manifest)).toThrow(LaunchRefused);
    expect(() => openBlock({ name: 'storage', path: join(directory, 'absent.img') }, manifest)).toThrow(LaunchIoError);
    expect(() => openBlock({ name: 'service0', path: file('x.img', 512) }, manifest)).toThrow('is of type NET_BASIC, not BLOCK_BASIC');
  });
});

describe('openTap', () => {
  it('refuses an interface that does not exist', () => {
    expect(() => openTap({ name: 'service0', iface: 'nablanotthere' }, manifest)).toThrow('Could not attach interface nablanotthere: no such interface');
  });

  it('refuses a name that would leave /sys/class/net', () => {
    expect(() => openTap({ name: 'service0', iface: '../x' }, manifest)).toThrow("'../x' is not an interface name");
  });
});

describe('openDevices', () => {
  it('closes what it opened when a later device fails', () => {
    const path = file('ok.img', 512);
    expect(() => openDevices([{ name: 'storage', path }], [{ name: 'service0', iface: 'nablanotthere' }], manifest)).toThrow(LaunchRefused);
  });
});

describe('randomMac', () => {
  it('makes locally administered unicast addresses', () => {
    for (let i = 0; i < 64; i++) {
      const mac = randomMac();
      expect(mac.length).toBe(6);
      expect(mac[0]! & 1).toBe(0);
      expect(mac[0]! & 2).toBe(2);
    }
  });
});
