/**
 * runUnikernel: read and check an spt executable, open its devices, plan
 * the launch, and run it under the native tender, confined by both filters.
 */
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import type { BlockOption, NetOption } from './arguments.js';
import { closeDevices, openDevices } from './devices.js';
import { LaunchIoError } from './errors.js';
import { readSptImage } from './image.js';
import { planLoad } from './segments.js';
import { tenderBinary, spawnLibrary } from './paths.js';
import { memorySize, planLaunch, type LaunchPlan } from './plan.js';
import { loadLaunchPolicies } from './policies.js';
import { spawnTender, type OutputMode } from './spawn.js';

export type { OutputMode, OutputSink } from './spawn.js';

/** RunOptions describe one launch, mirroring `solo5-spt`'s options. */
export interface RunOptions {
  /** Path of the spt executable. */
  readonly kernel: string;
  /** Guest memory in MiB (default 512). */
  readonly memoryMiB?: number;
  readonly blocks?: readonly BlockOption[];
  readonly nets?: readonly NetOption[];
  /** The guest's command line words. */
  readonly args?: readonly string[];
  /** A guest policy instead of the shipped policies/solo5-spt.policy. */
  readonly policy?: string;
  /** 'inherit' (default), 'capture' into the result, or sinks that receive output as it comes. */
  readonly output?: OutputMode;
  /** Path of the native tender (default native/build/nabla-spt-tender). */
  readonly tender?: string;
  /** Path of the spawn helper library (default native/build/libnabla-spawn.so). */
  readonly spawnLibrary?: string;
}

/** RunResult is how the guest ended. */
export interface RunResult {
  /** The guest's exit status, when it exited. */
  readonly status?: number;
  /** The number of the signal that ended it (31 is SIGSYS: a forbidden system call). */
  readonly signal?: number;
  /** The signal's name, e.g. 'SIGSYS'. */
  readonly signalName?: string;
  /** The status a shell would report: the exit status, or 128 + the signal number. */
  readonly exitCode: number;
  /** Captured output with `output: 'capture'`. */
  readonly stdout?: Buffer;
  readonly stderr?: Buffer;
}

function readExecutable(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new LaunchIoError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file or directory' : (code ?? String(error))}`);
  }
}

/** Signal numbers to names; where two names share a number (SIGABRT, SIGIOT) the first, usual one wins. */
const SIGNAL_NAMES = new Map<number, string>();
for (const [name, number] of Object.entries(constants.signals)) if (!SIGNAL_NAMES.has(number)) SIGNAL_NAMES.set(number, name);

/** signalName names a signal number the way the shell does ('SIGSYS'). */
export function signalName(signal: number): string {
  return SIGNAL_NAMES.get(signal) ?? `signal ${signal}`;
}

/**
 * withLaunch checks the executable, opens its devices and plans the launch,
 * hands the plan and the devices to `use`, and closes the devices after.
 */
async function withLaunch<T>(options: RunOptions, use: (plan: LaunchPlan, devices: ReturnType<typeof openDevices>) => Promise<T> | T): Promise<T> {
  const image = readSptImage(readExecutable(options.kernel));
  const policies = loadLaunchPolicies(options.policy);
  // Memory and segments are judged before any device is opened.
  planLoad(image.elf, memorySize(options.memoryMiB));
  const devices = openDevices(options.blocks ?? [], options.nets ?? [], image.manifest);
  try {
    const plan = planLaunch({
      kernel: options.kernel,
      image,
      devices,
      policies,
      ...(options.memoryMiB === undefined ? {} : { memoryMiB: options.memoryMiB }),
      ...(options.args === undefined ? {} : { args: options.args }),
    });
    return await use(plan, devices);
  } finally {
    closeDevices(devices);
  }
}

/**
 * describeLaunch makes the plan of a launch without starting it: the
 * executable is checked and the devices opened (and closed again).
 */
export function describeLaunch(options: RunOptions): Promise<LaunchPlan> {
  return withLaunch(options, (plan) => plan);
}

/**
 * runUnikernel runs an spt unikernel and resolves with how it ended. A
 * refused launch rejects with LaunchRefused (exit 1); usage and I/O problems
 * with LaunchUsageError or LaunchIoError (exit 2).
 *
 *     const result = await runUnikernel({ kernel: 'hello.spt', memoryMiB: 2, output: 'capture' });
 *     result.exitCode; // 0
 */
export function runUnikernel(options: RunOptions): Promise<RunResult> {
  return withLaunch(options, async (plan, devices) => {
    const ending = await spawnTender(plan, devices, options.output ?? 'inherit', {
      tender: options.tender ?? tenderBinary(),
      spawnLibrary: options.spawnLibrary ?? spawnLibrary(),
    });
    const captured = ending.stdout === undefined ? {} : { stdout: ending.stdout, stderr: ending.stderr! };
    if (ending.signal !== undefined) {
      return { signal: ending.signal, signalName: signalName(ending.signal), exitCode: 128 + ending.signal, ...captured };
    }
    return { status: ending.status!, exitCode: ending.status!, ...captured };
  });
}
