/**
 * Starting the tender: the kernel objects a launch needs (the record and
 * executable memfds, the epoll set and the timerfd), the fd map, the call
 * into the spawn helper, and the wait for the tender's end, which runs on
 * the libuv thread pool so the event loop keeps turning.
 */
import { hostConstants } from '../arch/index.js';
import { closeSync, openSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { INTERNAL_TIMERFD_TAG } from './abi.js';
import type { OpenDevice } from './devices.js';
import { LaunchIoError } from './errors.js';
import { loadNative, loadSpawn, type Native } from './ffi.js';
import type { LaunchPlan } from './plan.js';

/** Kernel constants, from the generated tables. */
const K = hostConstants({
  MFD_CLOEXEC: 'MFD_CLOEXEC',
  O_CLOEXEC: 'O_CLOEXEC',
  EPOLL_CTL_ADD: 'EPOLL_CTL_ADD',
  EPOLLIN: 'EPOLLIN',
  CLOCK_MONOTONIC: 'CLOCK_MONOTONIC',
  TFD_NONBLOCK: 'TFD_NONBLOCK',
});

/** Sink receives a stream's chunks as they arrive. */
export interface OutputSink {
  write(chunk: Uint8Array): void;
}

/** OutputMode: inherit this process's stdout and stderr, capture them, or stream them to sinks. */
export type OutputMode = 'inherit' | 'capture' | { readonly stdout?: OutputSink; readonly stderr?: OutputSink };

/** Ending is how the tender process ended. */
export interface Ending {
  /** The exit status when it exited. */
  readonly status?: number;
  /** The signal number when a signal ended it. */
  readonly signal?: number;
  readonly stdout?: Buffer;
  readonly stderr?: Buffer;
}

/** SpawnPaths locate the native pieces. */
export interface SpawnPaths {
  readonly tender: string;
  readonly spawnLibrary: string;
}

function check(native: Native, result: number, what: string): number {
  if (result < 0) throw new LaunchIoError(`${what} failed (errno ${native.errno()})`);
  return result;
}

function memfdWith(native: Native, name: string, bytes: Uint8Array): number {
  const fd = check(native, native.libc.memfd_create(name, K.MFD_CLOEXEC), 'memfd_create');
  try {
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written, written);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

function epollAdd(native: Native, epoll: number, fd: number, data: bigint): void {
  // struct epoll_event is packed on x86_64: u32 events, u64 data.
  const event = Buffer.alloc(12);
  event.writeUInt32LE(K.EPOLLIN, 0);
  event.writeBigUInt64LE(data, 4);
  check(native, native.libc.epoll_ctl(epoll, K.EPOLL_CTL_ADD, fd, event), 'epoll_ctl');
}

function pipe(native: Native): [number, number] {
  const fds = Buffer.alloc(8);
  check(native, native.libc.pipe2(fds, K.O_CLOEXEC), 'pipe2');
  return [fds.readInt32LE(0), fds.readInt32LE(4)];
}

/** Drains a pipe's read end; resolves with everything read once the writers are gone. */
function drain(fd: number, sink: OutputSink | undefined, keep: boolean): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = new Socket({ fd, readable: true, writable: false });
    socket.on('data', (chunk: Buffer) => {
      if (keep) chunks.push(chunk);
      sink?.write(chunk);
    });
    const finish = () => resolve(Buffer.concat(chunks));
    socket.on('end', finish);
    socket.on('error', finish);
  });
}

/** Stdio is the tender's fds 0-2 in this process, and how to read them back. */
interface Stdio {
  readonly sources: [number, number, number];
  readonly readers: [Promise<Buffer> | undefined, Promise<Buffer> | undefined];
}

function stdio(native: Native, output: OutputMode, opened: number[]): Stdio {
  const stdin = openSync('/dev/null', 'r');
  opened.push(stdin);
  if (output === 'inherit') return { sources: [stdin, 1, 2], readers: [undefined, undefined] };
  const sinks = output === 'capture' ? {} : output;
  const keep = output === 'capture';
  const [outRead, outWrite] = pipe(native);
  opened.push(outWrite);
  const [errRead, errWrite] = pipe(native);
  opened.push(errWrite);
  return {
    sources: [stdin, outWrite, errWrite],
    readers: [drain(outRead, sinks.stdout, keep), drain(errRead, sinks.stderr, keep)],
  };
}

function argvBlock(native: Native, words: readonly string[]): { block: Buffer; keep: Buffer[] } {
  const keep = words.map((w) => Buffer.from(`${w}\0`, 'utf8'));
  const block = Buffer.alloc(8 * (words.length + 1));
  keep.forEach((word, i) => native.writePointer(block, i * 8, word));
  return { block, keep };
}

/**
 * spawnTender starts the native tender for a plan with its devices' host
 * fds, then waits for its end. The launch's own fds in this process are
 * closed once the tender has its copies.
 */
export async function spawnTender(plan: LaunchPlan, devices: readonly OpenDevice[], output: OutputMode, paths: SpawnPaths): Promise<Ending> {
  const native = loadNative();
  const spawn = loadSpawn(paths.spawnLibrary);
  const opened: number[] = [];
  let readers: Stdio['readers'] = [undefined, undefined];
  let pid: number;
  try {
    const record = memfdWith(native, 'nabla-launch', plan.record);
    opened.push(record);
    const elf = memfdWith(native, 'nabla-elf', plan.executable);
    opened.push(elf);
    const epoll = check(native, native.libc.epoll_create1(K.O_CLOEXEC), 'epoll_create1');
    opened.push(epoll);
    const timer = check(native, native.libc.timerfd_create(K.CLOCK_MONOTONIC, K.TFD_NONBLOCK | K.O_CLOEXEC), 'timerfd_create');
    opened.push(timer);
    epollAdd(native, epoll, timer, INTERNAL_TIMERFD_TAG);
    for (const device of devices) {
      if (device.attachment.kind === 'net') epollAdd(native, epoll, device.hostFd, BigInt(device.attachment.index));
    }
    let exec: number;
    try {
      exec = openSync(paths.tender, 'r');
    } catch (error) {
      throw new LaunchIoError(`cannot open the tender ${paths.tender}: ${(error as { code?: string }).code ?? String(error)}`);
    }
    opened.push(exec);
    const io = stdio(native, output, opened);
    readers = io.readers;
    const { fds } = plan;
    const pairs: [number, number][] = [
      [io.sources[0], fds.stdin],
      [io.sources[1], fds.stdout],
      [io.sources[2], fds.stderr],
      [record, fds.record],
      ...devices.map((d, i): [number, number] => [d.hostFd, fds.devices[i]!]),
      [epoll, fds.epoll],
      [timer, fds.timer],
      [elf, fds.elf],
      [exec, fds.exec],
    ];
    const fdMap = Buffer.alloc(pairs.length * 8);
    pairs.forEach(([source, target], i) => {
      fdMap.writeInt32LE(source, i * 8);
      fdMap.writeInt32LE(target, i * 8 + 4);
    });
    const argv = argvBlock(native, ['nabla-spt-tender']);
    const envp = argvBlock(native, []);
    const filter = Buffer.from(plan.filters.tender.bytes);
    pid = spawn(filter, plan.filters.tender.instructions.length, fdMap, pairs.length, fds.exec, argv.block, envp.block);
    if (pid < 0) throw new LaunchIoError(`cannot start the tender: spawn failed (errno ${-pid})`);
  } finally {
    for (const fd of opened) closeSync(fd);
  }
  const [waited, status] = await native.waitpid(pid);
  const [stdout, stderr] = await Promise.all(readers);
  if (waited !== pid) throw new LaunchIoError(`waiting for the tender (pid ${pid}) failed`);
  const keep = output === 'capture' ? { stdout: stdout!, stderr: stderr! } : {};
  const termination = status & 0x7f;
  if (termination === 0) return { status: (status >> 8) & 0xff, ...keep };
  return { signal: termination, ...keep };
}
