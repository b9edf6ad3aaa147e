/**
 * Runs seccomp programs in the real kernel, one child process per syscall
 * case, through the small C program `seccomp-harness.c` (built on demand with
 * the machine's `cc` into `test/.tmp/`). Nothing is ever installed in the
 * calling process.
 *
 * The harness stacks a TRACE-everything filter under the program, so no
 * syscall ever executes: ALLOW, LOG, TRACE and NOTIFY (no listener) all come
 * back as ENOSYS and are reported as `passed`. `expectedKernelOutcome` maps
 * an emulator's return value to what the harness will observe.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ActionValue, decodeAction, MAX_ERRNO } from '../../src/bpf/seccomp.js';

/** KernelOutcome is what the kernel did with one syscall case. */
export type KernelOutcome =
  | { kind: 'passed' }
  | { kind: 'errno'; errno: number }
  | { kind: 'trap'; data: number }
  | { kind: 'kill_thread' }
  | { kind: 'kill_process' }
  | { kind: 'install_failed'; errno: number }
  | { kind: 'unsupported'; reason: string }
  /** Anything the harness did not expect (a stray signal, a real return value). */
  | { kind: 'unexpected'; detail: string };

/** KernelCase is one syscall to issue: number, up to six 64-bit args, mode. */
export interface KernelCase {
  readonly nr: number;
  readonly args?: readonly bigint[];
  /** 'native' uses `syscall` (x86_64, or x32 when nr has bit 30); 'i386' uses `int $0x80`. */
  readonly mode?: 'native' | 'i386';
}

/** KernelRunOptions tunes the install of the program under test. */
export interface KernelRunOptions {
  /**
   * Flags for seccomp(SECCOMP_SET_MODE_FILTER); 0, the kernel default, when
   * absent. TSYNC and NEW_LISTENER are refused: the first would filter the
   * harness's reporting thread, the second would leave NOTIFY calls waiting.
   */
  readonly flags?: number;
}

/** TrapReport is the siginfo of a SIGSYS raised by SECCOMP_RET_TRAP. */
export interface TrapReport {
  readonly data: number;
  readonly syscall: number;
  readonly arch: number;
}

/** KernelRun is a whole harness invocation with the details behind the outcomes. */
export interface KernelRun {
  readonly outcomes: KernelOutcome[];
  /** The siginfo of each trapped case (undefined for other cases). */
  readonly traps: (TrapReport | undefined)[];
  /** The instruction pointer seccomp reports for each call site of the harness. */
  readonly instructionPointer: { readonly native: bigint; readonly i386: bigint };
}

/** SECCOMP_FILTER_FLAG_LOG: log every action except ALLOW. */
export const SECCOMP_FILTER_FLAG_LOG = 2;

/** Flags the harness cannot honour: SECCOMP_FILTER_FLAG_TSYNC and SECCOMP_FILTER_FLAG_NEW_LISTENER. */
const UNSUPPORTED_FLAGS = 1 | 8;

/** ENOSYS, which the harness reads as "the program let the call through". */
export const ENOSYS = 38;

const supportDirectory = dirname(fileURLToPath(import.meta.url));
const sourcePath = join(supportDirectory, 'seccomp-harness.c');
const buildDirectory = join(supportDirectory, '..', '.tmp');
const binaryPath = join(buildDirectory, 'seccomp-harness');

/** harnessBinary builds the harness when missing or older than its source and returns its path. */
export function harnessBinary(): string {
  const fresh = existsSync(binaryPath) && statSync(binaryPath).mtimeMs >= statSync(sourcePath).mtimeMs;
  if (!fresh) {
    mkdirSync(buildDirectory, { recursive: true });
    // Build under a private name and rename, so parallel test files never see half a binary.
    const temporary = `${binaryPath}.${process.pid}`;
    execFileSync('cc', ['-O2', '-Wall', '-no-pie', '-pthread', '-o', temporary, sourcePath], { stdio: 'pipe' });
    renameSync(temporary, binaryPath);
  }
  return binaryPath;
}

/** encodeHarnessInput lays out the harness's binary input (see seccomp-harness.c). */
export function encodeHarnessInput(filter: Uint8Array, cases: readonly KernelCase[], flags = 0): Buffer {
  if (filter.length % 8 !== 0) throw new Error(`filter is ${filter.length} bytes, not a whole number of instructions`);
  const header = Buffer.alloc(8);
  header.writeUInt32LE(flags >>> 0, 0);
  header.writeUInt32LE(filter.length / 8, 4);
  const body = Buffer.alloc(4 + 56 * cases.length);
  body.writeUInt32LE(cases.length, 0);
  cases.forEach((one, index) => {
    const base = 4 + 56 * index;
    if ((one.args?.length ?? 0) > 6) throw new Error(`case ${index} has more than six args`);
    body.writeUInt32LE(one.nr >>> 0, base);
    body.writeUInt32LE(one.mode === 'i386' ? 1 : 0, base + 4);
    for (let arg = 0; arg < 6; arg++) {
      body.writeBigUInt64LE(BigInt.asUintN(64, one.args?.[arg] ?? 0n), base + 8 + 8 * arg);
    }
  });
  return Buffer.concat([header, Buffer.from(filter.buffer, filter.byteOffset, filter.length), body]);
}

/** parseOutcome turns one harness result (after "case N ") into an outcome and trap details. */
function parseOutcome(text: string): { outcome: KernelOutcome; trap?: TrapReport } {
  const [word, ...rest] = text.split(' ');
  const numbers = rest.map((field) => Number(field));
  switch (word) {
    case 'passed':
      return { outcome: { kind: 'passed' } };
    case 'errno':
      return { outcome: { kind: 'errno', errno: numbers[0] ?? Number.NaN } };
    case 'trap': {
      const trap = { data: numbers[0] ?? Number.NaN, syscall: numbers[1] ?? Number.NaN, arch: numbers[2] ?? Number.NaN };
      return { outcome: { kind: 'trap', data: trap.data }, trap };
    }
    case 'kill_thread':
      return { outcome: { kind: 'kill_thread' } };
    case 'kill_process':
      return { outcome: { kind: 'kill_process' } };
    case 'install_failed':
      return { outcome: { kind: 'install_failed', errno: numbers[0] ?? Number.NaN } };
    case 'unsupported':
      return { outcome: { kind: 'unsupported', reason: rest.join(' ') } };
    default:
      return { outcome: { kind: 'unexpected', detail: text } };
  }
}

/** runInKernelDetailed runs every case against `filter` in one harness process. */
export function runInKernelDetailed(
  filter: Uint8Array,
  cases: readonly KernelCase[],
  options: KernelRunOptions = {},
): KernelRun {
  if (((options.flags ?? 0) & UNSUPPORTED_FLAGS) !== 0) throw new Error('the harness cannot install with TSYNC or NEW_LISTENER');
  const result = spawnSync(harnessBinary(), [], {
    input: encodeHarnessInput(filter, cases, options.flags ?? 0),
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`seccomp-harness failed (${result.status}): ${result.stderr}`);
  const lines = result.stdout.trim().split('\n');
  const ipMatch = /^ip (0x[0-9a-f]+) (0x[0-9a-f]+)$/.exec(lines[0] ?? '');
  if (!ipMatch) throw new Error(`seccomp-harness printed no call sites: ${result.stdout}`);
  const outcomes: KernelOutcome[] = [];
  const traps: (TrapReport | undefined)[] = [];
  for (const line of lines.slice(1)) {
    const match = /^case (\d+) (.*)$/.exec(line);
    if (!match || Number(match[1]) !== outcomes.length) throw new Error(`seccomp-harness: bad line '${line}'`);
    const parsed = parseOutcome(match[2] ?? '');
    outcomes.push(parsed.outcome);
    traps.push(parsed.trap);
  }
  if (outcomes.length !== cases.length) throw new Error(`seccomp-harness answered ${outcomes.length} of ${cases.length} cases`);
  return { outcomes, traps, instructionPointer: { native: BigInt(ipMatch[1] ?? 0), i386: BigInt(ipMatch[2] ?? 0) } };
}

/** runInKernel installs `filter` (raw sock_filter bytes) in a child per case and reports each outcome. */
export function runInKernel(
  filter: Uint8Array,
  cases: readonly KernelCase[],
  options: KernelRunOptions = {},
): KernelOutcome[] {
  return runInKernelDetailed(filter, cases, options).outcomes;
}

let availability: { ok: boolean; reason?: string } | undefined;

/** kernelAvailable says whether the harness builds and a trivial filter runs here (cached). */
export function kernelAvailable(): { ok: boolean; reason?: string } {
  if (availability) return availability;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    availability = { ok: false, reason: `the harness needs x86_64 Linux, not ${process.platform}/${process.arch}` };
    return availability;
  }
  try {
    harnessBinary();
  } catch (error) {
    availability = { ok: false, reason: `cannot build the seccomp harness with cc: ${String(error)}` };
    return availability;
  }
  try {
    const allow = new Uint8Array([0x06, 0, 0, 0, 0x00, 0x00, 0xff, 0x7f]); // ret ALLOW
    const [outcome] = runInKernel(allow, [{ nr: 39 }]);
    availability = outcome?.kind === 'passed'
      ? { ok: true }
      : { ok: false, reason: `seccomp does not work here: ${JSON.stringify(outcome)}` };
  } catch (error) {
    availability = { ok: false, reason: `the seccomp harness failed: ${String(error)}` };
  }
  return availability;
}

let i386Availability: { ok: boolean; reason?: string } | undefined;

/** i386Available says whether `int $0x80` calls reach seccomp here (needs IA32 emulation; cached). */
export function i386Available(): { ok: boolean; reason?: string } {
  if (i386Availability) return i386Availability;
  const kernel = kernelAvailable();
  if (!kernel.ok) {
    i386Availability = kernel;
    return i386Availability;
  }
  const errno5 = new Uint8Array([0x06, 0, 0, 0, 0x05, 0x00, 0x05, 0x00]); // ret ERRNO(5)
  const [outcome] = runInKernel(errno5, [{ nr: 20, mode: 'i386' }]);
  i386Availability = outcome?.kind === 'errno' && outcome.errno === 5
    ? { ok: true }
    : { ok: false, reason: outcome?.kind === 'unsupported' ? outcome.reason : `int $0x80 gave ${JSON.stringify(outcome)}` };
  return i386Availability;
}

/**
 * expectedKernelOutcome maps a filter return value (as the emulator computes
 * it) to what the harness observes. The kernel keeps the most restrictive of
 * the stacked results by comparing the action bits as signed 32-bit numbers;
 * everything at or above TRACE (TRACE, LOG, ALLOW, and unknown codes in
 * between) loses to the harness's TRACE filter and shows as `passed`, as does
 * NOTIFY with no listener. ERRNO data is capped at 4095, and ERRNO(ENOSYS)
 * cannot be told apart from `passed`. Other unknown codes kill the process.
 */
export function expectedKernelOutcome(ret: number): KernelOutcome {
  const signedAction = (ret & 0xffff0000) | 0;
  if (signedAction >= (ActionValue.trace | 0)) return { kind: 'passed' };
  const { action, data } = decodeAction(ret);
  switch (action) {
    case 'notify':
    case 'trace':
    case 'log':
    case 'allow':
      return { kind: 'passed' };
    case 'errno': {
      const errno = Math.min(data, MAX_ERRNO);
      return errno === ENOSYS ? { kind: 'passed' } : { kind: 'errno', errno };
    }
    case 'trap':
      return { kind: 'trap', data };
    case 'kill_thread':
      return { kind: 'kill_thread' };
    case 'kill_process':
      return { kind: 'kill_process' };
  }
}
