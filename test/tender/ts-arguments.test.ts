import { describe, expect, it } from 'vitest';
import { parseRunArguments } from '../../src/tender/arguments.js';
import { LaunchUsageError } from '../../src/tender/errors.js';

describe('parseRunArguments', () => {
  it('reads the kernel, options and guest words', () => {
    const parsed = parseRunArguments(['hello.spt', '--mem=2', 'Hello_Solo5', 'two']);
    expect(parsed).toMatchObject({ kernel: 'hello.spt', memoryMiB: 2, args: ['Hello_Solo5', 'two'], dryRun: false, help: false });
  });

  it('takes options before the kernel, as solo5-spt does', () => {
    const parsed = parseRunArguments(['--mem=4', '--block:storage=disk.img', 'blk.spt']);
    expect(parsed.kernel).toBe('blk.spt');
    expect(parsed.memoryMiB).toBe(4);
    expect(parsed.blocks).toEqual([{ name: 'storage', path: 'disk.img' }]);
  });

  it('pairs devices with their sector size and MAC in either order', () => {
    const parsed = parseRunArguments([
      'k.spt',
      '--block-sector-size:storage=4096',
      '--block:storage=/tmp/a=b.img',
      '--net:service0=tap0',
      '--net-mac:service0=02:00:00:AA:bb:01',
    ]);
    expect(parsed.blocks).toEqual([{ name: 'storage', path: '/tmp/a=b.img', sectorSize: 4096 }]);
    expect(parsed.nets).toEqual([{ name: 'service0', iface: 'tap0', mac: Uint8Array.from([2, 0, 0, 0xaa, 0xbb, 1]) }]);
  });

  it('stops at -- and passes what follows to the guest', () => {
    expect(parseRunArguments(['k.spt', '--dry-run', '--', '--solo5:quiet', 'x']).args).toEqual(['--solo5:quiet', 'x']);
    expect(parseRunArguments(['--', 'k.spt', '--mem=2'])).toMatchObject({ kernel: 'k.spt', args: ['--mem=2'] });
  });

  it('treats every word after the first guest word as the guest\'s', () => {
    expect(parseRunArguments(['k.spt', 'a', '--mem=2']).args).toEqual(['a', '--mem=2']);
  });

  it('reads --policy in both spellings and --help', () => {
    expect(parseRunArguments(['k.spt', '--policy', 'p.policy']).policy).toBe('p.policy');
    expect(parseRunArguments(['k.spt', '--policy=q.policy']).policy).toBe('q.policy');
    expect(parseRunArguments(['--help']).help).toBe(true);
    expect(parseRunArguments(['-h']).kernel).toBeUndefined();
  });

  it.each([
    [['k.spt', '--bogus'], "unknown option '--bogus'"],
    [['k.spt', '--mem=two'], "--mem needs a decimal number, not 'two'"],
    [['k.spt', '--mem=2', '--mem=3'], '--mem is given twice'],
    [['k.spt', '--block:storage'], "--block:NAME=VALUE is missing '='"],
    [['k.spt', '--block:st-orage=x'], "device name 'st-orage'"],
    [['k.spt', `--block:${'a'.repeat(68)}=x`], 'is not 1 to 67 letters and digits'],
    [['k.spt', '--block:storage='], '--block:storage needs a PATH'],
    [['k.spt', '--block:s=a', '--block:s=b'], '--block:s is given twice'],
    [['k.spt', '--block-sector-size:s=512'], '--block-sector-size:s is given without --block:s'],
    [['k.spt', '--block:s=a', '--block-sector-size:s=0x200'], 'needs a decimal number'],
    [['k.spt', '--net:n=averyveryverylongname'], 'interface name of 1 to 15 characters'],
    [['k.spt', '--net:n=tap0', '--net-mac:n=02:00:00:00:00'], 'needs a MAC address'],
    [['k.spt', '--net-mac:n=02:00:00:00:00:01'], '--net-mac:n is given without --net:n'],
    [['k.spt', '--policy'], '--policy needs a FILE'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseRunArguments(argv)).toThrow(LaunchUsageError);
    expect(() => parseRunArguments(argv)).toThrow(message);
  });
});
