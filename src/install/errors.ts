/**
 * The installer's typed errors. Each says which step failed, carries the
 * errno the kernel returned (when there is one) and a stable `code` that
 * tests and the CLI match on.
 */
import { errnoName, FilterFlagSince } from './constants.js';
import type { FilterFlag } from './constants.js';

/** InstallStep names the step of an installation, or of the supervisor, that failed. */
export type InstallStep =
  | 'load_ffi'
  | 'load_helper'
  | 'validate'
  | 'no_new_privs'
  | 'seccomp'
  | 'prctl_seccomp'
  | 'execve'
  | 'notify_sizes'
  | 'notify_receive'
  | 'notify_send'
  | 'notify_id_valid'
  | 'notify_poll'
  | 'listener_transfer';

/** InstallErrorCode is the stable identifier of an InstallError. */
export type InstallErrorCode =
  | 'E_FFI_UNAVAILABLE'
  | 'E_HELPER_UNAVAILABLE'
  | 'E_PROGRAM_LENGTH'
  | 'E_FLAG_COMBINATION'
  | 'E_NO_NEW_PRIVS'
  | 'E_FLAG_UNSUPPORTED'
  | 'E_TSYNC'
  | 'E_SECCOMP'
  | 'E_EXECVE'
  | 'E_NOTIFY';

/** InstallErrorDetails are what an InstallError carries besides its message. */
export interface InstallErrorDetails {
  readonly errno?: number | undefined;
  /** The thread TSYNC could not synchronise (absent when the kernel reported ESRCH instead). */
  readonly tsyncFailedTid?: number | undefined;
  /** The flag the running kernel does not know. */
  readonly flag?: FilterFlag | undefined;
  readonly cause?: unknown;
}

/** InstallError is any failure to load FFI, install a filter, exec, or talk to a listener. */
export class InstallError extends Error {
  override readonly name = 'InstallError';
  readonly errno: number | undefined;
  readonly tsyncFailedTid: number | undefined;
  readonly flag: FilterFlag | undefined;

  constructor(
    readonly code: InstallErrorCode,
    readonly step: InstallStep,
    message: string,
    details: InstallErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.errno = details.errno;
    this.tsyncFailedTid = details.tsyncFailedTid;
    this.flag = details.flag;
  }
}

/** ffiUnavailable: ffi-napi or ref-napi could not be loaded. */
export function ffiUnavailable(cause: unknown): InstallError {
  const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return new InstallError(
    'E_FFI_UNAVAILABLE',
    'load_ffi',
    `installing filters needs the optional dependencies ffi-napi and ref-napi, which could not be loaded (${reason})`,
    { cause },
  );
}

/** helperUnavailable: the spawn helper library is missing or cannot be loaded. */
export function helperUnavailable(path: string, cause: unknown): InstallError {
  const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return new InstallError(
    'E_HELPER_UNAVAILABLE',
    'load_helper',
    `installing a filter and exec'ing in one step needs the spawn helper ${path}, built by \`npm install\` ` +
      `with the machine's C compiler (\`node scripts/build-native.mjs\`), which could not be loaded (${reason})`,
    { cause },
  );
}

/** noNewPrivsFailed: prctl(PR_SET_NO_NEW_PRIVS) failed. */
export function noNewPrivsFailed(errno: number): InstallError {
  return systemCallFailed('E_NO_NEW_PRIVS', 'no_new_privs', 'prctl(PR_SET_NO_NEW_PRIVS)', errno);
}

/** prctlSeccompFailed: the fallback prctl(PR_SET_SECCOMP) failed. */
export function prctlSeccompFailed(errno: number): InstallError {
  return systemCallFailed('E_SECCOMP', 'prctl_seccomp', 'prctl(PR_SET_SECCOMP)', errno);
}

/** prctlTakesNoFlags: flags were asked for where only prctl(PR_SET_SECCOMP), which takes none, can install. */
export function prctlTakesNoFlags(flags: readonly string[]): InstallError {
  return flagCombination(`the running kernel has no seccomp(2), and prctl(PR_SET_SECCOMP) takes no flags (asked for ${flags.join(', ')})`);
}

/** programLength: the program is empty, too long, or not whole instructions. */
export function programLength(byteLength: number, limit: number): InstallError {
  const what =
    byteLength % 8 !== 0
      ? `${byteLength} bytes, which is not a whole number of 8-byte instructions`
      : `${byteLength / 8} instructions; the kernel takes 1 to ${limit}`;
  return new InstallError('E_PROGRAM_LENGTH', 'validate', `cannot install a filter of ${what}`);
}

/** flagCombination: flags the kernel refuses together, or flags the prctl fallback cannot pass. */
export function flagCombination(message: string): InstallError {
  return new InstallError('E_FLAG_COMBINATION', 'validate', message);
}

/** systemCallFailed: a step returned -1 with errno. */
export function systemCallFailed(code: InstallErrorCode, step: InstallStep, what: string, errno: number): InstallError {
  return new InstallError(code, step, `${what} failed: ${errnoName(errno)}`, { errno });
}

/** flagUnsupported: the running kernel does not know a requested flag. */
export function flagUnsupported(flag: FilterFlag, errno: number): InstallError {
  return new InstallError(
    'E_FLAG_UNSUPPORTED',
    'seccomp',
    `the running kernel does not support the seccomp filter flag ${flag.toUpperCase()} ` +
      `(SECCOMP_FILTER_FLAG_${flag.toUpperCase()}, Linux ${FilterFlagSince[flag]} and later)`,
    { errno, flag },
  );
}

/** tsyncFailed: another thread runs a filter this one's does not descend from. */
export function tsyncFailed(tid: number | undefined): InstallError {
  const which = tid === undefined ? 'a thread (the kernel reported ESRCH)' : `thread ${tid}`;
  return new InstallError(
    'E_TSYNC',
    'seccomp',
    `TSYNC could not apply the filter to ${which}: it runs a seccomp filter that is not an ancestor of this thread's`,
    tid === undefined ? { errno: 3 } : { tsyncFailedTid: tid },
  );
}
