/**
 * `compile --format oci`: a bound model written back as a profile must, given
 * to libseccomp the way runc gives it, decide every clean call as our own
 * filter does; what a profile cannot say is refused with a reason.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Emulator } from '../../src/bpf/index.js';
import { exportOciProfile, importProfile, OciExportError, ociProfileText, parseProfile } from '../../src/oci/index.js';
import { Policy } from '../../src/policy.js';
import { libseccompAvailable } from '../support/libseccomp.js';
import { roundTripInputs } from './inputs.js';
import { buildRuncFilter } from './runc-oracle.js';

const host = { arch: 'x86_64' as const, capabilities: [], kernel: '6.1' };

/** disagreements compiles a policy, exports it, and compares our filter with runc's on clean inputs. */
function disagreements(text: string): { count: number; inputs: number; profile: string } {
  const policy = Policy.fromText(text, { file: 'export.policy' });
  const program = policy.bind();
  const profile = ociProfileText(program.model);
  const runc = Emulator.create(buildRuncFilter(JSON.parse(profile), host).bytes);
  const inputs = roundTripInputs(JSON.parse(profile), program.model.arches.map((a) => a.arch));
  const count = inputs.filter(({ clean }) => program.run(clean).ret !== runc.run(clean).ret).length;
  return { count, inputs: inputs.length, profile };
}

/** junkDisagreements is disagreements on inputs with junk in the upper half of 32-bit arguments. */
function junkDisagreements(text: string): number {
  const program = Policy.fromText(text, { file: 'export.policy' }).bind();
  const profile = JSON.parse(ociProfileText(program.model));
  const runc = Emulator.create(buildRuncFilter(profile, host).bytes);
  return roundTripInputs(profile, ['x86_64']).filter(({ junk }) => program.run(junk).ret !== runc.run(junk).ret).length;
}

const status = libseccompAvailable();

describe.skipIf(!status.ok)('OCI export against runc + libseccomp', () => {
  it('writes first-match order so that runc, which has none, decides alike', () => {
    const { count, inputs, profile } = disagreements(`
      arch x86_64
      default errno(EPERM)
      errno(EBADF) close where fd == 3
      allow close
      allow write where fd == 1 || fd == 2 && count <= 4096
      kill_process write where fd == 0
      errno(EACCES) ioctl where cmd == TCGETS
      allow ioctl where cmd in { TCGETS, TIOCGWINSZ, FIONREAD }
      allow socket where family == AF_UNIX && type & SOCK_CLOEXEC == SOCK_CLOEXEC
      trace(7) ptrace where request != 16
      allow read
    `);
    expect(inputs).toBeGreaterThan(300);
    expect(count).toBe(0);
    expect(JSON.parse(profile).defaultErrnoRet).toBe(1);
  });

  it('writes == on a 32-bit argument so that runc, too, reads only its low word', () => {
    const text = `
      arch x86_64
      default allow
      errno(EBADF) close where fd == 3
      errno(EPERM) socket where family == AF_NETLINK
      errno(EACCES) ioctl where fd == 0 && cmd == TIOCSTI
    `;
    const profile = JSON.parse(disagreements(text).profile) as { syscalls: { args?: { op: string; value: number }[] }[] };
    const ops = profile.syscalls.flatMap((entry) => entry.args ?? []).map((arg) => arg.op);
    expect(ops.length).toBeGreaterThan(0);
    expect(ops.every((op) => op === 'SCMP_CMP_MASKED_EQ')).toBe(true);
    // close(0xffffffff00000003) is close(3) to the kernel: both filters refuse it.
    expect(junkDisagreements(text)).toBe(0);
  });

  it('round-trips an imported profile: import, compile, export, and runc agrees with the policy', () => {
    const text = readFileSync(new URL('fixtures/firecracker-like.json', import.meta.url), 'utf8');
    const { count, inputs } = disagreements(importProfile(text).text);
    expect(inputs).toBeGreaterThan(300);
    expect(count).toBe(0);
  });

  it('reads back with the importer', () => {
    const model = Policy.fromText('arch x86_64\ndefault kill_process\nallow read, write\nerrno(ENOENT) openat\n').model();
    const profile = parseProfile(ociProfileText(model));
    expect(profile.defaultAction).toBe('SCMP_ACT_KILL_PROCESS');
    const entries = profile.syscalls.map((entry) => [entry.names, entry.action, entry.errnoRet]);
    expect(entries).toHaveLength(2);
    expect(entries).toContainEqual([['read', 'write'], 'SCMP_ACT_ALLOW', undefined]);
    expect(entries).toContainEqual([['openat'], 'SCMP_ACT_ERRNO', 2]);
  });
});

describe('OCI export refusals', () => {
  const refuse = (text: string) => () => exportOciProfile(Policy.fromText(text).model());

  it('refuses trap data, which a profile cannot carry', () => {
    expect(refuse('arch x86_64\ntrap(5) read')).toThrow(OciExportError);
  });

  it('refuses masked orderings', () => {
    expect(refuse('arch x86_64\nallow open where flags & 3 < 2')).toThrow(/masked/);
  });

  it('refuses rules that differ between arches for one name', () => {
    expect(refuse('arch x86_64, aarch64\nwhen arch x86_64 { allow read where fd == 1 }\nwhen arch aarch64 { allow read }')).toThrow(
      /different rules on/,
    );
  });

  it('refuses two comparisons of one argument in one rule (runc would OR them)', () => {
    expect(refuse('arch x86_64\nallow write where fd > 2 && fd < 9')).toThrow(/runc would OR/);
  });
});
