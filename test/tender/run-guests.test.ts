/**
 * End to end: each test guest run through runUnikernel and the `run`
 * command under the native tender, with its expected output and status.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/run.js';
import { runUnikernel } from '../../src/tender/run.js';
import { spawnLibrary, tenderBinary } from '../../src/tender/paths.js';
import { buildGuest } from '../fixtures/guests/build.js';

const supported = process.platform === 'linux' && process.arch === 'x64';
if (supported && (!existsSync(tenderBinary()) || !existsSync(spawnLibrary()))) {
  execFileSync(process.execPath, [join(import.meta.dirname, '..', '..', 'scripts', 'build-native.mjs')], { stdio: 'pipe' });
}
const ready = supported && existsSync(tenderBinary()) && existsSync(spawnLibrary());
const skipReason = 'the native tender needs x86_64 Linux and a C compiler (node scripts/build-native.mjs)';

const guests: Record<string, string> = {};
beforeAll(() => {
  if (!ready) return;
  for (const name of ['hello', 'blk', 'time', 'evil'] as const) guests[name] = buildGuest(name);
});

const directory = mkdtempSync(join(tmpdir(), 'nabla-guests-'));
function disk(name: string, size: number): string {
  const path = join(directory, name);
  writeFileSync(path, new Uint8Array(size));
  return path;
}

describe.skipIf(!ready)(`guests under the native tender${ready ? '' : ` (skipped: ${skipReason})`}`, () => {
  it('hello prints its greeting and command line and exits 0', async () => {
    const result = await runUnikernel({ kernel: guests.hello!, memoryMiB: 2, args: ['Hello_Solo5'], output: 'capture' });
    expect(result).toMatchObject({ status: 0, exitCode: 0 });
    expect(result.signal).toBeUndefined();
    expect(result.stdout!.toString()).toBe("Hello, World\nCommand line is: 'Hello_Solo5'\n");
    expect(result.stderr!.length).toBe(0);
  });

  it.each([1, 7, 42, 255])('passes the guest exit status %d through', async (status) => {
    const result = await runUnikernel({ kernel: guests.hello!, memoryMiB: 2, args: [String(status)], output: 'capture' });
    expect(result).toMatchObject({ status, exitCode: status });
  });

  it('time yields through the timerfd and epoll set and succeeds', async () => {
    const result = await runUnikernel({ kernel: guests.time!, memoryMiB: 2, output: 'capture' });
    expect(result.stdout!.toString()).toContain('SUCCESS');
    expect(result.exitCode).toBe(0);
  });

  it('time does not block the event loop while it waits', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 2);
    const result = await runUnikernel({ kernel: guests.time!, memoryMiB: 2, output: 'capture' });
    clearInterval(timer);
    expect(result.exitCode).toBe(0);
    expect(ticks).toBeGreaterThan(3);
  });

  it.each([512, 4096])('blk writes and verifies every sector of a 4 MiB disk with %d-byte sectors', async (sectorSize) => {
    const path = disk(`blk-${sectorSize}.img`, 4 << 20);
    const result = await runUnikernel({
      kernel: guests.blk!,
      memoryMiB: 2,
      blocks: [{ name: 'storage', path, sectorSize }],
      output: 'capture',
    });
    expect(result.stdout!.toString()).toContain('SUCCESS');
    expect(result.exitCode).toBe(0);
    expect(readFileSync(path).some((byte) => byte !== 0)).toBe(true);
  });

  it('blk reading past the end of its disk is killed by SIGSYS', async () => {
    const result = await runUnikernel({
      kernel: guests.blk!,
      memoryMiB: 2,
      blocks: [{ name: 'storage', path: disk('oob.img', 1 << 20) }],
      args: ['oob'],
      output: 'capture',
    });
    expect(result).toMatchObject({ signal: 31, signalName: 'SIGSYS', exitCode: 159 });
    expect(result.stdout!.toString()).not.toContain('FAIL');
  });

  it.each(['getpid', 'open', 'execve', 'write2', 'mmapexec', 'dup'])('evil %s is killed by SIGSYS', async (mode) => {
    const result = await runUnikernel({ kernel: guests.evil!, memoryMiB: 2, args: [mode], output: 'capture' });
    expect(result).toMatchObject({ signal: 31, signalName: 'SIGSYS', exitCode: 159 });
    expect(result.stdout!.toString()).not.toContain('FAIL');
    expect(result.stderr!.toString()).not.toContain('evil: write to fd 2');
  });

  it('runs launches side by side', async () => {
    const results = await Promise.all(
      ['1', '2', '3', '4', '5', '6'].map((word) => runUnikernel({ kernel: guests.hello!, memoryMiB: 2, args: [word], output: 'capture' })),
    );
    expect(results.map((r) => r.exitCode)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(results.map((r) => r.stdout!.toString())).toEqual(['1', '2', '3', '4', '5', '6'].map((w) => `Hello, World\nCommand line is: '${w}'\n`));
  });
});

describe.skipIf(!ready)(`the run command${ready ? '' : ` (skipped: ${skipReason})`}`, () => {
  async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const sink = (into: Buffer[]) => ({ write: (chunk: string | Uint8Array) => void into.push(Buffer.from(chunk)) });
    const code = await runCommand.run(argv, { stdout: sink(out), stderr: sink(err), env: {}, cwd: process.cwd() });
    return { code, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() };
  }

  it('streams the guest output and exits with its status', async () => {
    const { code, out, err } = await cli([guests.hello!, '--mem=2', '42']);
    expect(code).toBe(42);
    expect(out).toBe("Hello, World\nCommand line is: '42'\n");
    expect(err).toBe('');
  });

  it('says so when the guest is killed by SIGSYS and exits 159', async () => {
    const { code, out, err } = await cli([guests.evil!, '--mem=2', '--', 'open']);
    expect(code).toBe(159);
    expect(out).toBe('');
    expect(err).toBe('nabla-seccomp run: the guest was killed by SIGSYS: it made a system call its policy forbids\n');
  });

  it('runs blk with its disk named on the command line', async () => {
    const path = disk('cli.img', 1 << 20);
    const { code, out } = await cli([guests.blk!, '--mem=2', `--block:storage=${path}`, '--block-sector-size:storage=1024']);
    expect(out).toContain('SUCCESS');
    expect(code).toBe(0);
  });

  it('a guest policy given with --policy confines the guest: hello without write(1) dies', async () => {
    const policy = join(directory, 'silent.policy');
    writeFileSync(policy, 'param epoll: fd\nparam timer: fd\nallow exit_group\nallow arch_prctl where option == ARCH_SET_FS\n');
    const { code, out, err } = await cli([guests.hello!, '--mem=2', '--policy', policy]);
    expect(code).toBe(159);
    expect(out).toBe('');
    expect(err).toContain('SIGSYS');
  });
});
