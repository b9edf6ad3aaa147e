/**
 * Support for the native tests: the spawn helper and a few libc calls through
 * ffi-napi, a child runner that waits without blocking forever, and small
 * hand-assembled seccomp filters. Filters are only ever installed in the
 * children the spawn helper forks, never in the test process.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGuest } from '../fixtures/guests/build.js';
import { readGuestImage, type GuestImage } from './launch-record.js';

/** NATIVE_SUPPORTED says whether this machine can build and run the native parts (x86_64 Linux). */
export const NATIVE_SUPPORTED = process.platform === 'linux' && process.arch === 'x64';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
/** TENDER_PATH and SPAWN_LIBRARY_PATH are the outputs of scripts/build-native.mjs. */
export const TENDER_PATH = join(root, 'native', 'build', 'nabla-spt-tender');
export const SPAWN_LIBRARY_PATH = join(root, 'native', 'build', 'libnabla-spawn.so');
export const BUILD_SCRIPT = join(root, 'scripts', 'build-native.mjs');

type Pointer = Buffer;
interface RefModule {
  allocCString(text: string): Pointer;
  writePointer(buffer: Buffer, offset: number, pointer: Pointer): void;
}
interface FfiModule {
  Library(name: string | null, functions: Record<string, [string, string[]]>): unknown;
}
interface SpawnLibrary {
  nabla_spawn(filter: Buffer, length: number, fdMap: Buffer, pairs: number, execFd: number, argv: Buffer, envp: Buffer): number;
  nabla_spawn_failed_step(): number;
}
interface LibcLibrary {
  waitpid(pid: number, status: Buffer, options: number): number;
  epoll_create1(flags: number): number;
  epoll_ctl(epoll: number, operation: number, fd: number, event: Buffer): number;
  timerfd_create(clock: number, flags: number): number;
  socketpair(domain: number, type: number, protocol: number, fds: Buffer): number;
}

const require = createRequire(import.meta.url);
let loaded: { spawn: SpawnLibrary; libc: LibcLibrary; ref: RefModule } | undefined;

/** native loads the spawn helper and libc (after the build script has run). */
export function native(): { spawn: SpawnLibrary; libc: LibcLibrary; ref: RefModule } {
  if (loaded !== undefined) return loaded;
  const ffi = require('ffi-napi') as FfiModule;
  const ref = require('ref-napi') as RefModule;
  const spawn = ffi.Library(SPAWN_LIBRARY_PATH, {
    nabla_spawn: ['int', ['pointer', 'uint', 'pointer', 'int', 'int', 'pointer', 'pointer']],
    nabla_spawn_failed_step: ['int', []],
  }) as SpawnLibrary;
  const libc = ffi.Library(null, {
    waitpid: ['int', ['int', 'pointer', 'int']],
    epoll_create1: ['int', ['int']],
    epoll_ctl: ['int', ['int', 'int', 'int', 'pointer']],
    timerfd_create: ['int', ['int', 'int']],
    socketpair: ['int', ['int', 'int', 'int', 'pointer']],
  }) as LibcLibrary;
  loaded = { spawn, libc, ref };
  return loaded;
}

/** stringArray builds a NULL-terminated char *[]; keep the result alive during the call. */
function stringArray(values: readonly string[]): { array: Buffer; keep: Buffer[] } {
  const { ref } = native();
  const keep = values.map((value) => ref.allocCString(value));
  const array = Buffer.alloc(8 * (values.length + 1));
  keep.forEach((pointer, index) => ref.writePointer(array, 8 * index, pointer));
  return { array, keep };
}

/** FdPair maps a test-process fd to an fd number in the child. */
export interface FdPair { source: number; target: number }

/** SpawnRequest is one nabla_spawn call. */
export interface SpawnRequest {
  filter: Buffer;
  pairs: readonly FdPair[];
  execTarget: number;
  argv: readonly string[];
  env?: readonly string[];
  filterLength?: number;
}

/** spawnRaw calls nabla_spawn and returns its result and the failed step. */
export function spawnRaw(request: SpawnRequest): { result: number; step: number } {
  const { spawn } = native();
  const fdMap = Buffer.alloc(Math.max(8, 8 * request.pairs.length));
  request.pairs.forEach((pair, index) => {
    fdMap.writeInt32LE(pair.source, 8 * index);
    fdMap.writeInt32LE(pair.target, 8 * index + 4);
  });
  const argv = stringArray(request.argv);
  const envp = stringArray(request.env ?? []);
  const result = spawn.nabla_spawn(request.filter, request.filterLength ?? request.filter.length / 8,
    fdMap, request.pairs.length, request.execTarget, argv.array, envp.array);
  return { result, step: spawn.nabla_spawn_failed_step() };
}

/** ChildEnd is how a child finished. */
export interface ChildEnd { exitCode: number | null; signal: number | null }

/** waitChild polls waitpid(WNOHANG) and kills the child after timeoutMs. */
export async function waitChild(pid: number, timeoutMs = 20_000): Promise<ChildEnd> {
  const { libc } = native();
  const status = Buffer.alloc(4);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = libc.waitpid(pid, status, 1 /* WNOHANG */);
    if (done === pid) {
      const value = status.readInt32LE(0);
      const signal = value & 0x7f;
      return signal === 0 ? { exitCode: (value >> 8) & 0xff, signal: null } : { exitCode: null, signal };
    }
    if (done < 0) throw new Error(`waitpid(${pid}) failed`);
    if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** ChildRun is a finished child with its captured output. */
export interface ChildRun extends ChildEnd { stdout: string; stderr: string }

/** temporaryDirectory makes a fresh directory for one run's files. */
export function temporaryDirectory(): string {
  return mkdtempSync(join(tmpdir(), 'nabla-native-'));
}

/**
 * runChild spawns execPath through the helper with stdin /dev/null, stdout
 * and stderr captured in files, the given extra fds, and the exec fd placed
 * at execTarget; waits; closes every fd it opened.
 */
export async function runChild(options: {
  execPath: string; argv: readonly string[]; filter: Buffer; execTarget: number;
  extra?: readonly FdPair[]; env?: readonly string[]; timeoutMs?: number;
}): Promise<ChildRun> {
  const directory = temporaryDirectory();
  const opened: number[] = [];
  const open = (path: string, flags: string): number => {
    const fd = openSync(path, flags);
    opened.push(fd);
    return fd;
  };
  try {
    const stdoutPath = join(directory, 'stdout');
    const stderrPath = join(directory, 'stderr');
    const pairs: FdPair[] = [
      { source: open('/dev/null', 'r'), target: 0 },
      { source: open(stdoutPath, 'w'), target: 1 },
      { source: open(stderrPath, 'w'), target: 2 },
      ...(options.extra ?? []),
      { source: open(options.execPath, 'r'), target: options.execTarget },
    ];
    const { result, step } = spawnRaw({ filter: options.filter, pairs, execTarget: options.execTarget, argv: options.argv, env: options.env });
    if (result < 0) throw new Error(`nabla_spawn failed: errno ${-result} at step ${step}`);
    const end = await waitChild(result, options.timeoutMs);
    return { ...end, stdout: readFileSync(stdoutPath, 'utf8'), stderr: readFileSync(stderrPath, 'utf8') };
  } finally {
    for (const fd of opened) closeSync(fd);
  }
}

/** TenderFds are the fd numbers the tender sees in these tests. */
export const TENDER_FDS = { record: 3, elf: 10, exec: 11 } as const;

/** runTender runs the tender with a launch record on fd 3 and the ELF at TENDER_FDS.elf. */
export async function runTender(options: {
  record: Buffer; elfPath: string; tenderFilter: Buffer; extra?: readonly FdPair[]; timeoutMs?: number;
}): Promise<ChildRun> {
  const recordPath = join(temporaryDirectory(), 'record');
  writeFileSync(recordPath, options.record);
  const recordFd = openSync(recordPath, 'r');
  const elfFd = openSync(options.elfPath, 'r');
  try {
    return await runChild({
      execPath: TENDER_PATH, argv: ['nabla-spt-tender'], filter: options.tenderFilter, execTarget: TENDER_FDS.exec,
      extra: [{ source: recordFd, target: TENDER_FDS.record }, { source: elfFd, target: TENDER_FDS.elf }, ...(options.extra ?? [])],
      timeoutMs: options.timeoutMs,
    });
  } finally {
    closeSync(recordFd);
    closeSync(elfFd);
  }
}

/** epollWithTimer makes an epoll set holding a timerfd (data 0xFFFFFFFE) and the given fds (data = manifest index). */
export function epollWithTimer(watched: readonly { fd: number; index: number }[] = []): { epoll: number; timer: number } {
  const { libc } = native();
  const epoll = libc.epoll_create1(0o2000000 /* EPOLL_CLOEXEC */);
  const timer = libc.timerfd_create(1 /* CLOCK_MONOTONIC */, 0o4000 | 0o2000000 /* TFD_NONBLOCK | TFD_CLOEXEC */);
  if (epoll < 0 || timer < 0) throw new Error('epoll_create1 or timerfd_create failed');
  const add = (fd: number, data: bigint): void => {
    const event = Buffer.alloc(12); // packed struct epoll_event on x86_64
    event.writeUInt32LE(1 /* EPOLLIN */, 0);
    event.writeBigUInt64LE(data, 4);
    if (libc.epoll_ctl(epoll, 1 /* EPOLL_CTL_ADD */, fd, event) !== 0) throw new Error(`epoll_ctl(${fd}) failed`);
  };
  add(timer, 0xfffffffen);
  for (const one of watched) add(one.fd, BigInt(one.index));
  return { epoll, timer };
}

/** datagramPair makes a non-blocking AF_UNIX datagram socket pair, a stand-in for a tap device. */
export function datagramPair(): [number, number] {
  const { libc } = native();
  const fds = Buffer.alloc(8);
  // AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC
  if (libc.socketpair(1, 2 | 0o4000 | 0o2000000, 0, fds) !== 0) throw new Error('socketpair failed');
  return [fds.readInt32LE(0), fds.readInt32LE(4)];
}

/**
 * buildTenderAndHello builds the native pieces (failing loudly if the build
 * fails) and the hello guest, and returns the guest's path and image.
 */
export function buildTenderAndHello(): { hello: string; image: GuestImage } {
  const build = spawnSync(process.execPath, [BUILD_SCRIPT, '--strict'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`native build failed: ${build.stderr}`);
  const hello = buildGuest('hello');
  return { hello, image: readGuestImage(hello) };
}
