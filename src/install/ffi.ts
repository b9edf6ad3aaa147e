/**
 * The one door to native code: ffi-napi and ref-napi, loaded lazily on first
 * use, so that importing the rest of the library never loads FFI.
 *
 * Every kernel call goes through libc's `syscall(2)` with the host's syscall
 * numbers, declared with seven fixed `long` arguments (the function reads its
 * arguments from registers, so a fixed-arity call is the same as a variadic
 * one on the 64-bit ABIs served). Pointers are passed as addresses of Buffers
 * that the caller keeps referenced across the call.
 */
import { createRequire } from 'node:module';
import { archTable, hostArch } from '../arch/index.js';
import { ffiUnavailable, helperUnavailable } from './errors.js';

/** The parts of ffi-napi's ForeignFunction this module calls. */
interface ForeignFunction {
  (...args: number[]): number;
  async(...args: [...number[], (error: Error | null, value: number) => void]): void;
}

/** The parts of ffi-napi's DynamicLibrary this module uses. */
interface DynamicLibrary {
  get(symbol: string): Buffer;
}

/** The parts of ffi-napi used here. */
interface FfiModule {
  DynamicLibrary: new (path?: string | null) => DynamicLibrary;
  ForeignFunction(pointer: Buffer, returnType: string, argumentTypes: readonly string[]): ForeignFunction;
  errno(): number;
}

/** The parts of ref-napi used here. */
interface RefModule {
  address(buffer: Buffer, offset?: number): number;
  writePointer(buffer: Buffer, offset: number, pointer: Buffer): void;
  sizeof: { pointer: number };
}

/** NativeCalls is what the installer and the supervisor need from native code. */
export interface NativeCalls {
  /** syscall runs syscall `name` of the host table and returns its raw result (-1 on failure). */
  syscall(name: string, ...args: readonly number[]): number;
  /** syscallAsync runs a (blocking) syscall on the libuv thread pool. */
  syscallAsync(name: string, ...args: readonly number[]): Promise<number>;
  /** errno reads the calling thread's errno; call it right after a failed syscall. */
  errno(): number;
  /** address gives the address of a Buffer's first byte. */
  address(buffer: Buffer): number;
  /** writePointer stores the address of `pointer` at `offset` in `buffer`. */
  writePointer(buffer: Buffer, offset: number, pointer: Buffer): void;
  /** pointerSize is the size of a C pointer (8 on the 64-bit arches). */
  readonly pointerSize: number;
  /** syscallNumber is the host's number for a syscall name. */
  syscallNumber(name: string): number;
}

/**
 * InstallExecHelper is `nabla_install_exec` of the spawn helper library
 * (native/spawn/spawn.h), which installs a filter and execs in one call, and
 * the step its last failure stopped at. Pointers are passed as addresses.
 */
export interface InstallExecHelper {
  installExec(
    filter: number,
    filterLength: number,
    flags: number,
    method: number,
    waitFd: number,
    waitCount: number,
    path: number,
    argv: number,
    envp: number,
  ): number;
  failedStep(): number;
}

let loaded: NativeCalls | undefined;
let modules: { ffi: FfiModule; ref: RefModule } | undefined;
const helpers = new Map<string, InstallExecHelper>();

/** loadModules loads ffi-napi and ref-napi once; throws InstallError E_FFI_UNAVAILABLE. */
function loadModules(): { ffi: FfiModule; ref: RefModule } {
  if (modules) return modules;
  const require = createRequire(import.meta.url);
  try {
    modules = { ffi: require('ffi-napi') as FfiModule, ref: require('ref-napi') as RefModule };
  } catch (error) {
    throw ffiUnavailable(error);
  }
  return modules;
}

/**
 * installExecHelper binds `nabla_install_exec` from the spawn helper library
 * at `path` on first use. Throws InstallError E_HELPER_UNAVAILABLE when the
 * library cannot be loaded (it is built by `npm install` with the machine's cc).
 */
export function installExecHelper(path: string): InstallExecHelper {
  const known = helpers.get(path);
  if (known) return known;
  const { ffi } = loadModules();
  let library: DynamicLibrary;
  try {
    library = new ffi.DynamicLibrary(path);
  } catch (error) {
    throw helperUnavailable(path, error);
  }
  // Pointers travel as addresses in `ulong`s: the same registers on the 64-bit ABIs served.
  const installExec = ffi.ForeignFunction(library.get('nabla_install_exec'), 'int', [
    'ulong', 'uint', 'uint', 'int', 'int', 'uint', 'ulong', 'ulong', 'ulong',
  ]);
  const failedStep = ffi.ForeignFunction(library.get('nabla_spawn_failed_step'), 'int', []);
  const helper: InstallExecHelper = { installExec: (...args) => installExec(...args), failedStep: () => failedStep() };
  helpers.set(path, helper);
  return helper;
}

/**
 * nativeCalls loads ffi-napi and ref-napi on first use and binds libc's
 * syscall(2). Throws InstallError E_FFI_UNAVAILABLE when they are missing.
 */
export function nativeCalls(): NativeCalls {
  if (loaded) return loaded;
  const { ffi, ref } = loadModules();
  const table = archTable(hostArch());
  const syscallNumber = (name: string): number => {
    const info = table.byName.get(name);
    if (info === undefined) throw new Error(`syscall ${name} has no number on ${table.arch}`);
    return info.number;
  };
  const libc = new ffi.DynamicLibrary(null);
  const raw = ffi.ForeignFunction(libc.get('syscall'), 'long', Array(7).fill('long'));
  const padded = (name: string, args: readonly number[]): number[] => {
    if (args.length > 6) throw new Error(`syscall ${name} takes at most six arguments`);
    return [syscallNumber(name), ...args, ...Array<number>(6 - args.length).fill(0)];
  };
  loaded = {
    syscall: (name, ...args) => raw(...padded(name, args)),
    syscallAsync: (name, ...args) =>
      new Promise((resolve, reject) => {
        raw.async(...padded(name, args), (error, value) => (error ? reject(error) : resolve(value)));
      }),
    errno: () => ffi.errno(),
    address: (buffer) => {
      const address = ref.address(buffer);
      if (!Number.isSafeInteger(address)) throw new Error(`address 0x${address.toString(16)} is beyond 2^53`);
      return address;
    },
    writePointer: (buffer, offset, pointer) => ref.writePointer(buffer, offset, pointer),
    pointerSize: ref.sizeof.pointer,
    syscallNumber,
  };
  return loaded;
}
