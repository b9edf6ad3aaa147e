/**
 * Installing filters in Node children: the effect on the installing process
 * and its threads, and each typed failure (TSYNC, a missing flag, the prctl
 * fallback, a bad length, FFI missing).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InstallError } from '../../src/install/errors.js';
import { installFilter, prepareInstall } from '../../src/install/install.js';
import { DIST, lastJson, requireBuild, runChild, temporaryDirectory } from './helpers.js';

beforeAll(requireBuild);

describe('installFilter in a Node child', () => {
  it('makes fs.mkdirSync fail with EPERM while other calls work', () => {
    const directory = temporaryDirectory();
    const result = runChild(`
      import { mkdirSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
      const denied = action('errno', 1);
      const installed = install.installFilter(filterOf({ mkdir: denied, mkdirat: denied }));
      let mkdir;
      try { mkdirSync('${directory}/made'); mkdir = 'created'; } catch (error) { mkdir = error.code; }
      writeFileSync('${directory}/file', 'written');
      print({ installed, mkdir, read: readFileSync('${directory}/file', 'utf8'), listing: readdirSync('${directory}') });
    `);
    expect(result.status, result.stderr).toBe(0);
    expect(lastJson(result)).toEqual({
      installed: { via: 'seccomp', flags: ['tsync'] },
      mkdir: 'EPERM',
      read: 'written',
      listing: ['file'],
    });
  });

  it('with TSYNC (the default) filters a worker thread that already runs', () => {
    const directory = temporaryDirectory();
    const script = (allThreads: boolean) => `
      import { Worker } from 'node:worker_threads';
      import { once } from 'node:events';
      const worker = new Worker(\`
        import { parentPort } from 'node:worker_threads';
        import { mkdirSync } from 'node:fs';
        parentPort.on('message', (path) => {
          try { mkdirSync(path); parentPort.postMessage('created'); }
          catch (error) { parentPort.postMessage(error.code); }
        });
        parentPort.postMessage('ready');\`, { eval: true });
      await once(worker, 'message');
      const denied = action('errno', 1);
      install.installFilter(filterOf({ mkdir: denied, mkdirat: denied }), { allThreads: ${allThreads} });
      worker.postMessage('${directory}/by-worker-${allThreads}');
      const [fromWorker] = await once(worker, 'message');
      let fromMain;
      try { (await import('node:fs')).mkdirSync('${directory}/by-main-${allThreads}'); fromMain = 'created'; }
      catch (error) { fromMain = error.code; }
      await worker.terminate();
      print({ fromWorker, fromMain });
    `;
    const synced = runChild(script(true));
    expect(synced.status, synced.stderr).toBe(0);
    expect(lastJson(synced)).toEqual({ fromWorker: 'EPERM', fromMain: 'EPERM' });
    const callingThreadOnly = runChild(script(false));
    expect(callingThreadOnly.status, callingThreadOnly.stderr).toBe(0);
    expect(lastJson(callingThreadOnly)).toEqual({ fromWorker: 'created', fromMain: 'EPERM' });
  });

  it('reports the tid of a thread TSYNC cannot synchronise', () => {
    const result = runChild(`
      import { Worker } from 'node:worker_threads';
      import { once } from 'node:events';
      const worker = new Worker(\`
        import { parentPort } from 'node:worker_threads';
        import { installFilter } from '${DIST}/install/index.js';
        import { nativeCalls } from '${DIST}/install/ffi.js';
        import { compileModel } from '${DIST}/codegen/index.js';
        import { action, ruleModel } from '${DIST}/ir/model.js';
        const model = ruleModel({ defaultAction: action('allow'), badArchAction: action('kill_process'),
          arches: [{ arch: 'x86_64', syscalls: new Map() }] });
        installFilter(compileModel(model).bytes, { allThreads: false });
        parentPort.postMessage(nativeCalls().syscall('gettid'));
        setInterval(() => {}, 1000);\`, { eval: true });
      const [workerTid] = await once(worker, 'message');
      let failure;
      try { install.installFilter(filterOf({})); } catch (error) { failure = errorFields(error); }
      print({ workerTid, failure });
      process.exit(0);
    `);
    expect(result.status, result.stderr).toBe(0);
    const { workerTid, failure } = lastJson<{ workerTid: number; failure: Record<string, unknown> }>(result);
    expect(workerTid).toBeGreaterThan(0);
    expect(failure).toMatchObject({ name: 'InstallError', code: 'E_TSYNC', step: 'seccomp', tsyncFailedTid: workerTid });
    expect(failure.message).toContain(`thread ${workerTid}`);
  });

  it('names the flag a kernel lacks (a filter makes seccomp refuse WAIT_KILLABLE_RECV as an old kernel would)', () => {
    const result = runChild(`
      // seccomp(…, flags with bit 5, …) fails with EINVAL, as on a kernel before 5.19.
      const oldKernel = filterOf({ seccomp: [rule(action('errno', 22), compare(argument(1, 32), 'ne', 0n, 0x20n))] });
      install.installFilter(oldKernel, { allThreads: false });
      const support = install.kernelSupport();
      let failure;
      try {
        install.installFilter(filterOf({}), { allThreads: false, flags: ['new_listener', 'wait_killable_recv'] });
      } catch (error) { failure = errorFields(error); }
      const withoutIt = install.installFilter(filterOf({}), { allThreads: false, flags: ['new_listener'] });
      print({ flags: support.flags, failure, withoutIt: withoutIt.listenerFd > 2 });
    `);
    expect(result.status, result.stderr).toBe(0);
    const report = lastJson<{ flags: Record<string, boolean>; failure: Record<string, unknown>; withoutIt: boolean }>(result);
    expect(report.flags).toEqual({
      tsync: true,
      log: true,
      spec_allow: true,
      new_listener: true,
      tsync_esrch: true,
      wait_killable_recv: false,
    });
    expect(report.failure).toMatchObject({ code: 'E_FLAG_UNSUPPORTED', step: 'seccomp', errno: 22, flag: 'wait_killable_recv' });
    expect(report.failure.message).toContain('does not support the seccomp filter flag WAIT_KILLABLE_RECV');
    expect(report.failure.message).toContain('Linux 5.19');
    expect(report.withoutIt).toBe(true);
  });

  it('falls back to prctl(PR_SET_SECCOMP) where seccomp(2) is missing, and refuses flags there', () => {
    const directory = temporaryDirectory();
    const result = runChild(`
      import { mkdirSync } from 'node:fs';
      install.installFilter(filterOf({ seccomp: action('errno', 38) }), { allThreads: false });
      let withFlags;
      try { install.installFilter(filterOf({}), { allThreads: false, flags: ['log'] }); }
      catch (error) { withFlags = errorFields(error); }
      const denied = action('errno', 13);
      const installed = install.installFilter(filterOf({ mkdir: denied, mkdirat: denied }), { allThreads: false });
      let mkdir;
      try { mkdirSync('${directory}/made'); mkdir = 'created'; } catch (error) { mkdir = error.code; }
      print({ withFlags, installed, mkdir, seccompSyscall: install.kernelSupport().seccompSyscall });
    `);
    expect(result.status, result.stderr).toBe(0);
    const report = lastJson<Record<string, unknown>>(result);
    expect(report.withFlags).toMatchObject({ code: 'E_FLAG_COMBINATION', step: 'validate' });
    expect(report.installed).toEqual({ via: 'prctl', flags: [] });
    expect(report.mkdir).toBe('EACCES');
    expect(report.seccompSyscall).toBe(false);
  });

  it('maps a refused no_new_privs-less install to E_SECCOMP with EACCES', () => {
    const result = runChild(`
      import { nativeCalls } from '${DIST}/install/ffi.js';
      // Drop CAP_SYS_ADMIN from the effective set (capset v3), so the kernel wants no_new_privs.
      const header = Buffer.alloc(8); header.writeUInt32LE(0x20080522, 0);
      const data = Buffer.alloc(24);
      const calls = nativeCalls();
      calls.syscall('capget', calls.address(header), calls.address(data));
      data.writeUInt32LE((data.readUInt32LE(0) & ~(1 << 21)) >>> 0, 0);
      if (calls.syscall('capset', calls.address(header), calls.address(data)) !== 0) throw new Error('capset failed');
      let failure;
      try { install.installFilter(filterOf({}), { allThreads: false, noNewPrivs: false }); }
      catch (error) { failure = errorFields(error); }
      print(failure);
    `);
    expect(result.status, result.stderr).toBe(0);
    expect(lastJson(result)).toMatchObject({ code: 'E_SECCOMP', step: 'seccomp', errno: 13 });
  });
});

describe('what the kernel supports', () => {
  it('reports the actions /proc/sys/kernel/seccomp/actions_avail lists', () => {
    const result = runChild(`print(install.kernelSupport());`);
    expect(result.status, result.stderr).toBe(0);
    const support = lastJson<{ actions: Record<string, boolean>; notifSizes: unknown }>(result);
    const listed = readFileSync('/proc/sys/kernel/seccomp/actions_avail', 'utf8').trim().split(/\s+/);
    const expected = Object.fromEntries(
      Object.keys(support.actions).map((name) => [name, listed.includes(name === 'notify' ? 'user_notif' : name)]),
    );
    expect(Object.keys(support.actions)).toHaveLength(8);
    expect(support.actions).toEqual(expected);
    expect(support.notifSizes).toEqual({ notif: 80, response: 24, seccompData: 64 });
  });
});

describe('checks before any system call', () => {
  it.each([
    ['no instructions', 0, 'cannot install a filter of 0 instructions'],
    ['a partial instruction', 12, 'not a whole number of 8-byte instructions'],
    ['4097 instructions', 4097 * 8, '4097 instructions; the kernel takes 1 to 4096'],
  ])('refuses %s', (_name, length, message) => {
    const attempt = () => installFilter(new Uint8Array(length));
    expect(attempt).toThrow(InstallError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ code: 'E_PROGRAM_LENGTH', step: 'validate' });
    }
  });

  it('refuses wait_killable_recv without new_listener', () => {
    expect(() => prepareInstall(new Uint8Array(8), { flags: ['wait_killable_recv'] })).toThrow(
      expect.objectContaining({ code: 'E_FLAG_COMBINATION', message: 'the wait_killable_recv flag needs the new_listener flag' }),
    );
  });
});

describe('loading FFI', () => {
  it('leaves ffi-napi unloaded until a call needs it', () => {
    const result = runChild(`
      import { createRequire } from 'node:module';
      await import('${DIST}/index.js');
      const cache = () => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('ffi-napi'));
      const beforeUse = cache();
      install.kernelSupport();
      print({ beforeUse, afterUse: cache() });
    `);
    expect(result.status, result.stderr).toBe(0);
    expect(lastJson(result)).toEqual({ beforeUse: false, afterUse: true });
  });

  it('throws E_FFI_UNAVAILABLE when ffi-napi cannot be loaded', () => {
    const directory = temporaryDirectory();
    const blocker = join(directory, 'block-ffi.cjs');
    writeFileSync(
      blocker,
      `const Module = require('node:module');
       const resolve = Module._resolveFilename;
       Module._resolveFilename = function (request, ...rest) {
         if (request === 'ffi-napi') throw new Error("Cannot find module 'ffi-napi'");
         return resolve.call(this, request, ...rest);
       };`,
    );
    const result = runChild(`
      try { install.installFilter(filterOf({})); print('installed'); }
      catch (error) { print(errorFields(error)); }
    `, { nodeArguments: ['--require', blocker] });
    expect(result.status, result.stderr).toBe(0);
    expect(lastJson(result)).toMatchObject({ code: 'E_FFI_UNAVAILABLE', step: 'load_ffi' });
    expect(lastJson<{ message: string }>(result).message).toContain("ffi-napi and ref-napi, which could not be loaded (Cannot find module 'ffi-napi')");
  });
});
