/**
 * The stage: the program `runSupervised` spawns to become the command. It
 * reads its request from fd 3, lays out the filter and the execve, says
 * `installing`, and then, in one call into the spawn helper, installs the
 * filter on its own thread with NEW_LISTENER, waits in `read(3, …)` until
 * the supervisor holds a copy of the listener, and execs the command. See
 * supervised.ts for the whole exchange.
 *
 * Failures before the install are written to fd 3 as one JSON line
 * `{code, step, message, errno}`; a failed execve is printed to stderr and
 * ends the stage with 127 (not found) or 126, as shells do.
 */
import { hostConstants } from '../arch/index.js';
import { readSync, writeSync } from 'node:fs';
import { InstallError } from './errors.js';
import type { PreparedConfinedExec } from './execve.js';
import { execFailed, prepareConfinedExec } from './execve.js';
import { nativeCalls } from './ffi.js';
import type { StageRequest } from './supervised.js';
import { STAGE_CHANNEL_FD, STAGE_SYNC_COUNT } from './supervised.js';

/** Kernel constants, from the generated tables. */
const K = hostConstants({
  F_SETFD: 'F_SETFD',
  FD_CLOEXEC: 'FD_CLOEXEC',
});

/** readRequest reads the one JSON line the supervisor sends. */
function readRequest(): StageRequest {
  const chunks: Buffer[] = [];
  const chunk = Buffer.alloc(65536);
  for (;;) {
    let count: number;
    try {
      count = readSync(STAGE_CHANNEL_FD, chunk, 0, chunk.length, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw error;
    }
    if (count === 0) throw new Error('the supervisor closed the channel before sending the request');
    chunks.push(Buffer.from(chunk.subarray(0, count)));
    const text = Buffer.concat(chunks).toString('utf8');
    const end = text.indexOf('\n');
    if (end >= 0) return JSON.parse(text.slice(0, end)) as StageRequest;
  }
}

function report(error: unknown): void {
  const fields =
    error instanceof InstallError
      ? { code: error.code, step: error.step, message: error.message, errno: error.errno }
      : { message: error instanceof Error ? error.message : String(error) };
  writeSync(STAGE_CHANNEL_FD, `${JSON.stringify(fields)}\n`);
}

function run(): void {
  let confined: PreparedConfinedExec;
  try {
    const request = readRequest();
    const calls = nativeCalls();
    confined = prepareConfinedExec(Buffer.from(request.program, 'base64'), request.path, request.argv, request.env, {
      flags: ['new_listener'],
      waitFor: { fd: STAGE_CHANNEL_FD, count: STAGE_SYNC_COUNT },
    });
    calls.syscall('fcntl', STAGE_CHANNEL_FD, K.F_SETFD, K.FD_CLOEXEC);
    writeSync(STAGE_CHANNEL_FD, 'installing\n');
  } catch (error) {
    report(error);
    process.exit(125);
  }
  try {
    confined.exec();
  } catch (error) {
    if (!(error instanceof InstallError) || error.step !== 'execve') {
      report(error);
      process.exit(125);
    }
    process.exit(execFailed((text) => process.stderr.write(text), confined.path, error));
  }
}

run();
