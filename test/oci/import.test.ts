/**
 * importProfile on small profiles, one behaviour of runc each, and the
 * `import` command.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCommand } from '../../src/cli/import.js';
import { importProfile, OciProfileError, parseProfile } from '../../src/oci/index.js';
import { Policy } from '../../src/policy.js';

const profile = (syscalls: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls, ...extra });
const body = (text: string) => text.split('\n').filter((line) => line !== '' && !line.startsWith('#') && !/^(policy|arch|default|badarch) /.test(line));
/** decide compiles an import and runs one x86_64 call. */
function decide(text: string, nr: number, args: bigint[] = []): string {
  const result = Policy.fromText(importProfile(text).text).bind().run({ nr, arch: 0xc000003e, args });
  return result.action === 'errno' ? `errno(${result.data})` : result.action;
}

describe('importProfile', () => {
  it('writes errno names, groups unconditional rules, and compiles without warnings', () => {
    const text = importProfile(profile([{ names: ['write', 'read'], action: 'SCMP_ACT_ALLOW' }, { names: ['openat'], action: 'SCMP_ACT_ERRNO', errnoRet: 2 }]), { source: 'x.json' }).text;
    expect(body(text)).toEqual(['allow read, write', 'errno(ENOENT) openat']);
    expect(text).toContain('default errno(EPERM)');
    expect(Policy.fromText(text).warnings).toEqual([]);
  });

  it('ORs every comparison of an entry that repeats an index, as runc does', () => {
    const text = profile([{ names: ['close'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 3, op: 'SCMP_CMP_EQ' }, { index: 0, value: 5, op: 'SCMP_CMP_EQ' }] }]);
    expect(body(importProfile(text).text)).toEqual(['allow close where fd in { 3, 5 }']);
    expect(decide(text, 3, [5n])).toBe('allow');
    expect(decide(text, 3, [4n])).toBe('errno(1)');
  });

  it('ANDs the comparisons of distinct indexes', () => {
    const text = profile([{ names: ['write'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 2, value: 9, op: 'SCMP_CMP_LE' }] }]);
    expect(body(importProfile(text).text)).toEqual(['allow write where fd == 1 && count <= 9']);
  });

  it('lets an unconditional entry win over conditional ones, in any order', () => {
    const text = profile([
      { names: ['close'], action: 'SCMP_ACT_ERRNO', errnoRet: 9, args: [{ index: 0, value: 3, op: 'SCMP_CMP_EQ' }] },
      { names: ['close'], action: 'SCMP_ACT_ALLOW' },
    ]);
    expect(body(importProfile(text).text)).toEqual(['allow close']);
  });

  it('refuses overlapping rules with different actions', () => {
    const text = profile([
      { names: ['close'], action: 'SCMP_ACT_ERRNO', errnoRet: 9, args: [{ index: 0, value: 3, op: 'SCMP_CMP_GE' }] },
      { names: ['close'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 9, op: 'SCMP_CMP_LE' }] },
    ]);
    expect(() => importProfile(text)).toThrow(expect.objectContaining({ code: 'E_OCI_AMBIGUOUS' }));
  });

  it('skips entries whose action is the default, and names no arch knows', () => {
    const result = importProfile(profile([{ names: ['read'], action: 'SCMP_ACT_ERRNO' }, { names: ['no_such_call', 'write'], action: 'SCMP_ACT_ALLOW' }]));
    expect(body(result.text)).toEqual(['allow write']);
    expect(result.warnings.join()).toContain('no_such_call');
  });

  it('keeps 64-bit values exact and settles them for 32-bit arguments', () => {
    const text = profile([{ names: ['kill'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 0, op: 'SCMP_CMP_NE' }] }]).replace('"value":0', '"value":18446744073709551615');
    expect(parseProfile(text).syscalls[0]!.args[0]!.value).toBe(0xffff_ffff_ffff_ffffn);
    expect(body(importProfile(text).text)).toEqual(['allow kill']);
    const raw = importProfile(text, { widths: 'libseccomp' }).text;
    expect(body(raw)).toEqual(['allow syscall(62) where arg1 != 0xffffffffffffffff']);
    expect(raw).toContain('# kill: on the raw registers (whole 64-bit registers, as libseccomp compares them)');
  });

  it('adds the socketcall and ipc forms on i386', () => {
    const text = JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86'], syscalls: [{ names: ['socket', 'shmget'], action: 'SCMP_ACT_ALLOW' }] });
    const lines = importProfile(text).text;
    expect(lines).toContain('allow socketcall where call == SYS_SOCKET');
    expect(lines).toContain('allow ipc where call == 23');
  });

  it('maps SCMP_ACT_KILL to kill_thread and reads a whole config.json', () => {
    const config = JSON.stringify({ ociVersion: '1.0.2', linux: { seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['ptrace'], action: 'SCMP_ACT_KILL' }] } } });
    expect(body(importProfile(config).text)).toEqual(['kill_thread ptrace']);
  });

  it('names the faulty field of a wrong profile', () => {
    expect(() => parseProfile(profile([{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, op: 'SCMP_CMP_ALMOST' }] }]))).toThrow(/syscalls\[0\]\.args\[0\]\.op/);
    expect(() => parseProfile('{')).toThrow(OciProfileError);
    expect(() => importProfile(profile([{ names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 0 }]))).toThrow(/errno 0/);
  });
});

describe('nabla-seccomp import', () => {
  const run = (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: { write: (c: string | Uint8Array) => void out.push(String(c)) }, stderr: { write: (c: string | Uint8Array) => void err.push(String(c)) }, env: {}, cwd: '/' };
    return Promise.resolve(importCommand.run(argv, io)).then((code) => ({ code, out: out.join(''), err: err.join('') }));
  };

  it('prints the policy and its warnings', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'oci-import-'));
    const file = join(directory, 'app.json');
    writeFileSync(file, profile([{ names: ['read', 'not_a_call'], action: 'SCMP_ACT_ALLOW' }]));
    const result = await run([file, '--name', 'app']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('policy app\n');
    expect(result.err).toContain('not_a_call');
  });

  it('refuses a bad option as a usage error', () => {
    expect(() => run(['x.json', '--widths', 'wide'])).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
