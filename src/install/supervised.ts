/**
 * Running a command under a filter whose `notify` calls this process
 * answers. A filter with a listener must be installed by the process that
 * will become the command, and its listener fd must reach a supervisor that
 * the filter does not cover, before the command starts. The design:
 *
 * 1. This process spawns a stage (`stage.js`, a small Node program) with a
 *    socket on its fd 3 and sends it the program, path, argv and env.
 * 2. The stage lays out everything, says `installing`, installs the filter on
 *    its own thread with NEW_LISTENER, then blocks in `read(3, …)`.
 * 3. This process finds the listener among the stage's fds
 *    (`/proc/PID/fd`, `anon_inode:seccomp notify`), copies it with
 *    `pidfd_open` + `pidfd_getfd` (a parent may do so to its child), and
 *    only then sends the byte the stage waits for.
 * 4. The stage execs the command, which runs under the filter from its
 *    first instruction; this process answers its calls until it exits.
 *
 * If the policy sends the stage's own `read` to the supervisor, that one
 * call is recognised (the stage's pid, fd 3 and an unusual count) and let
 * through without being shown.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { InstallError, systemCallFailed } from './errors.js';
import { nativeCalls } from './ffi.js';
import type { NotificationResponse, SeccompNotification } from './notify.js';
import { NotificationListener, supervise } from './notify.js';

/** STAGE_CHANNEL_FD is the stage's end of the socket to its supervisor. */
export const STAGE_CHANNEL_FD = 3;
/** STAGE_SYNC_COUNT is the count of the stage's waiting read, chosen to be recognisable. */
export const STAGE_SYNC_COUNT = 0x5ecc;

/** StageRequest is what the stage is sent: everything it needs before installing. */
export interface StageRequest {
  /** The filter, base64. */
  readonly program: string;
  readonly path: string;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** SupervisedCommand is a command to run under a filter, and the answer to each notified call. */
export interface SupervisedCommand {
  readonly bytes: Uint8Array;
  readonly path: string;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly onCall: (notification: SeccompNotification) => NotificationResponse;
}

/** CommandExit is how the command ended, and how many calls were answered. */
export interface CommandExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly answered: number;
}

const LISTENER_LINK = 'anon_inode:seccomp notify';

/** findListener looks through a process's fds for a seccomp listener. */
function findListener(pid: number): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${entry}`) === LISTENER_LINK) return Number(entry);
    } catch {
      // The fd closed while we looked.
    }
  }
  return undefined;
}

/** copyDescriptor copies fd `target` of process `pid` into this process (pidfd_getfd). */
function copyDescriptor(pid: number, target: number): number {
  const calls = nativeCalls();
  const pidfd = calls.syscall('pidfd_open', pid, 0);
  if (pidfd === -1) throw systemCallFailed('E_NOTIFY', 'listener_transfer', 'pidfd_open', calls.errno());
  const fd = calls.syscall('pidfd_getfd', pidfd, target, 0);
  const errno = calls.errno();
  calls.syscall('close', pidfd);
  if (fd === -1) throw systemCallFailed('E_NOTIFY', 'listener_transfer', 'pidfd_getfd', errno);
  return fd;
}

/** stageScript is the path of the stage program beside this module. */
function stageScript(): string {
  const path = fileURLToPath(new URL('./stage.js', import.meta.url));
  if (!existsSync(path)) throw new Error(`the stage program ${path} is missing (run the built package)`);
  return path;
}

/** readLines calls `onLine` for each line the stage writes on its channel. */
function readLines(channel: Socket, onLine: (line: string) => void): void {
  let pending = '';
  channel.setEncoding('utf8');
  channel.on('data', (chunk: string) => {
    pending += chunk;
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      onLine(pending.slice(0, end));
      pending = pending.slice(end + 1);
    }
  });
}

/**
 * runSupervised runs a command under `bytes` (a filter whose refusals are
 * `notify`), answering each notified call with `onCall`, and resolves when
 * the command exits. Throws InstallError when the stage fails before the command starts.
 */
export async function runSupervised(command: SupervisedCommand): Promise<CommandExit> {
  const calls = nativeCalls();
  const readNumber = calls.syscallNumber('read');
  const child = spawn(process.execPath, [stageScript()], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const channel = child.stdio[STAGE_CHANNEL_FD] as Socket;
  const env = Object.fromEntries(
    Object.entries(command.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const program = Buffer.from(command.bytes).toString('base64');
  const request: StageRequest = { program, path: command.path, argv: command.argv, env };
  channel.write(`${JSON.stringify(request)}\n`);

  let failure: Error | undefined;
  const installing = new Promise<void>((resolve, reject) => {
    readLines(channel, (line) => {
      if (line === 'installing') return resolve();
      failure = stageError(line);
      reject(failure);
    });
    void exited.then(({ code, signal }) => reject(new Error(`the stage ended (${signal ?? `exit ${code}`}) before installing`)));
  });
  await installing;
  let target: number | undefined;
  for (let attempt = 0; target === undefined; attempt++) {
    if (failure) throw failure;
    if (hasExited || attempt > 5000) throw new Error('the stage installed no filter listener');
    target = findListener(child.pid!);
    if (target === undefined) await sleep(1);
  }
  const listener = new NotificationListener(copyDescriptor(child.pid!, target));
  channel.end('g');

  let syncSeen = false;
  const isStageSync = (call: SeccompNotification): boolean =>
    !syncSeen &&
    call.pid === child.pid &&
    call.data.nr === readNumber &&
    call.data.args[0] === BigInt(STAGE_CHANNEL_FD) &&
    call.data.args[2] === BigInt(STAGE_SYNC_COUNT);
  try {
    const answered = await supervise(
      listener,
      (call) => {
        if (isStageSync(call)) {
          syncSeen = true;
          return { kind: 'continue' };
        }
        return command.onCall(call);
      },
      { stop: () => hasExited },
    );
    return { ...(await exited), answered };
  } finally {
    listener.close();
  }
}

/** stageError turns a line the stage wrote instead of `installing` into an error. */
function stageError(line: string): Error {
  try {
    const reported = JSON.parse(line) as { code?: InstallError['code']; step?: InstallError['step']; message?: string; errno?: number };
    if (reported.code && reported.step) {
      return new InstallError(reported.code, reported.step, reported.message ?? 'the stage failed', { errno: reported.errno });
    }
    return new Error(reported.message ?? line);
  } catch {
    return new Error(`the stage wrote an unexpected line: ${line}`);
  }
}
