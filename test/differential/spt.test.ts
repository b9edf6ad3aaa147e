/**
 * Models shaped like the Solo5 spt tender's filter, built directly as rule
 * models: our compiler and libseccomp must decide them identically wherever
 * the arguments are clean, and libseccomp must produce the program lengths
 * measured for the upstream tender (which confirms the translation builds
 * what the tender's own libseccomp calls build).
 */
import { describe, expect, it } from 'vitest';
import type { SeccompData } from '../../src/bpf/seccomp.js';
import { AuditArch } from '../../src/bpf/seccomp.js';
import { Emulator } from '../../src/bpf/index.js';
import { compileModel } from '../../src/codegen/index.js';
import type { Condition, Rule, RuleModel } from '../../src/ir/model.js';
import { action, and, argument, compare, or, rule, ruleModel } from '../../src/ir/model.js';
import { buildWithLibseccomp, libseccompAvailable } from '../support/libseccomp.js';
import { Prng } from '../support/prng.js';
import { randomInputs } from '../support/random-model.js';
import { evaluateModel } from '../support/reference-eval.js';
import { LIBSECCOMP_READING, describeInput, explainDifference, runFilter } from './judge.js';

const ARCH_SET_FS = 0x1002n;
const fd = (index: number, value: bigint): Condition => compare(argument(index, 32), 'eq', value);

/** sptModel: the tender's core rules (epoll fd 4, timer fd 5) plus one rule pair per block device. */
function sptModel(blocks: readonly { fd: bigint; blockSize: bigint; capacity: bigint }[]): RuleModel {
  const allow = action('allow');
  const syscalls = new Map<number, Rule[]>([
    [231, [rule(allow)]], // exit_group
    [286, [rule(allow, fd(0, 5n))]], // timerfd_settime(ufd == timer)
    [281, [rule(allow, fd(0, 4n))]], // epoll_pwait(epfd == epoll)
    [158, [rule(allow, fd(0, ARCH_SET_FS))]], // arch_prctl(option == ARCH_SET_FS)
    [1, [rule(allow, fd(0, 1n))]], // write(fd == 1)
    [228, [rule(allow, or(fd(0, 1n), fd(0, 0n)))]], // clock_gettime(MONOTONIC or REALTIME)
  ]);
  const blockRules = blocks.map((block) =>
    rule(
      allow,
      and(
        fd(0, block.fd),
        compare(argument(2, 64), 'eq', block.blockSize),
        compare(argument(3, 64), 'le', block.capacity - block.blockSize),
      ),
    ),
  );
  if (blockRules.length > 0) {
    syscalls.set(17, blockRules); // pread64
    syscalls.set(18, blockRules); // pwrite64
  }
  return ruleModel({
    name: 'solo5-spt',
    defaultAction: action('kill_thread'),
    badArchAction: action('kill_thread'),
    arches: [{ arch: 'x86_64', syscalls }],
  });
}

const ONE_BLOCK = [{ fd: 6n, blockSize: 512n, capacity: 4n << 20n }];

/** Hand-picked inputs at the edges of the spt rules. */
function edgeInputs(): SeccompData[] {
  const x86 = AuditArch.x86_64;
  const at = (nr: number, ...args: bigint[]): SeccompData => ({ nr, arch: x86, args });
  return [
    at(231, 0n),
    at(1, 1n),
    at(1, 2n),
    at(1, 0xffff_ffff_0000_0001n),
    at(281, 4n),
    at(281, 0x1_0000_0004n),
    at(286, 5n),
    at(228, 0n),
    at(228, 1n),
    at(228, 2n),
    at(158, ARCH_SET_FS),
    at(158, 0x1001n),
    at(17, 6n, 0n, 512n, (4n << 20n) - 512n),
    at(17, 6n, 0n, 512n, (4n << 20n) - 511n),
    at(18, 6n, 0n, 512n, 0n),
    at(18, 6n, 0n, 511n, 0n),
    at(18, 0xffff_ffff_0000_0006n, 0n, 512n, 0n),
    at(17, 7n, 0n, 512n, 0n),
    at(0, 0n),
    at(0xffff_ffff),
    at(0x4000_0001, 1n),
    { nr: 1, arch: AuditArch.i386, args: [1n] },
  ];
}

/**
 * isClean: an input on which libseccomp's reading and the language's agree
 * by construction for these models (arg0 is the only 32-bit argument they
 * compare, and no nr falls in libseccomp's x32 range test).
 */
function isClean(input: SeccompData): boolean {
  const numberQuirk = input.arch >>> 0 === AuditArch.x86_64 && input.nr >>> 0 >= 0x4000_0000;
  return !numberQuirk && (input.args?.[0] ?? 0n) >> 32n === 0n;
}

const status = libseccompAvailable();
const title = status.ok ? 'Solo5 spt-shaped models' : `Solo5 spt-shaped models (skipped: ${status.reason})`;

describe.skipIf(!status.ok)(title, () => {
  it('libseccomp builds the measured 34 and 49 instruction programs', () => {
    const core = buildWithLibseccomp(sptModel([])).length / 8;
    const oneBlock = buildWithLibseccomp(sptModel(ONE_BLOCK)).length / 8;
    const coreTree = buildWithLibseccomp(sptModel([]), { optimize: 2 }).length / 8;
    const oneBlockTree = buildWithLibseccomp(sptModel(ONE_BLOCK), { optimize: 2 }).length / 8;
    const ours = compileModel(sptModel([])).instructions.length;
    const oursOneBlock = compileModel(sptModel(ONE_BLOCK)).instructions.length;
    console.log(
      `spt lengths: core libseccomp ${core} (tree ${coreTree}), ours ${ours}; ` +
        `1 block libseccomp ${oneBlock} (tree ${oneBlockTree}), ours ${oursOneBlock}`,
    );
    expect(core).toBe(34);
    expect(oneBlock).toBe(49);
  });

  it.each([
    ['core rules', sptModel([])],
    ['one block device', sptModel(ONE_BLOCK)],
    ['three block devices', sptModel([...ONE_BLOCK, { fd: 7n, blockSize: 4096n, capacity: 1n << 30n }, { fd: 8n, blockSize: 512n, capacity: 512n }])],
  ])('%s: identical decisions on clean inputs, explained ones elsewhere', (name, model) => {
    const ours = Emulator.create(compileModel(model).bytes);
    const linear = Emulator.create(buildWithLibseccomp(model, { optimize: 1 }));
    const tree = Emulator.create(buildWithLibseccomp(model, { optimize: 2 }));
    const inputs = [...edgeInputs(), ...randomInputs(new Prng(0x5017), model, 2000)];
    const problems: string[] = [];
    let clean = 0;
    let identical = 0;
    for (const input of inputs) {
      const where = describeInput(input);
      const mine = runFilter(ours, input);
      const theirs = runFilter(linear, input);
      if (mine.ret !== evaluateModel(model, input).ret) problems.push(`${where}: ours departs from the reference`);
      const reading = evaluateModel(model, input, LIBSECCOMP_READING).ret;
      if (theirs.ret !== reading || runFilter(tree, input).ret !== reading) problems.push(`${where}: libseccomp departs from its reading`);
      if (isClean(input)) {
        clean++;
        if (mine.ret !== theirs.ret) problems.push(`${where}: clean input decided differently`);
      }
      if (mine.ret === theirs.ret) identical++;
      else if (explainDifference(model, input, mine) === undefined) problems.push(`${where}: unexplained difference`);
    }
    console.log(`spt ${name}: ${inputs.length} inputs (${clean} clean), ${identical} identical, ${inputs.length - identical} explained`);
    expect(problems).toEqual([]);
    expect(clean).toBeGreaterThan(inputs.length / 4);
  });
});
