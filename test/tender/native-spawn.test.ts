/**
 * The spawn helper on its own: it places fds (also when sources and targets
 * overlap), closes every other fd, hides the exec fd, resets signals, sets
 * no_new_privs, installs the filter before exec, and reports failures of its
 * steps as -errno. Each case forks a child through the helper; filters are
 * installed only in those children.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { buildHostProgram } from '../fixtures/guests/build.js';
import { allowAll, denySyscall, RET_ERRNO, RET_KILL_PROCESS } from './native-filters.js';
import { BUILD_SCRIPT, NATIVE_SUPPORTED, runChild, spawnRaw, temporaryDirectory } from './native-support.js';

const GETPPID = 110;
const EPERM = 1;
const EBADF = 9;
const EINVAL = 22;
const EACCES = 13;
const STEP = { move: 2, seccomp: 7, exec: 8 } as const;

let probe: string;

beforeAll(() => {
  if (!NATIVE_SUPPORTED) return;
  const build = spawnSync(process.execPath, [BUILD_SCRIPT, '--strict'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`native build failed: ${build.stderr}`);
  probe = buildHostProgram('spawn-probe');
});

/** withFiles opens files holding the given texts for reading and closes them afterwards. */
async function withFiles<T>(texts: readonly string[], body: (fds: number[]) => Promise<T>): Promise<T> {
  const directory = temporaryDirectory();
  const fds = texts.map((text, index) => {
    const path = join(directory, `file${index}`);
    writeFileSync(path, text);
    return openSync(path, 'r');
  });
  try {
    return await body(fds);
  } finally {
    fds.forEach((fd) => closeSync(fd));
  }
}

describe.skipIf(!NATIVE_SUPPORTED)('nabla_spawn (x86_64 Linux only)', () => {
  it('places fds, closes the others, hides the exec fd and resets signals', async () => {
    const run = await withFiles(['alpha', 'beta'], ([alpha, beta]) =>
      runChild({
        execPath: probe, argv: ['spawn-probe', '3', '7'], filter: allowAll(), execTarget: 9,
        extra: [{ source: alpha!, target: 7 }, { source: beta!, target: 3 }],
      }));
    expect(run.exitCode).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'fds: 0 1 2 3 7', 'no_new_privs: 1', 'seccomp: 2', 'personality: 0x0', 'sigpipe: default', 'blocked: none', 'getppid: ok',
      'fd 3: beta', 'fd 7: alpha', '',
    ]);
  });

  it('places fds whose sources are other pairs\' targets (a swap)', async () => {
    const { run, first, second } = await withFiles(['first', 'second'], async ([first, second]) => ({
      first, second,
      run: await runChild({
        execPath: probe, argv: ['spawn-probe', String(first), String(second)], filter: allowAll(), execTarget: 2000,
        extra: [{ source: first!, target: second! }, { source: second!, target: first! }],
      }),
    }));
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines).toContain(`fd ${second}: first`);
    expect(lines).toContain(`fd ${first}: second`);
    const [low, high] = [first!, second!].sort((left, right) => left - right);
    expect(lines[0]).toBe(`fds: 0 1 2 ${low} ${high}`);
  });

  it('installs the filter before exec: ERRNO for one syscall', async () => {
    const run = await runChild({ execPath: probe, argv: ['spawn-probe'], filter: denySyscall(GETPPID, RET_ERRNO(EPERM)), execTarget: 5 });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`getppid: errno ${EPERM}\n`);
  });

  it('installs the filter before exec: a killing rule ends the child with SIGSYS', async () => {
    const run = await runChild({ execPath: probe, argv: ['spawn-probe'], filter: denySyscall(GETPPID, RET_KILL_PROCESS), execTarget: 5 });
    expect(run.signal).toBe(31);
    expect(run.exitCode).toBeNull();
  });

  it('runs /bin/cat on a placed fd with argv and envp', async () => {
    const run = await withFiles(['from a placed fd\n'], ([file]) =>
      runChild({ execPath: '/bin/cat', argv: ['cat', '/dev/fd/4'], filter: allowAll(), execTarget: 8, env: ['LC_ALL=C'], extra: [{ source: file!, target: 4 }] }));
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('from a placed fd\n');
  });
});

describe.skipIf(!NATIVE_SUPPORTED)('nabla_spawn failures (x86_64 Linux only)', () => {
  const exec = (): number => openSync(probe, 'r');

  it.each([
    ['an exec fd that is not a target', { filterLength: undefined, execTarget: 9, pairs: (fd: number) => [{ source: fd, target: 5 }] }],
    ['an empty filter', { filterLength: 0, execTarget: 5, pairs: (fd: number) => [{ source: fd, target: 5 }] }],
    ['a filter over 4096 instructions', { filterLength: 4097, execTarget: 5, pairs: (fd: number) => [{ source: fd, target: 5 }] }],
    ['two pairs with the same target', { filterLength: undefined, execTarget: 5, pairs: (fd: number) => [{ source: fd, target: 5 }, { source: fd, target: 5 }] }],
    ['a negative target', { filterLength: undefined, execTarget: 5, pairs: (fd: number) => [{ source: fd, target: 5 }, { source: fd, target: -1 }] }],
  ])('refuses %s with -EINVAL', (_, request) => {
    const fd = exec();
    try {
      const { result } = spawnRaw({ filter: allowAll(), filterLength: request.filterLength, pairs: request.pairs(fd), execTarget: request.execTarget, argv: ['x'] });
      expect(result).toBe(-EINVAL);
    } finally {
      closeSync(fd);
    }
  });

  it('reports a source fd that is not open as -EBADF at the move step', () => {
    const fd = exec();
    try {
      const { result, step } = spawnRaw({ filter: allowAll(), pairs: [{ source: 987, target: 4 }, { source: fd, target: 5 }], execTarget: 5, argv: ['x'] });
      expect([result, step]).toEqual([-EBADF, STEP.move]);
    } finally {
      closeSync(fd);
    }
  });

  it('reports a filter the kernel rejects as -EINVAL at the seccomp step', () => {
    const fd = exec();
    try {
      // A lone load without a return is not a valid program.
      const invalid = Buffer.from([0x20, 0, 0, 0, 0, 0, 0, 0]);
      const { result, step } = spawnRaw({ filter: invalid, pairs: [{ source: fd, target: 5 }], execTarget: 5, argv: ['x'] });
      expect([result, step]).toEqual([-EINVAL, STEP.seccomp]);
    } finally {
      closeSync(fd);
    }
  });

  it('reports a file that cannot be executed as -EACCES at the exec step', () => {
    const path = join(temporaryDirectory(), 'not-executable');
    writeFileSync(path, '#!/bin/sh\n', { mode: 0o644 });
    const fd = openSync(path, 'r');
    try {
      const { result, step } = spawnRaw({ filter: allowAll(), pairs: [{ source: fd, target: 5 }], execTarget: 5, argv: ['x'] });
      expect([result, step]).toEqual([-EACCES, STEP.exec]);
    } finally {
      closeSync(fd);
    }
  });
});
