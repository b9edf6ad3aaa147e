/**
 * Replacing the process with another program through execve(2), prepared in
 * advance so that nothing is allocated or looked up between installing a
 * filter and the jump: the path, argv and envp are laid out as C strings and
 * pointer arrays first, and `PreparedExec.exec` then makes one system call.
 */
import { hostConstants } from '../arch/index.js';
import { Errno } from './constants.js';
import { systemCallFailed } from './errors.js';
import { nativeCalls } from './ffi.js';

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
  const pathString = cString(path);
  const argumentStrings = argv.map(cString);
  const environmentStrings = Object.entries(env)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => cString(`${name}=${value}`));
  const argvArray = pointerArray(argumentStrings);
  const envpArray = pointerArray(environmentStrings);
  const addresses = [calls.address(pathString), calls.address(argvArray), calls.address(envpArray)] as const;
  const keep = [pathString, argumentStrings, environmentStrings, argvArray, envpArray];
  return {
    path,
    registers: [BigInt(addresses[0]), BigInt(addresses[1]), BigInt(addresses[2])],
    exec(): never {
      calls.syscall('execve', ...addresses);
      const errno = calls.errno();
      void keep;
      throw systemCallFailed('E_EXECVE', 'execve', `execve(${path})`, errno);
    },
  };
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

/** execveErrnoMeansNotFound tells whether an execve errno means "no such program" (exit 127) rather than 126. */
export function execveErrnoMeansNotFound(errno: number | undefined): boolean {
  return errno === Errno.ENOENT;
}
