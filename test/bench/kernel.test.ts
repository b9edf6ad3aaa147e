import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/codegen/index.js';
import { action } from '../../src/ir/model.js';
import { createKernelWorkspace, loopArguments, pairedDifference, parseLoopOutput, runLoop, type KernelWorkspace } from '../../bench/measure/kernel.js';
import { RulesBuilder } from '../../bench/policies/build.js';
import type { KernelCase } from '../../bench/policies/types.js';

const getppid: KernelCase = { label: 'getppid', kind: 'cached', syscall: 'getppid', args: [] };
const getpid: KernelCase = { label: 'getpid', kind: 'cached', syscall: 'getpid', args: [] };

describe('loop command line and output', () => {
  it('passes the number, the descriptors and the arguments', () => {
    const pread: KernelCase = {
      label: 'pread64',
      kind: 'argument-checked',
      syscall: 'pread64',
      args: [66n, 'buffer', 512n, 4193792n],
      memoryFile: { fd: 66, size: 4194304 },
      devNull: 1,
    };
    expect(loopArguments(pread, '/tmp/f.bpf', 1000)).toEqual([
      '--nr', '17', '--iterations', '1000', '--filter', '/tmp/f.bpf', '--memory-file', '66:4194304', '--dev-null', '1',
      '0x42', 'buffer', '0x200', '0x3ffe00',
    ]);
  });

  it('reads the report line and raises the error line', () => {
    expect(parseLoopOutput('ns_per_call=151.250 first_return=7 first_errno=0\n')).toEqual({ nsPerCall: 151.25, firstReturn: 7, firstErrno: 0 });
    expect(() => parseLoopOutput('error=child killed by signal 31 at stage 1\n')).toThrow(/killed by signal 31/);
  });
});

const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

describe.skipIf(!linuxX64)('the native loop (x86_64 Linux only)', () => {
  let workspace: KernelWorkspace;
  beforeAll(() => {
    workspace = createKernelWorkspace();
  });
  afterAll(() => workspace?.dispose());

  const filter = (defaultAction: ReturnType<typeof action>) =>
    compileModel(new RulesBuilder().add(['getppid', 'exit_group', 'clock_gettime']).model('loop', defaultAction, action('kill_process'))).bytes;

  it('times a syscall without a filter', () => {
    const run = runLoop(workspace, getpid, undefined, 1000);
    expect(run.firstErrno).toBe(0);
    expect(run.firstReturn).toBeGreaterThan(0);
    expect(run.nsPerCall).toBeGreaterThan(0);
  });

  it('runs the call under the filter it was given', () => {
    const path = workspace.writeFilter('errno', filter(action('errno', 1)));
    expect(runLoop(workspace, getppid, path, 1000).firstErrno).toBe(0);
    expect(runLoop(workspace, getpid, path, 1000)).toMatchObject({ firstReturn: -1, firstErrno: 1 });
  });

  it('reports a filter that kills the loop', () => {
    const path = workspace.writeFilter('kill', filter(action('kill_process')));
    expect(() => runLoop(workspace, getpid, path, 1000)).toThrow(/killed by signal 31/);
  });
});

describe('chainCopies', () => {
  it('runs a filter several times: allows pass on to the next copy, refusals return at once', async () => {
    const { assemble, op, emulate, AuditArch } = await import('../../src/bpf/index.js');
    const { chainCopies, copiesFor } = await import('../../bench/measure/kernel.js');
    // A 4-instruction filter: nr 1 allowed, everything else ERRNO(5).
    const filter = assemble([op.load(0), op.jumpIf('eq', 1, 0, 1), op.ret(0x7fff0000), op.ret(0x00050005)]);
    const chained = chainCopies(filter, 3);
    expect(chained.length).toBe(filter.length * 3);
    const allowed = emulate(chained, { nr: 1, arch: AuditArch.x86_64 });
    expect(allowed.action).toBe('allow');
    expect(allowed.steps).toBe(3 * 3);
    const refused = emulate(chained, { nr: 2, arch: AuditArch.x86_64 });
    expect(refused).toMatchObject({ action: 'errno', data: 5, steps: 3 });
    expect(copiesFor([4, 1000], 8)).toBe(4);
    expect(copiesFor([4096], 8)).toBe(1);
    expect(() => chainCopies(filter, 2000)).toThrow(RangeError);
  });
});

describe('pairedDifference', () => {
  const timing = (samples: number[], copies: number) => ({ bestNsPerCall: Math.min(...samples), copies, medianNsPerCall: 0, samples, firstReturn: 0, firstErrno: 0 });

  it('is the median of the per-round differences, per copy, and ignores a round an interrupt hit', () => {
    // Drift moves both filters alike; round 3 of the first was hit by an interrupt.
    const a = timing([200, 210, 205, 290, 220], 4);
    const b = timing([204, 214, 209, 213, 224], 4);
    expect(pairedDifference(a, b)).toBe(-1);
    expect(pairedDifference(b, a)).toBe(1);
  });

  it('refuses timings from different rounds or with different copies', () => {
    expect(() => pairedDifference(timing([1, 2], 4), timing([1, 2, 3], 4))).toThrow(RangeError);
    expect(() => pairedDifference(timing([1, 2], 4), timing([1, 2], 5))).toThrow(RangeError);
    expect(() => pairedDifference(timing([1, 2], 0), timing([1, 2], 0))).toThrow(RangeError);
  });
});
