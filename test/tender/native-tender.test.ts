/**
 * The tender on its own, with hand-written launch records: it runs the hello
 * guest end to end (under an allow-all filter, and under a filter allowing
 * only what the tender policy allows), and refuses every malformed record
 * with exit status 1 and a one-line message on stderr, before touching
 * guest memory.
 */
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { buildGuest } from '../fixtures/guests/build.js';
import { encodeLaunchRecord, readGuestImage, validLaunchFields } from './launch-record.js';
import type { GuestImage, LaunchFields } from './launch-record.js';
import { allowAll, allowList, sptGuestRules, tenderRules } from './native-filters.js';
import { buildTenderAndHello, NATIVE_SUPPORTED, runChild, runTender, TENDER_FDS, TENDER_PATH, temporaryDirectory } from './native-support.js';

const SETARCH = '/usr/bin/setarch';

const MEM_SIZE = 0x200000n; // 2 MiB, as upstream's tests use
let hello: string;
let image: GuestImage;

beforeAll(() => {
  if (!NATIVE_SUPPORTED) return;
  ({ hello, image } = buildTenderAndHello());
});

/** helloFields is a correct record for the hello guest (no devices: epoll 4, timer 5). */
function helloFields(cmdline = '', filter = allowAll()): LaunchFields {
  return validLaunchFields(image, { memSize: MEM_SIZE, elfFd: TENDER_FDS.elf, filter, boot: { cmdline, epollFd: 4, timerFd: 5 } });
}

const tenderFilter = (memSize = MEM_SIZE): Buffer =>
  allowList([...tenderRules({ execFd: TENDER_FDS.exec, elfFd: TENDER_FDS.elf, memSize }), ...sptGuestRules({ epoll: 4, timer: 5 })]);

describe.skipIf(!NATIVE_SUPPORTED)('tender runs the hello guest (x86_64 Linux only)', () => {
  it('prints the greeting and exits with the status from its command line', async () => {
    const run = await runTender({ record: encodeLaunchRecord(helloFields('7')), elfPath: hello, tenderFilter: allowAll() });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe("Hello, World\nCommand line is: '7'\n");
    expect(run.exitCode).toBe(7);
  });

  it('exits 0 with an empty command line, and drops --solo5: log level words', async () => {
    const empty = await runTender({ record: encodeLaunchRecord(helloFields('')), elfPath: hello, tenderFilter: allowAll() });
    expect([empty.exitCode, empty.stdout]).toEqual([0, "Hello, World\nCommand line is: ''\n"]);
    const quiet = await runTender({ record: encodeLaunchRecord(helloFields('--solo5:quiet 3 x')), elfPath: hello, tenderFilter: allowAll() });
    expect([quiet.exitCode, quiet.stdout]).toEqual([3, "Hello, World\nCommand line is: '3 x'\n"]);
  });

  it('needs nothing beyond the tender policy, and the guest nothing beyond the spt rules', async () => {
    const guestFilter = allowList(sptGuestRules({ epoll: 4, timer: 5 }));
    const run = await runTender({ record: encodeLaunchRecord(helloFields('5', guestFilter)), elfPath: hello, tenderFilter: tenderFilter() });
    expect(run.stderr).toBe('');
    expect([run.exitCode, run.stdout]).toEqual([5, "Hello, World\nCommand line is: '5'\n"]);
  });

  it.skipIf(!existsSync(SETARCH))('keeps guest data non-executable when the parent has a READ_IMPLIES_EXEC personality (needs setarch)', async () => {
    // setarch sets READ_IMPLIES_EXEC and execs the tender; exec of a 64-bit
    // ELF clears the flag again, which is why the tender does not query it.
    const evil = buildGuest('evil');
    const evilImage = readGuestImage(evil);
    const fields = validLaunchFields(evilImage, {
      memSize: MEM_SIZE, elfFd: TENDER_FDS.elf, filter: allowAll(), boot: { cmdline: 'execdata', epollFd: 4, timerFd: 5 },
    });
    const recordPath = join(temporaryDirectory(), 'record');
    writeFileSync(recordPath, encodeLaunchRecord(fields));
    const recordFd = openSync(recordPath, 'r');
    const elfFd = openSync(evil, 'r');
    try {
      const run = await runChild({
        execPath: SETARCH, argv: ['setarch', 'x86_64', '--read-implies-exec', TENDER_PATH], filter: allowAll(),
        execTarget: TENDER_FDS.exec, extra: [{ source: recordFd, target: 3 }, { source: elfFd, target: TENDER_FDS.elf }],
      });
      expect(run.stderr).toBe('');
      expect(run.signal).toBe(11);
    } finally {
      closeSync(recordFd);
      closeSync(elfFd);
    }
  });
});
