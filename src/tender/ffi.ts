/**
 * The launcher's door to native code: a few libc calls and the spawn
 * helper, through ffi-napi and ref-napi loaded lazily on first use, so that
 * parsing, planning and `--dry-run` never load FFI.
 */
import { createRequire } from 'node:module';
import { LaunchIoError } from './errors.js';

/** A foreign function that can also run on the libuv thread pool. */
interface ForeignFunction {
  (...args: (number | Buffer | string | null)[]): number;
  async(...args: (number | Buffer | string | null | ((error: Error | null, value: number) => void))[]): void;
}

interface FfiModule {
  Library(path: string | null, functions: Record<string, [string, string[]]>): Record<string, ForeignFunction>;
  errno(): number;
}

interface RefModule {
  writePointer(buffer: Buffer, offset: number, pointer: Buffer): void;
}

/** Libc holds the libc functions the launcher calls, each returning -1 on failure (errno then set). */
export interface Libc {
  epoll_create1(flags: number): number;
  epoll_ctl(epfd: number, op: number, fd: number, event: Buffer): number;
  timerfd_create(clock: number, flags: number): number;
  memfd_create(name: string, flags: number): number;
  pipe2(fds: Buffer, flags: number): number;
  ioctl(fd: number, request: number, argument: Buffer): number;
  socket(domain: number, type: number, protocol: number): number;
  close(fd: number): number;
  lseek(fd: number, offset: number, whence: number): number;
}

/** Native is everything loaded through FFI. */
export interface Native {
  readonly libc: Libc;
  /** errno after the last failed call on this thread. */
  errno(): number;
  /** waitpid runs a blocking waitpid on the libuv thread pool; resolves with [pid or -1, raw status]. */
  waitpid(pid: number): Promise<[number, number]>;
  /** writePointer stores the address of `pointer` at `offset` in `buffer`. */
  writePointer(buffer: Buffer, offset: number, pointer: Buffer): void;
}

/** SpawnLibrary is the spawn helper: `nabla_spawn` returns a pid or -errno. */
export type SpawnFunction = (
  filter: Buffer,
  filterLength: number,
  fdMap: Buffer,
  fdPairs: number,
  execFd: number,
  argv: Buffer,
  envp: Buffer,
) => number;

let native: Native | undefined;
const spawnFunctions = new Map<string, SpawnFunction>();

function load(): { ffi: FfiModule; ref: RefModule } {
  const require = createRequire(import.meta.url);
  try {
    return { ffi: require('ffi-napi') as FfiModule, ref: require('ref-napi') as RefModule };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LaunchIoError(`running a unikernel needs ffi-napi and ref-napi, which failed to load: ${reason}`);
  }
}

/** loadNative binds the libc calls on first use. */
export function loadNative(): Native {
  if (native) return native;
  const { ffi, ref } = load();
  const functions = ffi.Library(null, {
    epoll_create1: ['int', ['int']],
    epoll_ctl: ['int', ['int', 'int', 'int', 'pointer']],
    timerfd_create: ['int', ['int', 'int']],
    memfd_create: ['int', ['string', 'uint']],
    pipe2: ['int', ['pointer', 'int']],
    ioctl: ['int', ['int', 'ulong', 'pointer']],
    socket: ['int', ['int', 'int', 'int']],
    close: ['int', ['int']],
    lseek: ['long', ['int', 'long', 'int']],
    waitpid: ['int', ['int', 'pointer', 'int']],
  });
  const waitpid = functions.waitpid!;
  native = {
    libc: functions as unknown as Libc,
    errno: () => ffi.errno(),
    waitpid: (pid) =>
      new Promise((resolve, reject) => {
        const status = Buffer.alloc(4);
        // errno of a thread-pool call cannot be read back reliably, so a
        // failure (EINTR at worst for a child of ours) is retried a few times.
        let attempts = 0;
        const retry = (): void =>
          waitpid.async(pid, status, 0, (error, value) => {
            if (error) return reject(error);
            if (value === -1 && ++attempts < 4) return retry();
            resolve([value, status.readInt32LE(0)]);
          });
        retry();
      }),
    writePointer: (buffer, offset, pointer) => ref.writePointer(buffer, offset, pointer),
  };
  return native;
}

/** loadSpawn binds `nabla_spawn` from the spawn helper library at `path`. */
export function loadSpawn(path: string): SpawnFunction {
  const known = spawnFunctions.get(path);
  if (known) return known;
  const { ffi } = load();
  let library: Record<string, ForeignFunction>;
  try {
    library = ffi.Library(path, {
      nabla_spawn: ['int', ['pointer', 'uint', 'pointer', 'int', 'int', 'pointer', 'pointer']],
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LaunchIoError(`cannot load the spawn helper ${path}: ${reason}`);
  }
  const spawn = library.nabla_spawn! as unknown as SpawnFunction;
  spawnFunctions.set(path, spawn);
  return spawn;
}
