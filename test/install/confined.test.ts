/**
 * prepareConfinedExec: a filter installed and a program exec'd in one call
 * into the spawn helper, in Node children. The program runs under the
 * filter whatever Node does meanwhile; each failing step has its typed error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HelperStep, prepareConfinedExec } from '../../src/install/execve.js';
import { spawnLibrary } from '../../src/paths.js';
import { lastJson, requireBuild, ROOT, runChild } from './helpers.js';

beforeAll(requireBuild);

/** What /bin/true needs from start to exit, and nothing else (no getpid). */
const TRUE_NEEDS = [
  'execve', 'exit_group', 'brk', 'mmap', 'mprotect', 'munmap', 'arch_prctl', 'set_tid_address', 'set_robust_list',
  'rseq', 'prlimit64', 'getrandom', 'futex', 'access', 'openat', 'newfstatat', 'fstat', 'read', 'close', 'pread64',
];
const TRUE_FILTER = `filterOf(Object.fromEntries(${JSON.stringify(TRUE_NEEDS)}.map((name) => [name, action('allow')])), action('kill_process'))`;

describe('prepareConfinedExec in a Node child', () => {
  it('becomes /bin/true under a filter written for it while V8 collects garbage at every chance', () => {
    const result = runChild(
      `const confined = install.prepareConfinedExec(${TRUE_FILTER}, '/bin/true', ['true'], {});
       confined.exec();`,
      { nodeArguments: ['--stress-scavenge=1'], timeout: 60_000 },
    );
    expect(result.signal, result.stderr).toBeNull();
    expect(result.status, result.stderr).toBe(0);
  }, 70_000);

  // The hazard the one-call route removes: installing and exec'ing in two
  // calls leaves V8 free to collect in between, and its collection makes a
  // system call the program's filter does not allow.
  it('where two separate calls (prepareInstall, then prepareExec) die of SIGSYS under the same collections', () => {
    const result = runChild(
      `const exec = install.prepareExec('/bin/true', ['true'], {});
       const prepared = install.prepareInstall(${TRUE_FILTER}, { allThreads: false });
       install.prepareProcessForExec();
       prepared.install();
       exec.exec();`,
      { nodeArguments: ['--stress-scavenge=1'], timeout: 60_000 },
    );
    expect(result.signal).toBe('SIGSYS');
  }, 70_000);

  it('installs through prctl(PR_SET_SECCOMP) where seccomp(2) is missing, and refuses flags there', () => {
    const result = runChild(`
      install.installFilter(filterOf({ seccomp: action('errno', 38) }), { allThreads: false });
      let withFlags;
      try { install.prepareConfinedExec(filterOf({}), '/bin/true', ['true'], {}, { flags: ['log'] }); }
      catch (error) { withFlags = errorFields(error); }
      const denied = filterOf({ mkdir: action('errno', 13) });
      const confined = install.prepareConfinedExec(denied, '/bin/mkdir', ['mkdir', '/proc/self/never'], {});
      print({ withFlags, via: confined.via });
      confined.exec();
    `);
    const lines = result.stdout.trim().split('\n');
    expect(JSON.parse(lines[lines.length - 1]!)).toMatchObject({ via: 'prctl', withFlags: { code: 'E_FLAG_COMBINATION', step: 'validate' } });
    // mkdir ran under the filter: its mkdir(2) got the filter's EACCES.
    expect(result.stderr).toContain('Permission denied');
    expect(result.status).toBe(1);
  });

  it('throws E_EXECVE with the errno when the program is missing, E_SECCOMP when the kernel refuses the filter', () => {
    const result = runChild(`
      let missing;
      try { install.prepareConfinedExec(filterOf({}), '/nonexistent/program', ['program'], {}).exec(); }
      catch (error) { missing = errorFields(error); }
      install.installFilter(filterOf({ seccomp: action('errno', 13) }), { allThreads: false });
      let refused;
      try { install.prepareConfinedExec(filterOf({}), '/bin/true', ['true'], {}).exec(); }
      catch (error) { refused = errorFields(error); }
      print({ missing, refused });
    `);
    expect(result.status, result.stderr).toBe(0);
    expect(lastJson(result)).toMatchObject({
      missing: { code: 'E_EXECVE', step: 'execve', errno: 2, message: 'execve(/nonexistent/program) failed: ENOENT' },
      refused: { code: 'E_SECCOMP', step: 'seccomp', errno: 13 },
    });
  });

  it('throws E_HELPER_UNAVAILABLE, naming the library, when the spawn helper is not built', () => {
    const result = runChild(`
      try { install.prepareConfinedExec(filterOf({}), '/bin/true', ['true'], {}, { helper: '/nonexistent/libnabla-spawn.so' }); print('prepared'); }
      catch (error) { print(errorFields(error)); }
    `);
    expect(result.status, result.stderr).toBe(0);
    const failure = lastJson<{ code: string; step: string; message: string }>(result);
    expect(failure).toMatchObject({ code: 'E_HELPER_UNAVAILABLE', step: 'load_helper' });
    expect(failure.message).toContain('/nonexistent/libnabla-spawn.so');
    expect(failure.message).toContain('npm install');
  });
});

describe('prepareConfinedExec checks before any system call', () => {
  it.each([['tsync'], ['tsync_esrch']] as const)('refuses the %s flag: only the calling thread becomes the program', (flag) => {
    expect(() => prepareConfinedExec(new Uint8Array(8), '/bin/true', ['true'], {}, { flags: [flag] })).toThrow(
      expect.objectContaining({ code: 'E_FLAG_COMBINATION', step: 'validate' }),
    );
  });

  it('refuses a program of the wrong length and a wait longer than the helper reads', () => {
    expect(() => prepareConfinedExec(new Uint8Array(12), '/bin/true', ['true'], {})).toThrow(
      expect.objectContaining({ code: 'E_PROGRAM_LENGTH' }),
    );
    expect(() => prepareConfinedExec(new Uint8Array(8), '/bin/true', ['true'], {}, { waitFor: { fd: 3, count: 65537 } })).toThrow(
      expect.objectContaining({ code: 'E_FLAG_COMBINATION', message: expect.stringContaining('0 to 65536 bytes') }),
    );
  });

  it('numbers the helper steps as native/spawn/spawn.h does', () => {
    const header = readFileSync(join(ROOT, 'native/spawn/spawn.h'), 'utf8');
    const step = (name: string) => Number(new RegExp(`NABLA_SPAWN_STEP_${name} = (\\d+)`).exec(header)?.[1]);
    expect(HelperStep).toEqual({ none: step('NONE'), noNewPrivs: step('NO_NEW_PRIVS'), seccomp: step('SECCOMP'), exec: step('EXEC') });
    expect(spawnLibrary()).toBe(join(ROOT, 'native/build/libnabla-spawn.so'));
  });
});
