/**
 * Replacing the process with another program through execve(2), prepared in
 * advance: the path, argv and envp are laid out as C strings and pointer
 * arrays first.
 *
 * `prepareConfinedExec` is how a Node process becomes a program under a
 * filter: one call into the spawn helper installs the filter and execs, so
 * no JavaScript, and no garbage collection or signal handler of Node's, runs
 * under the new filter before the program starts. (A collection between two
 * separate calls makes system calls of V8's own, which a filter written for
 * the program refuses: the process then dies of SIGSYS instead of becoming
 * the program.) `prepareExec` alone is the bare execve, for a process that
 * installs nothing or can bear that risk.
 */
import { hostConstants } from '../arch/index.js';
import { spawnLibrary } from '../paths.js';
import type { FilterFlag } from './constants.js';
import { Errno, flagBits } from './constants.js';
import type { InstallError } from './errors.js';
import { flagCombination, noNewPrivsFailed, prctlSeccompFailed, prctlTakesNoFlags, systemCallFailed } from './errors.js';
import { installExecHelper, nativeCalls } from './ffi.js';
import { instructionCount, resolveFlags, seccompFailed } from './install.js';
import { seccompSyscallAvailable } from './support.js';

/** Kernel constants, from the generated tables. */
const K = hostConstants({
  F_SETFD: 'F_SETFD',
  F_GETFL: 'F_GETFL',
  F_SETFL: 'F_SETFL',
  O_NONBLOCK: 'O_NONBLOCK',
  SIG_SETMASK: 'SIG_SETMASK',
});

/** PreparedExec is an execve(2) with its memory laid out, ready to run. */
export interface PreparedExec {
  readonly path: string;
  /**
   * registers are execve's three arguments as the filter will see them (the
   * addresses of path, argv and envp), for checking a filter allows the call.
   */
  readonly registers: readonly [bigint, bigint, bigint];
  /** exec replaces the process; it returns only by throwing InstallError E_EXECVE. */
  exec(): never;
}

/** cString lays out a NUL-terminated string. */
function cString(text: string): Buffer {
  if (text.includes('\0')) throw new Error(`a string passed to execve contains a NUL byte: ${JSON.stringify(text)}`);
  return Buffer.from(`${text}\0`, 'utf8');
}

/** pointerArray lays out a NULL-terminated array of pointers to the given strings. */
function pointerArray(strings: readonly Buffer[]): Buffer {
  const calls = nativeCalls();
  const array = Buffer.alloc((strings.length + 1) * calls.pointerSize);
  strings.forEach((string, index) => calls.writePointer(array, index * calls.pointerSize, string));
  return array;
}

/** ExecLayout is execve's three arguments laid out in memory, and the buffers that must stay alive. */
interface ExecLayout {
  readonly addresses: readonly [number, number, number];
  readonly keep: readonly unknown[];
}

/** layoutExec lays out `execve(path, argv, envp)`, `env` as `NAME=value` strings. */
function layoutExec(path: string, argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ExecLayout {
  const calls = nativeCalls();
  const pathString = cString(path);
  const argumentStrings = argv.map(cString);
  const environmentStrings = Object.entries(env)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => cString(`${name}=${value}`));
  const argvArray = pointerArray(argumentStrings);
  const envpArray = pointerArray(environmentStrings);
  return {
    addresses: [calls.address(pathString), calls.address(argvArray), calls.address(envpArray)],
    keep: [pathString, argumentStrings, environmentStrings, argvArray, envpArray],
  };
}

/** registersOf gives the addresses as the filter sees execve's arguments. */
function registersOf(layout: ExecLayout): [bigint, bigint, bigint] {
  return [BigInt(layout.addresses[0]), BigInt(layout.addresses[1]), BigInt(layout.addresses[2])];
}

/**
 * prepareExec lays out `execve(path, argv, envp)`. `path` is used as given
 * (resolve it against PATH first); `env` becomes `NAME=value` strings.
 */
export function prepareExec(
  path: string,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): PreparedExec {
  const calls = nativeCalls();
  const layout = layoutExec(path, argv, env);
  return {
    path,
    registers: registersOf(layout),
    exec(): never {
      calls.syscall('execve', ...layout.addresses);
      const errno = calls.errno();
      void layout.keep;
      throw systemCallFailed('E_EXECVE', 'execve', `execve(${path})`, errno);
    },
  };
}

/** ConfinedExecOptions shape a confined exec. */
export interface ConfinedExecOptions {
  /**
   * flags are SECCOMP_FILTER_FLAG_* to pass (log, spec_allow, new_listener,
   * wait_killable_recv). TSYNC is refused: execve ends every other thread,
   * so only the calling thread's filter matters.
   */
  readonly flags?: readonly FilterFlag[];
  /**
   * waitFor makes one `read(fd, …, count)` between the install and the
   * execve (0 to 65536 bytes; its result is ignored): the point where a
   * supervisor takes a copy of the listener before the program starts.
   */
  readonly waitFor?: { readonly fd: number; readonly count: number };
  /** helper is the spawn helper library (default: the package's `native/build/libnabla-spawn.so`). */
  readonly helper?: string;
}

/** PreparedConfinedExec is a filter and an execve laid out, ready to become the program. */
export interface PreparedConfinedExec {
  readonly path: string;
  /** registers are execve's three arguments as the filter will see them. */
  readonly registers: readonly [bigint, bigint, bigint];
  /** The number of instructions of the filter. */
  readonly length: number;
  readonly flags: readonly FilterFlag[];
  /** How the filter goes in: seccomp(2), or prctl(PR_SET_SECCOMP) on kernels without it. */
  readonly via: 'seccomp' | 'prctl';
  /**
   * exec gives caught signals their default action (prepareProcessForExec),
   * then installs the filter on this thread and execs in one native call. It
   * returns only by throwing InstallError: the failing step and errno.
   */
  exec(): never;
}

/** The steps of `nabla_install_exec`, as native/spawn/spawn.h numbers them. */
export const HelperStep = Object.freeze({ none: 0, noNewPrivs: 6, seccomp: 7, exec: 8 });
/** How `nabla_install_exec` installs (enum nabla_install_method). */
const HelperMethod = Object.freeze({ seccomp: 0, prctl: 1 });
const MAX_WAIT = 65536;

/**
 * prepareConfinedExec checks a program and the flags, loads FFI and the
 * spawn helper, and lays out the filter and `execve(path, argv, envp)`.
 * Throws InstallError (E_PROGRAM_LENGTH, E_FLAG_COMBINATION,
 * E_FFI_UNAVAILABLE, E_HELPER_UNAVAILABLE).
 */
export function prepareConfinedExec(
  bytes: Uint8Array,
  path: string,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  options: ConfinedExecOptions = {},
): PreparedConfinedExec {
  const length = instructionCount(bytes);
  if (options.flags?.some((flag) => flag === 'tsync' || flag === 'tsync_esrch')) {
    throw flagCombination('a confined exec filters the calling thread only (execve ends the others), so it takes no TSYNC flags');
  }
  const waitFor = options.waitFor;
  if (waitFor && !(Number.isInteger(waitFor.fd) && waitFor.fd >= 0 && Number.isInteger(waitFor.count) && waitFor.count >= 0 && waitFor.count <= MAX_WAIT)) {
    throw flagCombination(`waitFor needs an fd >= 0 and a count of 0 to ${MAX_WAIT} bytes`);
  }
  const flags = resolveFlags({ allThreads: false, flags: options.flags ?? [] });
  const calls = nativeCalls();
  const helper = installExecHelper(options.helper ?? spawnLibrary());
  const via = seccompSyscallAvailable() ? 'seccomp' : 'prctl';
  if (via === 'prctl' && flags.length > 0) throw prctlTakesNoFlags(flags);
  const filter = Buffer.from(bytes);
  const filterAddress = calls.address(filter);
  const layout = layoutExec(path, argv, env);
  const bits = flagBits(flags);
  return {
    path,
    registers: registersOf(layout),
    length,
    flags,
    via,
    exec(): never {
      prepareProcessForExec();
      const result = helper.installExec(
        filterAddress, length, bits, HelperMethod[via], waitFor?.fd ?? -1, waitFor?.count ?? 0, ...layout.addresses,
      );
      void filter;
      throw helperFailed(-result, helper.failedStep(), path, via, flags);
    },
  };
}

/** helperFailed turns `nabla_install_exec`'s failure into the typed error of the step that failed. */
function helperFailed(errno: number, step: number, path: string, via: 'seccomp' | 'prctl', flags: readonly FilterFlag[]): InstallError {
  switch (step) {
    case HelperStep.noNewPrivs:
      return noNewPrivsFailed(errno);
    case HelperStep.seccomp:
      return via === 'prctl' ? prctlSeccompFailed(errno) : seccompFailed(errno, flags);
    case HelperStep.exec:
      return systemCallFailed('E_EXECVE', 'execve', `execve(${path})`, errno);
    default:
      return systemCallFailed('E_EXECVE', 'validate', 'nabla_install_exec refused its arguments', errno);
  }
}

const SIGSET_SIZE = 8;
/** Signals Node sets to SIG_IGN, which execve would pass on to the new program. */
const IGNORED_BY_NODE = hostConstants({ SIGPIPE: 'SIGPIPE', SIGXFSZ: 'SIGXFSZ' });

/** Signals no process can catch, and glibc's own two, which only glibc sends. */
const UNTOUCHED_SIGNALS = new Set([9, 19, 32, 33]);
const LAST_SIGNAL = 64;
/** struct sigaction as rt_sigaction takes it on x86_64: handler, flags, restorer, mask. */
const KERNEL_SIGACTION_SIZE = 32;
const SIG_IGN = 1n;

/**
 * prepareProcessForExec undoes what Node did to the process that a new
 * program would otherwise inherit, or lose, and makes sure no code of this
 * process runs between the install and the execve:
 *
 * - the standard descriptors 0–2 are made to survive execve (Node marks every
 *   descriptor it inherits close-on-exec, so only these three reach the new
 *   program) and lose O_NONBLOCK (libuv sets it on pipes and terminals);
 * - every caught signal gets its default action back, as execve would give
 *   it anyway: a handler of Node's that ran after the install would make
 *   system calls the policy denies, and the process would die of SIGSYS
 *   instead of becoming the program. The handlers are reset with every
 *   signal blocked, so none runs half-way;
 * - SIGPIPE and SIGXFSZ, which Node ignores, get their default action back;
 * - no signal stays blocked.
 *
 * Call it just before installing.
 */
export function prepareProcessForExec(): void {
  const calls = nativeCalls();
  for (const fd of [0, 1, 2]) {
    // Node marks every descriptor it inherits close-on-exec when it starts.
    calls.syscall('fcntl', fd, K.F_SETFD, 0);
    const flags = calls.syscall('fcntl', fd, K.F_GETFL);
    if (flags !== -1 && (flags & K.O_NONBLOCK) !== 0) calls.syscall('fcntl', fd, K.F_SETFL, flags & ~K.O_NONBLOCK);
  }
  const setMask = (set: Buffer, call: string) => {
    if (calls.syscall('rt_sigprocmask', K.SIG_SETMASK, calls.address(set), 0, SIGSET_SIZE) === -1) {
      throw systemCallFailed('E_EXECVE', 'execve', call, calls.errno());
    }
  };
  setMask(Buffer.alloc(SIGSET_SIZE, 0xff), 'rt_sigprocmask');
  const ignoredByNode = new Set<number>(Object.values(IGNORED_BY_NODE));
  const current = Buffer.alloc(KERNEL_SIGACTION_SIZE);
  const defaultAction = Buffer.alloc(KERNEL_SIGACTION_SIZE);
  for (let signal = 1; signal <= LAST_SIGNAL; signal++) {
    if (UNTOUCHED_SIGNALS.has(signal)) continue;
    if (calls.syscall('rt_sigaction', signal, 0, calls.address(current), SIGSET_SIZE) === -1) continue;
    const handler = current.readBigUInt64LE(0);
    if (handler === 0n || (handler === SIG_IGN && !ignoredByNode.has(signal))) continue;
    if (calls.syscall('rt_sigaction', signal, calls.address(defaultAction), 0, SIGSET_SIZE) === -1) {
      throw systemCallFailed('E_EXECVE', 'execve', 'rt_sigaction', calls.errno());
    }
  }
  setMask(Buffer.alloc(SIGSET_SIZE), 'rt_sigprocmask');
}

/**
 * execFailed says, through `write`, that `path` could not be run, and
 * returns the status a shell gives then: 127 when there is no such program,
 * 126 when it cannot be executed.
 */
export function execFailed(write: (text: string) => void, path: string, error: InstallError): number {
  write(`nabla-seccomp exec: cannot run ${path}: ${error.message}\n`);
  return error.errno === Errno.ENOENT ? 127 : 126;
}
