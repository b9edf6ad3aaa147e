/**
 * Installing under load, in Node children: busy worker threads, threads
 * starting and ending, and a storm of SIGUSR2 at a process that handles it,
 * while filters go in with TSYNC; and an exec while signals keep arriving at
 * the installing thread, whose filter allows only what the new program needs. The installer must never
 * trip its own filter and the process must carry on (or become the program).
 * The spawn helper of the tender launches guests under the same storm.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnLibrary, tenderBinary } from '../../src/tender/paths.js';
import { runUnikernel } from '../../src/tender/run.js';
import { buildGuest } from '../fixtures/guests/build.js';
import { DIST, lastJson, requireBuild, runChild, temporaryDirectory } from '../install/helpers.js';

const supported = process.platform === 'linux' && process.arch === 'x64';

/** STORM starts busy workers that also send SIGUSR2 to the process, which counts them. */
const STORM = `
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
let signals = 0;
process.on('SIGUSR2', () => { signals++; });
const busy = \`
  import { parentPort } from 'node:worker_threads';
  import { createHash } from 'node:crypto';
  import { statSync } from 'node:fs';
  let stop = false;
  parentPort.on('message', () => { stop = true; });
  parentPort.postMessage('ready');
  const spin = () => {
    for (let index = 0; index < 200 && !stop; index++) {
      createHash('sha256').update(String(index)).digest();
      statSync('/');
      process.kill(process.pid, 'SIGUSR2');
    }
    if (!stop) setImmediate(spin);
  };
  spin();\`;
const workers = Array.from({ length: 3 }, () => new Worker(busy, { eval: true }));
await Promise.all(workers.map((worker) => once(worker, 'message')));
while (signals < 50) await new Promise((resolve) => setImmediate(resolve));
`;

describe.skipIf(!supported)('installs under load', () => {
  beforeAll(requireBuild);

  it('installs 12 stacked filters with TSYNC while threads are busy, start and end, and signals arrive', () => {
    const directory = temporaryDirectory();
    const started = performance.now();
    const result = runChild(`${STORM}
      const denied = action('errno', 1);
      const results = [];
      const churn = [];
      for (let round = 0; round < 12; round++) {
        // A thread starting while TSYNC runs, and one ending.
        churn.push(new Worker('setTimeout(() => {}, 5)', { eval: true }));
        if (round > 1) churn[round - 2].terminate();
        results.push(install.installFilter(filterOf({ mkdir: denied, mkdirat: denied, acct: action('kill_process') })));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const before = signals;
      while (signals < before + 50) await new Promise((resolve) => setImmediate(resolve));
      let mkdir;
      try { (await import('node:fs')).mkdirSync('${directory}/made'); mkdir = 'created'; } catch (error) { mkdir = error.code; }
      const late = new Worker(\`
        import { parentPort } from 'node:worker_threads';
        import { mkdirSync } from 'node:fs';
        try { mkdirSync('${directory}/by-worker'); parentPort.postMessage('created'); } catch (error) { parentPort.postMessage(error.code); }\`, { eval: true });
      const [fromWorker] = await once(late, 'message');
      for (const worker of [...workers, ...churn, late]) { worker.postMessage('stop'); await worker.terminate(); }
      print({ installs: results.length, all: [...new Set(results.map((entry) => JSON.stringify(entry)))], mkdir, fromWorker, signalsArrived: signals > 100 });
    `);
    expect(result.status, result.stderr).toBe(0);
    expect(result.signal).toBeNull();
    expect(lastJson(result)).toEqual({
      installs: 12,
      all: [JSON.stringify({ via: 'seccomp', flags: ['tsync'] })],
      mkdir: 'EPERM',
      fromWorker: 'EPERM',
      signalsArrived: true,
    });
    expect(performance.now() - started).toBeLessThan(10_000);
  }, 20_000);

  // Regression: a signal the process handles, arriving on the installing
  // thread between `install()` and `execve`, used to run Node's handler (a
  // write to libuv's signal pipe, then rt_sigreturn) under the new filter,
  // which need not allow them, and the process died with SIGSYS instead of
  // becoming the program. prepareConfinedExec now gives caught signals
  // their default action before the install (what execve does to them
  // anyway) and installs and execs in one native call: a signal in that
  // window acts as it would on the new program (SIGUSR2 ends it), never
  // through the filter.
  it('execs while SIGUSR2 arrives at the installing thread every 100 us, with a filter that allows only what the program needs', () => {
    const trials = 5;
    const outcomes: string[] = [];
    for (let trial = 0; trial < trials; trial++) {
      const result = runChild(`
        import { nativeCalls } from '${DIST}/install/ffi.js';
        const calls = nativeCalls();
        let signals = 0;
        process.on('SIGUSR2', () => { signals++; });
        // A POSIX timer aimed at the main thread (SIGEV_THREAD_ID, tid = pid): struct sigevent
        // holds the signal at 8, the notify kind at 12 and the tid at 16; execve deletes the timer.
        const event = Buffer.alloc(64);
        event.writeInt32LE(12, 8);
        event.writeInt32LE(4, 12);
        event.writeInt32LE(process.pid, 16);
        const timer = Buffer.alloc(8);
        if (calls.syscall('timer_create', 1, calls.address(event), calls.address(timer)) !== 0) throw new Error('timer_create failed');
        const every = Buffer.alloc(32);
        every.writeBigInt64LE(100000n, 8);
        every.writeBigInt64LE(100000n, 24);
        if (calls.syscall('timer_settime', timer.readInt32LE(0), 0, calls.address(every), 0) !== 0) throw new Error('timer_settime failed');
        while (signals < 20) await new Promise((resolve) => setTimeout(resolve, 1));
        const allowed = ['execve', 'exit_group', 'brk', 'mmap', 'mprotect', 'munmap', 'arch_prctl', 'set_tid_address',
          'set_robust_list', 'rseq', 'prlimit64', 'getrandom', 'futex', 'access', 'openat', 'newfstatat', 'fstat', 'read',
          'close', 'pread64'];
        const filter = filterOf(Object.fromEntries(allowed.map((name) => [name, action('allow')])), action('kill_process'));
        install.prepareConfinedExec(filter, '/bin/true', ['true'], {}).exec();
      `);
      outcomes.push(result.signal ?? `exit ${result.status}${result.status === 0 ? '' : `: ${result.stderr.slice(0, 200)}`}`);
      if (outcomes[trial] === 'SIGSYS') break;
    }
    console.log(`exec under a signal storm: ${outcomes.length} trials, ${JSON.stringify(outcomes)}`);
    // The program ran, or the signal's default action ended it as it would have ended the program: never SIGSYS.
    expect(outcomes.filter((outcome) => outcome !== 'exit 0' && outcome !== 'SIGUSR2')).toEqual([]);
    expect(outcomes).toHaveLength(trials);
  }, 30_000);
});

const tenderReady = supported && (existsSync(tenderBinary()) || (() => {
  execFileSync(process.execPath, [join(import.meta.dirname, '..', '..', 'scripts', 'build-native.mjs')], { stdio: 'pipe' });
  return existsSync(tenderBinary());
})()) && existsSync(spawnLibrary());

describe.skipIf(!tenderReady)('the spawn helper under a signal storm', () => {
  it('launches hello 10 times while SIGUSR2 arrives at the launching process', async () => {
    const hello = buildGuest('hello');
    let signals = 0;
    const handler = () => void signals++;
    process.on('SIGUSR2', handler);
    const storm = setInterval(() => {
      for (let index = 0; index < 20; index++) process.kill(process.pid, 'SIGUSR2');
    }, 1);
    const endings: string[] = [];
    try {
      for (let run = 0; run < 10; run++) {
        const result = await runUnikernel({ kernel: hello, memoryMiB: 2, args: ['storm'], output: 'capture' });
        endings.push(`${result.exitCode} ${result.stdout?.toString().includes("Command line is: 'storm'")}`);
      }
    } finally {
      clearInterval(storm);
      await new Promise((resolve) => setTimeout(resolve, 20));
      process.off('SIGUSR2', handler);
    }
    console.log(`spawn under a signal storm: ${endings.length} launches, ${signals} signals handled meanwhile`);
    expect(endings).toEqual(Array(10).fill('0 true'));
    expect(signals).toBeGreaterThan(100);
  }, 20_000);
});
