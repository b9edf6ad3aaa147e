/**
 * The oracles themselves: the seeded generator, the reference evaluator's
 * reading of the model (and of libseccomp's quirks), the translation into
 * libseccomp's terms, the stale-accumulator detector, and small libseccomp
 * builds checked decision by decision.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AuditArch } from '../../src/bpf/seccomp.js';
import { Emulator, op } from '../../src/bpf/index.js';
import type { ArchName, Condition, Rule, RuleModel } from '../../src/ir/model.js';
import { action, and, argument, compare, not, or, rule, ruleModel, TRUE } from '../../src/ir/model.js';
import { archTable } from '../../src/arch/index.js';
import { ARCH_NAMES } from '../../src/ir/model.js';
import { buildWithLibseccomp, libseccompAvailable, libseccompSyscallNumber, libseccompVersion } from '../support/libseccomp.js';
import { NotExpressibleError, ScmpCompare, planForLibseccomp } from '../support/libseccomp-plan.js';
import { Prng } from '../support/prng.js';
import { randomModel } from '../support/random-model.js';
import { evaluateModel } from '../support/reference-eval.js';
import { ambiguousComparisons } from './accumulator.js';

const X86 = AuditArch.x86_64;
const a32 = (index: number) => argument(index, 32);
const a64 = (index: number) => argument(index, 64);

function model(syscalls: [number, Rule[]][], arches: ArchName[] = ['x86_64']): RuleModel {
  return ruleModel({
    defaultAction: action('errno', 1),
    badArchAction: action('kill_process'),
    arches: arches.map((arch) => ({ arch, syscalls: new Map(arch === arches[0] ? syscalls : []) })),
  });
}

describe('Prng', () => {
  it('repeats a sequence for a seed and differs between seeds', () => {
    const sequence = (seed: number) => {
      const rng = new Prng(seed);
      return Array.from({ length: 16 }, () => rng.next());
    };
    expect(sequence(7)).toEqual(sequence(7));
    expect(sequence(7)).not.toEqual(sequence(8));
  });

  it('keeps int, word and sample in range', () => {
    const rng = new Prng(1);
    for (let count = 0; count < 2000; count++) {
      const value = rng.int(-3, 3);
      expect(value >= -3 && value <= 3 && Number.isInteger(value)).toBe(true);
      expect(rng.word(32) <= 0xffff_ffffn).toBe(true);
      expect(rng.word(64) < 1n << 64n).toBe(true);
    }
    expect(new Set(rng.sample([1, 2, 3, 4], 3)).size).toBe(3);
  });
});

describe('evaluateModel', () => {
  const fdIsThree = model([[3, [rule(action('allow'), compare(a32(0), 'eq', 3n))]]]);

  it('reads a 32-bit argument on its low half, and all 64 bits when widths are ignored', () => {
    const input = { nr: 3, arch: X86, args: [0xffff_ffff_0000_0003n] };
    expect(evaluateModel(fdIsThree, input).action).toBe('allow');
    expect(evaluateModel(fdIsThree, input, { ignoreWidths: true }).action).toBe('errno');
  });

  it('checks the arch first and treats the x32 bit as x32', () => {
    expect(evaluateModel(fdIsThree, { nr: 3, arch: AuditArch.i386, args: [3n] }).action).toBe('kill_process');
    expect(evaluateModel(fdIsThree, { nr: 0x4000_0003, arch: X86, args: [3n] }).action).toBe('kill_process');
    expect(evaluateModel(fdIsThree, { nr: 0xffff_ffff, arch: X86 }).action).toBe('kill_process');
    expect(evaluateModel(fdIsThree, { nr: 0x8000_0003, arch: X86 }).action).toBe('errno');
    const both = model([[3, [rule(action('allow'))]]], ['x86_64', 'x32']);
    expect(evaluateModel(both, { nr: 0x4000_0003, arch: X86 }).action).toBe('errno');
  });

  it('models libseccomp numbers: -1 reaches the rules, everything else from 0x40000000 is a bad arch', () => {
    const options = { libseccompNumbers: true };
    expect(evaluateModel(fdIsThree, { nr: 0xffff_ffff, arch: X86 }, options).action).toBe('errno');
    expect(evaluateModel(fdIsThree, { nr: 0x8000_0003, arch: X86 }, options).action).toBe('kill_process');
  });

  it('never matches a masked == whose value leaves the mask, unless the value is masked too', () => {
    const masked = model([[3, [rule(action('allow'), compare(a64(1), 'eq', 0x1ffn, 0xffn))]]]);
    const input = { nr: 3, arch: X86, args: [0n, 0xffn] };
    expect(evaluateModel(masked, input).action).toBe('errno');
    expect(evaluateModel(masked, input, { maskTheValue: true }).action).toBe('allow');
  });

  it('takes the first rule that holds and compares unsigned', () => {
    const ordered = model([
      [1, [rule(action('trap', 7), compare(a64(2), 'gt', 1n)), rule(action('allow'), TRUE)]],
    ]);
    expect(evaluateModel(ordered, { nr: 1, arch: X86, args: [0n, 0n, 0xffff_ffff_ffff_ffffn] })).toEqual({ action: 'trap', data: 7, ret: 0x30007 });
    expect(evaluateModel(ordered, { nr: 1, arch: X86, args: [0n, 0n, 1n] }).action).toBe('allow');
  });
});

describe('planForLibseccomp', () => {
  const rejects = (syscalls: [number, Rule[]][], pattern: RegExp, arches?: ArchName[]) =>
    expect(() => planForLibseccomp(model(syscalls, arches))).toThrowError(new RegExp(pattern.source));

  it('rejects what libseccomp cannot express', () => {
    rejects([[1, [rule(action('allow'), compare(a64(0), 'eq', 1n)), rule(action('trap'))]]], /different actions/);
    rejects([[1, [rule(action('allow'), not(compare(a64(0), 'eq', 0n, 0xffn)))]]], /masked ==, not masked ne/);
    rejects([[1, [rule(action('allow'), compare(a64(0), 'lt', 0n, 0xffn))]]], /masked ==, not masked lt/);
    rejects([[1, [rule(action('allow'), and(compare(a64(0), 'ge', 1n), compare(a64(0), 'le', 9n)))]]], /one comparison per argument/);
    rejects([[1, [rule(action('trap', 5))]]], /no trap data/);
    rejects([[1, [rule(action('errno', 4095))]]], /below 4095/);
    rejects([[0x4000_0001, [rule(action('allow'), compare(a64(2), 'eq', 1n))]]], /low 32 bits/, ['x32', 'x86_64']);
    expect(() => planForLibseccomp(model([[1, [rule(action('trap', 5))]]]))).toThrow(NotExpressibleError);
  });

  it('expands conditions into ORed rules of ANDed comparisons', () => {
    const condition: Condition = and(or(compare(a64(0), 'eq', 1n), compare(a64(1), 'lt', 5n)), not(compare(a32(2), 'le', 9n)));
    const plan = planForLibseccomp(model([[8, [rule(action('allow'), condition), rule(action('errno', 1))]]]));
    const rules = plan.arches[0]!.rules;
    expect(rules.map((entry) => entry.comparisons.map((c) => [c.argument, c.operator, c.datumA]))).toEqual([
      [[0, ScmpCompare.eq, 1n], [2, ScmpCompare.gt, 9n]],
      [[1, ScmpCompare.lt, 5n], [2, ScmpCompare.gt, 9n]],
    ]);
    expect(rules.every((entry) => entry.nr === 8 && entry.action === 0x7fff0000)).toBe(true);
  });

  it('lets an unconditional rule swallow the rest and writes masks as masked ==', () => {
    const swallowed = planForLibseccomp(model([[8, [rule(action('allow'), compare(a64(0), 'eq', 1n)), rule(action('allow')), rule(action('trap'))]]]));
    expect(swallowed.arches[0]!.rules).toEqual([{ nr: 8, action: 0x7fff0000, comparisons: [] }]);
    const masked = planForLibseccomp(model([[8, [rule(action('log'), compare(a32(3), 'eq', 0x10n, 0xf0n))]]]));
    expect(masked.arches[0]!.rules[0]!.comparisons).toEqual([{ argument: 3, operator: ScmpCompare.maskedEq, datumA: 0xf0n, datumB: 0x10n }]);
  });

  const header = '/usr/include/seccomp.h';
  it.skipIf(!existsSync(header))(`uses the operator values of ${header}`, () => {
    const text = readFileSync(header, 'utf8');
    const value = (name: string) => Number(new RegExp(`SCMP_CMP_${name}\\s*=\\s*(\\d+)`).exec(text)?.[1]);
    expect(ScmpCompare).toEqual({ ne: value('NE'), lt: value('LT'), le: value('LE'), eq: value('EQ'), ge: value('GE'), gt: value('GT'), maskedEq: value('MASKED_EQ') });
  });

  it('accepts every model of the libseccomp family', () => {
    for (let seed = 0; seed < 500; seed++) expect(() => planForLibseccomp(randomModel(new Prng(seed), { family: 'libseccomp' }))).not.toThrow();
  });
});

describe('ambiguousComparisons', () => {
  it('flags a comparison reached with different words in A, and only that', () => {
    const stale = [op.load(0), op.jumpIf('eq', 1, 0, 1), op.load(16), op.jumpIf('eq', 2, 0, 1), op.ret(0), op.ret(1)];
    expect(ambiguousComparisons(stale)).toEqual([3]);
    const reloaded = [op.load(0), op.jumpIf('eq', 1, 0, 1), op.load(16), op.load(16), op.jumpIf('eq', 2, 0, 1), op.ret(0), op.ret(1)];
    expect(ambiguousComparisons(reloaded)).toEqual([]);
  });
});

const status = libseccompAvailable();
describe.skipIf(!status.ok)(status.ok ? 'buildWithLibseccomp' : `buildWithLibseccomp (skipped: ${status.reason})`, () => {
  it('reports its version', () => {
    expect(libseccompVersion()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('builds a filter that decides as the rules say', () => {
    const built = model([
      [1, [rule(action('allow'), compare(a32(0), 'eq', 1n)), rule(action('allow'), compare(a64(2), 'lt', 0x1_0000_0000n))]],
      [231, [rule(action('trap'))]],
    ]);
    for (const optimize of [1, 2] as const) {
      const filter = Emulator.create(buildWithLibseccomp(built, { optimize }));
      expect(filter.run({ nr: 1, arch: X86, args: [1n, 0n, 0x1_0000_0000n] }).action).toBe('allow');
      expect(filter.run({ nr: 1, arch: X86, args: [2n, 0n, 0xffff_ffffn] }).action).toBe('allow');
      expect(filter.run({ nr: 1, arch: X86, args: [2n, 0n, 0x1_0000_0000n] })).toMatchObject({ action: 'errno', data: 1 });
      expect(filter.run({ nr: 231, arch: X86 }).action).toBe('trap');
      expect(filter.run({ nr: 231, arch: AuditArch.aarch64 }).action).toBe('kill_process');
    }
  });

  it('serves x86_64 and x32 together, each with its own numbers', () => {
    const both = ruleModel({
      defaultAction: action('errno', 38),
      badArchAction: action('kill_process'),
      arches: [
        { arch: 'x86_64', syscalls: new Map([[0, [rule(action('allow'))]]]) },
        { arch: 'x32', syscalls: new Map([[0x4000_0001, [rule(action('log'), compare(a32(0), 'eq', 2n))]]]) },
      ],
    });
    const filter = Emulator.create(buildWithLibseccomp(both));
    expect(filter.run({ nr: 0, arch: X86 }).action).toBe('allow');
    expect(filter.run({ nr: 0x4000_0001, arch: X86, args: [2n] }).action).toBe('log');
    expect(filter.run({ nr: 0x4000_0000, arch: X86 }).action).toBe('errno');
    expect(filter.run({ nr: 1, arch: X86, args: [2n] }).action).toBe('errno');
  });

  it('numbers every syscall both know the same way as the generated tables', () => {
    const mismatches: string[] = [];
    let compared = 0;
    for (const arch of ARCH_NAMES) {
      for (const info of archTable(arch).syscalls) {
        const theirs = libseccompSyscallNumber(arch, info.name);
        if (theirs === undefined) continue;
        compared++;
        if (theirs !== info.number) mismatches.push(`${arch} ${info.name}: table ${info.number}, libseccomp ${theirs}`);
      }
    }
    console.log(`syscall tables vs libseccomp: ${compared} names compared, ${mismatches.length} mismatches`);
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(1500);
  });
});
