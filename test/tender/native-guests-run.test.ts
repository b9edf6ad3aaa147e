/**
 * The test guests run through the tender under the upstream spt guest rules
 * (and the tender's own rules): block I/O, clocks and yields, network echo,
 * and the forbidden syscalls that must end the guest with SIGSYS, plus the
 * W^X faults that must end it with SIGSEGV. Devices are opened here and
 * placed at the fds upstream would use (devices from 4, then epoll, timer).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { buildGuest } from '../fixtures/guests/build.js';
import type { GuestName } from '../fixtures/guests/build.js';
import { encodeLaunchRecord, readGuestImage, validLaunchFields } from './launch-record.js';
import type { DeviceFill } from './launch-record.js';
import { allowAll, allowList, sptGuestRules, tenderRules } from './native-filters.js';
import type { SptDevices } from './native-filters.js';
import { BUILD_SCRIPT, NATIVE_SUPPORTED, datagramPair, epollWithTimer, runTender, TENDER_FDS, temporaryDirectory } from './native-support.js';
import type { ChildRun, FdPair } from './native-support.js';

const MEM_SIZE = 0x400000n;
const SIGSEGV = 11;
const SIGSYS = 31;

beforeAll(() => {
  if (!NATIVE_SUPPORTED) return;
  const build = spawnSync(process.execPath, [BUILD_SCRIPT, '--strict'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`native build failed: ${build.stderr}`);
});

/** launch runs a guest with the spt rules for its devices, as a tender would. */
async function launch(name: GuestName, options: {
  cmdline: string; devices?: DeviceFill[]; deviceFds?: FdPair[]; spt: SptDevices; whileRunning?: () => void; allowEverything?: boolean;
}): Promise<ChildRun> {
  const path = buildGuest(name);
  const guestFilter = options.allowEverything ? allowAll() : allowList(sptGuestRules(options.spt));
  const tenderFilter = options.allowEverything
    ? allowAll()
    : allowList([...tenderRules({ execFd: TENDER_FDS.exec, elfFd: TENDER_FDS.elf, memSize: MEM_SIZE }), ...sptGuestRules(options.spt)]);
  const fields = validLaunchFields(readGuestImage(path), {
    memSize: MEM_SIZE, elfFd: TENDER_FDS.elf, filter: guestFilter,
    boot: { cmdline: options.cmdline, epollFd: options.spt.epoll, timerFd: options.spt.timer, devices: options.devices },
  });
  const running = runTender({ record: encodeLaunchRecord(fields), elfPath: path, tenderFilter, extra: options.deviceFds });
  options.whileRunning?.();
  return running;
}

/** withClock makes an epoll set and timer placed at the given fds, closing them afterwards. */
async function withClock<T>(epollTarget: number, watched: { fd: number; index: number }[], body: (pairs: FdPair[]) => Promise<T>): Promise<T> {
  const { epoll, timer } = epollWithTimer(watched);
  try {
    return await body([{ source: epoll, target: epollTarget }, { source: timer, target: epollTarget + 1 }]);
  } finally {
    closeSync(epoll);
    closeSync(timer);
  }
}

describe.skipIf(!NATIVE_SUPPORTED)('guests under the spt rules (x86_64 Linux only)', () => {
  it('hello prints its greeting', async () => {
    const run = await withClock(4, [], (clock) => launch('hello', { cmdline: '0', deviceFds: clock, spt: { epoll: 4, timer: 5 } }));
    expect([run.signal, run.exitCode, run.stdout]).toEqual([null, 0, "Hello, World\nCommand line is: '0'\n"]);
  });

  it('time reads both clocks and yields through the timer', async () => {
    const run = await withClock(4, [], (clock) => launch('time', { cmdline: '', deviceFds: clock, spt: { epoll: 4, timer: 5 } }));
    expect([run.signal, run.exitCode, run.stdout]).toEqual([null, 0, 'SUCCESS\n']);
  });

  describe('blk', () => {
    const SECTORS = 128;
    const BLOCK_SIZE = 512;
    const capacity = SECTORS * BLOCK_SIZE;
    const runBlk = async (cmdline: string): Promise<{ run: ChildRun; contents: Buffer }> => {
      const path = join(temporaryDirectory(), 'disk');
      writeFileSync(path, Buffer.alloc(capacity));
      const disk = openSync(path, 'r+');
      try {
        const run = await withClock(5, [], (clock) => launch('blk', {
          cmdline,
          devices: [{ index: 1, kind: 'block', capacity: BigInt(capacity), blockSize: BLOCK_SIZE, hostFd: 4 }],
          deviceFds: [{ source: disk, target: 4 }, ...clock],
          spt: { epoll: 5, timer: 6, blocks: [{ fd: 4, blockSize: BLOCK_SIZE, capacity }] },
        }));
        return { run, contents: readFileSync(path) };
      } finally {
        closeSync(disk);
      }
    };

    it('writes and verifies every sector without growing the file', async () => {
      const { run, contents } = await runBlk('');
      expect([run.signal, run.exitCode]).toEqual([null, 0]);
      expect(run.stdout).toBe(`blk: ${SECTORS} sectors of ${BLOCK_SIZE} bytes\nSUCCESS\n`);
      expect(contents.length).toBe(capacity);
      const sector = 77;
      const index = 300;
      expect(contents[sector * BLOCK_SIZE + index]).toBe((sector * 31 + index * 7 + 1) & 0xff);
    });

    it('is killed by SIGSYS when it reads at the capacity', async () => {
      const { run, contents } = await runBlk('oob');
      expect([run.signal, run.stdout]).toEqual([SIGSYS, '']);
      expect(contents.length).toBe(capacity);
    });
  });

  it('net echoes frames with swapped MACs, waiting on the epoll set', async () => {
    const [guestEnd, hostEnd] = datagramPair();
    const frame = (number: number): Buffer => Buffer.concat([
      Buffer.from([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x88, 0xb5]), Buffer.from(`frame number ${number}`.padEnd(46, '.')),
    ]);
    try {
      // Three frames wait before the guest starts; the fourth arrives while it waits.
      for (const number of [0, 1, 2]) writeSync(hostEnd, frame(number));
      const run = await withClock(5, [{ fd: guestEnd, index: 1 }], (clock) => launch('net', {
        cmdline: '4',
        devices: [{ index: 1, kind: 'net', mac: [2, 0, 0, 0, 0, 2], mtu: 1500, hostFd: 4 }],
        deviceFds: [{ source: guestEnd, target: 4 }, ...clock],
        spt: { epoll: 5, timer: 6, nets: [4] },
        whileRunning: () => setTimeout(() => writeSync(hostEnd, frame(3)), 200),
      }));
      expect([run.signal, run.exitCode, run.stdout]).toEqual([null, 0, 'SUCCESS\n']);
      for (const number of [0, 1, 2, 3]) {
        const echoed = Buffer.alloc(2048);
        const length = readSync(hostEnd, echoed);
        const sent = frame(number);
        expect(echoed.subarray(0, 6)).toEqual(sent.subarray(6, 12));
        expect(echoed.subarray(6, 12)).toEqual(sent.subarray(0, 6));
        expect(echoed.subarray(12, length)).toEqual(sent.subarray(12));
      }
    } finally {
      closeSync(guestEnd);
      closeSync(hostEnd);
    }
  });

  it.each(['getpid', 'open', 'execve', 'write2', 'mmapexec', 'dup'])('evil %s is killed by SIGSYS', async (mode) => {
    const run = await withClock(4, [], (clock) => launch('evil', { cmdline: mode, deviceFds: clock, spt: { epoll: 4, timer: 5 } }));
    expect([run.signal, run.exitCode, run.stdout, run.stderr]).toEqual([SIGSYS, null, '', '']);
  });

  it.each(['execdata', 'writetext'])('evil %s faults with SIGSEGV (W^X)', async (mode) => {
    const run = await withClock(4, [], (clock) => launch('evil', { cmdline: mode, deviceFds: clock, spt: { epoll: 4, timer: 5 } }));
    expect([run.signal, run.exitCode, run.stdout]).toEqual([SIGSEGV, null, '']);
  });

  it.each([['getpid', /^FAIL: getpid returned \d+\n$/], ['dup', /^FAIL: dup returned \d+\n$/]])(
    'evil %s returns under an allow-all filter, so the kill above comes from the rules', async (mode, output) => {
      const run = await withClock(4, [], (clock) => launch('evil', { cmdline: mode, deviceFds: clock, spt: { epoll: 4, timer: 5 }, allowEverything: true }));
      expect([run.signal, run.exitCode]).toEqual([null, 3]);
      expect(run.stdout).toMatch(output);
    });

  it('evil with an unknown mode exits 4, so the modes above are really taken', async () => {
    const run = await withClock(4, [], (clock) => launch('evil', { cmdline: 'nothing', deviceFds: clock, spt: { epoll: 4, timer: 5 } }));
    expect([run.signal, run.exitCode, run.stdout]).toEqual([null, 4, "FAIL: unknown mode 'nothing'\n"]);
  });
});
