/**
 * Installing a filter: `prctl(PR_SET_NO_NEW_PRIVS)`, then
 * `seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog)`, with
 * `prctl(PR_SET_SECCOMP)` as the fallback on kernels without seccomp(2).
 *
 * Installing is split in two so that a caller can do all its allocation
 * first: `prepareInstall` checks the program and the flags, loads FFI and
 * lays out `struct sock_fprog`; `PreparedInstall.install` then only makes the
 * system calls. The program's memory stays referenced for the life of the
 * process, so nothing the kernel was pointed at is ever freed under it.
 */
import { endianness } from 'node:os';
import { BPF_MAXINSNS } from '../bpf/seccomp.js';
import type { FilterFlag } from './constants.js';
import { Errno, FilterFlagBit, flagBits, Prctl, SeccompOperation } from './constants.js';
import type { InstallError } from './errors.js';
import { flagCombination, flagUnsupported, noNewPrivsFailed, prctlSeccompFailed, prctlTakesNoFlags, programLength, systemCallFailed, tsyncFailed } from './errors.js';
import type { NativeCalls } from './ffi.js';
import { nativeCalls } from './ffi.js';
import { flagAvailable } from './support.js';

/** InstallOptions chooses the flags of an installation. */
export interface InstallOptions {
  /**
   * allThreads adds TSYNC so the filter applies to every thread of the
   * process at once (default true: a Node process always has libuv and V8
   * threads). Without it only the calling thread is filtered.
   */
  readonly allThreads?: boolean;
  /** flags are further SECCOMP_FILTER_FLAG_* to pass. */
  readonly flags?: readonly FilterFlag[];
  /**
   * noNewPrivs sets PR_SET_NO_NEW_PRIVS first (default true). Without it the
   * kernel installs only for a caller with CAP_SYS_ADMIN.
   */
  readonly noNewPrivs?: boolean;
}

/** InstallResult says how the filter went in and, with NEW_LISTENER, the listener fd. */
export interface InstallResult {
  readonly via: 'seccomp' | 'prctl';
  readonly flags: readonly FilterFlag[];
  /** The user-notification fd (close-on-exec), present with the new_listener flag. */
  readonly listenerFd?: number;
}

/** PreparedInstall is a checked program laid out in memory, ready to install once. */
export interface PreparedInstall {
  readonly flags: readonly FilterFlag[];
  /** The number of instructions. */
  readonly length: number;
  /** install makes the system calls; it throws InstallError and allocates nothing before them. */
  install(): InstallResult;
}

/** Buffers handed to the kernel, kept referenced for the life of the process. */
const retained: Buffer[] = [];

/** resolveFlags applies allThreads and checks the combinations the kernel refuses. */
export function resolveFlags(options: InstallOptions): FilterFlag[] {
  const flags = new Set<FilterFlag>(options.flags ?? []);
  if (options.allThreads ?? true) flags.add('tsync');
  // The kernel returns the listener fd and a TSYNC failure in the same place,
  // so it takes both only with TSYNC_ESRCH (failure as ESRCH).
  if (flags.has('tsync') && flags.has('new_listener')) flags.add('tsync_esrch');
  if (flags.has('wait_killable_recv') && !flags.has('new_listener')) {
    throw flagCombination('the wait_killable_recv flag needs the new_listener flag');
  }
  return [...flags].sort((a, b) => FilterFlagBit[a] - FilterFlagBit[b]);
}

/** layoutProgram copies the program and builds `struct sock_fprog { u16 len; struct sock_filter *filter; }`. */
function layoutProgram(calls: NativeCalls, bytes: Uint8Array): { filter: Buffer; fprog: Buffer } {
  const filter = Buffer.from(bytes);
  const fprog = Buffer.alloc(2 * calls.pointerSize);
  if (endianness() === 'LE') fprog.writeUInt16LE(bytes.length / 8, 0);
  else fprog.writeUInt16BE(bytes.length / 8, 0);
  calls.writePointer(fprog, calls.pointerSize, filter);
  return { filter, fprog };
}

/** instructionCount is the number of instructions of a program the kernel takes (1 to 4096 whole ones), or throws E_PROGRAM_LENGTH. */
export function instructionCount(bytes: Uint8Array): number {
  const length = bytes.length / 8;
  if (bytes.length % 8 !== 0 || length < 1 || length > BPF_MAXINSNS) throw programLength(bytes.length, BPF_MAXINSNS);
  return length;
}

/**
 * prepareInstall checks a program (raw `sock_filter` bytes, 1 to 4096
 * instructions) and the flags, loads FFI, and lays the program out.
 * Throws InstallError (E_PROGRAM_LENGTH, E_FLAG_COMBINATION, E_FFI_UNAVAILABLE).
 */
export function prepareInstall(bytes: Uint8Array, options: InstallOptions = {}): PreparedInstall {
  const length = instructionCount(bytes);
  const flags = resolveFlags(options);
  const calls = nativeCalls();
  const { filter, fprog } = layoutProgram(calls, bytes);
  const fprogAddress = calls.address(fprog);
  const bits = flagBits(flags);
  const noNewPrivs = options.noNewPrivs ?? true;
  let used = false;
  return {
    flags,
    length,
    install() {
      if (used) throw new Error('a PreparedInstall installs once');
      used = true;
      retained.push(filter, fprog);
      if (noNewPrivs && calls.syscall('prctl', Prctl.setNoNewPrivs, 1, 0, 0, 0) === -1) {
        throw noNewPrivsFailed(calls.errno());
      }
      const result = calls.syscall('seccomp', SeccompOperation.setModeFilter, bits, fprogAddress);
      if (result === -1) return fallBack(calls, calls.errno(), flags, fprogAddress);
      if (flags.includes('new_listener')) return { via: 'seccomp', flags, listenerFd: result };
      // Without TSYNC_ESRCH the kernel reports a thread it could not sync by its tid.
      if (result !== 0) throw tsyncFailed(result);
      return { via: 'seccomp', flags };
    },
  };
}

/** fallBack handles a failed seccomp(2): the prctl route, or the typed error. */
function fallBack(calls: NativeCalls, errno: number, flags: readonly FilterFlag[], fprogAddress: number): InstallResult {
  if (errno === Errno.ENOSYS) {
    if (flags.length > 0) throw prctlTakesNoFlags(flags);
    if (calls.syscall('prctl', Prctl.setSeccomp, Prctl.seccompModeFilter, fprogAddress, 0, 0) === -1) {
      throw prctlSeccompFailed(calls.errno());
    }
    return { via: 'prctl', flags };
  }
  throw seccompFailed(errno, flags);
}

/** seccompFailed turns a failed seccomp(SECCOMP_SET_MODE_FILTER) into the typed error that explains it. */
export function seccompFailed(errno: number, flags: readonly FilterFlag[]): InstallError {
  if (errno === Errno.ESRCH && flags.includes('tsync')) return tsyncFailed(undefined);
  if (errno === Errno.EINVAL) {
    const missing = flags.find((flag) => !flagAvailable(flag));
    if (missing !== undefined) return flagUnsupported(missing, errno);
  }
  return systemCallFailed('E_SECCOMP', 'seccomp', 'seccomp(SECCOMP_SET_MODE_FILTER)', errno);
}

/**
 * installFilter installs a program in the calling process, on every thread
 * unless `allThreads` is false. Example:
 *
 *     installFilter(compileModel(model).bytes);                 // TSYNC
 *     const { listenerFd } = installFilter(bytes, { allThreads: false, flags: ['new_listener'] });
 *
 * Throws InstallError with the failing step, the errno, and for TSYNC the tid.
 */
export function installFilter(bytes: Uint8Array, options: InstallOptions = {}): InstallResult {
  return prepareInstall(bytes, options).install();
}
