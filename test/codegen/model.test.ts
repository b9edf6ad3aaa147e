import { describe, expect, it } from 'vitest';
import { cacheable } from '../../src/bpf/cache.js';
import { emulate } from '../../src/bpf/emulator.js';
import { AuditArch, X32_SYSCALL_BIT } from '../../src/bpf/seccomp.js';
import { validate } from '../../src/bpf/validate.js';
import { compileModel, ProgramTooLarge } from '../../src/codegen/index.js';
import type { ArchName, ArchRules, Comparison, Condition, Rule, RuleModel } from '../../src/ir/model.js';
import { action, and, argument, compare, not, or, rule, ruleModel, TRUE } from '../../src/ir/model.js';
import { Prng } from '../support/prng.js';
import { evaluateModel } from '../support/reference-eval.js';

const errno = (n: number) => action('errno', n);

function model(arches: ArchRules[], defaultErrno = 99, badErrno = 98): RuleModel {
  return ruleModel({ defaultAction: errno(defaultErrno), badArchAction: errno(badErrno), arches });
}

function arch(name: ArchName, entries: [number, Rule[]][]): ArchRules {
  return { arch: name, syscalls: new Map(entries) };
}

function decide(m: RuleModel, nr: number, archValue: number, args: bigint[] = []) {
  const { bytes } = compileModel(m);
  return emulate(bytes, { nr, arch: archValue, args });
}

describe('arch and number dispatch', () => {
  const m = model([
    arch('x86_64', [[1, [rule(errno(1))]]]),
    arch('aarch64', [[64, [rule(errno(2))]]]),
    arch('i386', [[4, [rule(errno(3))]]]),
  ]);

  it.each([
    ['x86_64 write', 1, AuditArch.x86_64, 1],
    ['x86_64 other', 2, AuditArch.x86_64, 99],
    ['aarch64 write', 64, AuditArch.aarch64, 2],
    ['aarch64 number 1', 1, AuditArch.aarch64, 99],
    ['i386 write', 4, AuditArch.i386, 3],
    ['arm is foreign', 4, AuditArch.arm, 98],
    ['x32 write on x86_64 is a bad arch', 1 | X32_SYSCALL_BIT, AuditArch.x86_64, 98],
    ['-1 on x86_64 is a bad arch', 0xffffffff, AuditArch.x86_64, 98],
    ['0x80000001 on x86_64 has no x32 bit: default', 0x80000001, AuditArch.x86_64, 99],
    ['-1 on aarch64 is only an unknown number', 0xffffffff, AuditArch.aarch64, 99],
  ])('%s', (_name, nr, archValue, data) => {
    expect(decide(m, nr, archValue).data).toBe(data);
  });

  it('serves x32 numbers from the x32 rules when x32 is listed', () => {
    const both = model([arch('x86_64', [[1, [rule(errno(1))]]]), arch('x32', [[1 | X32_SYSCALL_BIT, [rule(errno(5))]]])]);
    expect(decide(both, 1, AuditArch.x86_64).data).toBe(1);
    expect(decide(both, 1 | X32_SYSCALL_BIT, AuditArch.x86_64).data).toBe(5);
    expect(decide(both, 2 | X32_SYSCALL_BIT, AuditArch.x86_64).data).toBe(99);
    expect(decide(both, 0xffffffff, AuditArch.x86_64).data).toBe(99);
  });

  it('treats native numbers as foreign when only x32 is served', () => {
    const only = model([arch('x32', [[1 | X32_SYSCALL_BIT, [rule(errno(5))]]])]);
    expect(decide(only, 1, AuditArch.x86_64).data).toBe(98);
    expect(decide(only, 1 | X32_SYSCALL_BIT, AuditArch.x86_64).data).toBe(5);
  });
});

describe('program shape', () => {
  it('checks the arch before anything else', () => {
    const { instructions } = compileModel(model([arch('x86_64', [[0, [rule(errno(1))]]])]));
    expect(instructions[0]).toEqual({ kind: 'LoadAbsolute', offset: 4 });
  });

  it('gives byte-identical output for the same model', () => {
    const build = () =>
      model([arch('x86_64', [[17, [rule(errno(1), compare(argument(0, 32), 'eq', 6n))]], [0, [rule(errno(2))]]])]);
    expect(compileModel(build()).bytes).toEqual(compileModel(build()).bytes);
  });

  it('keeps argument-free allowed syscalls cacheable and conditional ones not', () => {
    const allow = action('allow');
    const m = ruleModel({
      defaultAction: action('kill_process'),
      badArchAction: action('kill_process'),
      arches: [
        arch('x86_64', [
          [0, [rule(allow)]],
          [1, [rule(allow, compare(argument(0, 32), 'eq', 1n))]],
          [60, [rule(allow)]],
          [231, [rule(allow)]],
        ]),
      ],
    });
    const { instructions } = compileModel(m);
    for (const nr of [0, 60, 231]) expect(cacheable(instructions, AuditArch.x86_64, nr), `nr ${nr}`).toBe(true);
    expect(cacheable(instructions, AuditArch.x86_64, 1)).toBe(false);
    expect(cacheable(instructions, AuditArch.x86_64, 2)).toBe(false);
  });

  it('shares identical argument checks between syscalls', () => {
    const check = () => and(compare(argument(0, 32), 'eq', 4n), compare(argument(3, 64), 'le', 4193792n));
    const one = model([arch('x86_64', [[17, [rule(action('allow'), check())]]])]);
    const two = model([
      arch('x86_64', [
        [17, [rule(action('allow'), check())]],
        [18, [rule(action('allow'), check())]],
      ]),
    ]);
    // pread64 and pwrite64 are neighbours with one shared block: one range, no extra code.
    expect(compileModel(two).instructions.length).toBe(compileModel(one).instructions.length);
  });

  it('routes conditional jumps further than 255 through islands', () => {
    const many = Array.from({ length: 200 }, (_, i) => compare(argument(1, 64), 'eq', BigInt(i) << 32n));
    const m = model([arch('x86_64', [[1, [rule(errno(1), or(...many))]], [2, [rule(errno(2))]]])]);
    const { instructions, bytes } = compileModel(m);
    expect(instructions.length).toBeGreaterThan(400);
    expect(validate(bytes)).toEqual({ ok: true });
    expect(instructions.some((i) => i.kind === 'Jump')).toBe(true);
    for (const [args, data] of [
      [[0n, 199n << 32n], 1],
      [[0n, 0n], 1],
      [[0n, 200n << 32n], 99],
      [[0n, (5n << 32n) + 1n], 99],
    ] as const) {
      expect(emulate(bytes, { nr: 1, arch: AuditArch.x86_64, args: [...args] }).data).toBe(data);
    }
    expect(emulate(bytes, { nr: 2, arch: AuditArch.x86_64 }).data).toBe(2);
  });

  it('shares a few islands among all the far jumps to one return, each a copy of the return', () => {
    // 63 block devices with their own bounds, as a tender binds the spt policy: every check fails to the default.
    const devices = Array.from({ length: 63 }, (_, i) => ({ fd: 4 + i, bound: BigInt(i + 1) << 20n }));
    const rules = devices.map(({ fd, bound }) =>
      rule(action('allow'), and(compare(argument(0, 32), 'eq', BigInt(fd)), compare(argument(2, 64), 'eq', 512n), compare(argument(3, 64), 'le', bound))),
    );
    const m = model([arch('x86_64', [[17, rules], [18, rules]])]);
    const { instructions, bytes } = compileModel(m);
    expect(validate(bytes)).toEqual({ ok: true });
    const defaultReturns = instructions.filter((i) => i.kind === 'ReturnConstant' && i.value === 0x50000 + 99).length;
    const jumps = instructions.filter((i) => i.kind === 'Jump').length;
    // The far jumps (hundreds of them) share a handful of copies of their targets.
    expect(instructions.length).toBeGreaterThan(256);
    expect(defaultReturns).toBeGreaterThan(0);
    expect(defaultReturns).toBeLessThanOrEqual(4);
    expect(jumps).toBeLessThanOrEqual(4);
    let inputs = 0;
    for (const nr of [17, 18]) {
      for (const { fd, bound } of devices) {
        for (const args of [
          [BigInt(fd), 0n, 512n, bound],
          [BigInt(fd), 0n, 512n, bound + 1n],
          [BigInt(fd), 0n, 4096n, 0n],
          [BigInt(fd) + (7n << 32n), 0n, 512n, 0n],
          [BigInt(fd + 63), 0n, 512n, 0n],
        ]) {
          const input = { nr, arch: AuditArch.x86_64, args };
          expect(emulate(bytes, input).ret, `nr ${nr} fd ${fd} args ${args}`).toBe(evaluateModel(m, input).ret);
          inputs++;
        }
      }
    }
    expect(inputs).toBe(630);
  });

  it('refuses a program over 4096 instructions, naming the limit and the size', () => {
    const many = Array.from({ length: 1500 }, (_, i) =>
      rule(errno(1 + (i % 4000)), compare(argument(2, 64), 'eq', (BigInt(i) << 32n) | 7n)),
    );
    const m = model([arch('x86_64', [[5, many]])]);
    let caught: unknown;
    try {
      compileModel(m);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProgramTooLarge);
    const tooLarge = caught as ProgramTooLarge;
    expect(tooLarge.code).toBe('E_PROGRAM_TOO_LARGE');
    expect(tooLarge.length).toBeGreaterThan(4096);
    expect(tooLarge.message).toContain('4096');
    expect(tooLarge.message).toContain(String(tooLarge.length));
  });
});

describe('random models agree with the reference evaluator', () => {
  const OPS: Comparison[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];
  function randomCondition(rng: Prng, depth: number): Condition {
    const roll = rng.int(0, 9);
    if (depth <= 0 || roll < 5) {
      const width = rng.chance(0.5) ? 32 : 64;
      const masked = rng.chance(0.2);
      return compare(argument(rng.int(0, 5), width), rng.pick(OPS), rng.word(width), masked ? rng.word(width) : undefined);
    }
    const terms = Array.from({ length: rng.int(1, 3) }, () => randomCondition(rng, depth - 1));
    if (roll < 7) return and(...terms);
    if (roll < 9) return or(...terms);
    return not(terms[0]!);
  }

  it('on 300 models with nested conditions and mixed actions', () => {
    const rng = new Prng(20261122);
    let inputs = 0;
    for (let m = 0; m < 300; m++) {
      const numbers = rng.sample([0, 1, 2, 3, 17, 18, 60, 200, 231, 334, 400, 511], rng.int(1, 6));
      const entries: [number, Rule[]][] = numbers.map((nr) => [
        nr,
        Array.from({ length: rng.int(1, 4) }, () =>
          rule(errno(rng.int(1, 30)), rng.chance(0.2) ? TRUE : randomCondition(rng, 3)),
        ),
      ]);
      const built = model([arch('x86_64', entries)]);
      const { bytes } = compileModel(built);
      for (let i = 0; i < 40; i++) {
        const nr = rng.chance(0.8) ? rng.pick(numbers) : rng.int(0, 600);
        const args = Array.from({ length: 6 }, () => rng.word(64));
        const input = { nr, arch: AuditArch.x86_64, args };
        expect(emulate(bytes, input).ret, `model ${m} input ${i}`).toBe(evaluateModel(built, input).ret);
        inputs++;
      }
    }
    expect(inputs).toBe(12000);
  });

  it('decides as the model means on 30 random models long enough to need islands', () => {
    const rng = new Prng(424242);
    let far = 0;
    for (let m = 0; m < 30; m++) {
      const numbers = rng.sample([0, 1, 2, 3, 17, 18, 60, 200, 231, 334], rng.int(2, 4));
      // Short conditions, so that the rules stay many and the program long but within 4096 instructions.
      const term = () => compare(argument(rng.int(0, 5), rng.chance(0.5) ? 32 : 64), rng.pick(OPS), rng.word(32));
      const entries: [number, Rule[]][] = numbers.map((nr) => [
        nr,
        Array.from({ length: rng.int(40, 90) }, () => rule(errno(rng.int(1, 6)), rng.chance(0.5) ? term() : and(term(), term()))),
      ]);
      const built = model([arch('x86_64', entries)]);
      const { bytes, instructions } = compileModel(built);
      expect(validate(bytes)).toEqual({ ok: true });
      if (instructions.length > 256) far++;
      for (let i = 0; i < 60; i++) {
        const nr = rng.chance(0.9) ? rng.pick(numbers) : rng.int(0, 600);
        const args = Array.from({ length: 6 }, () => rng.word(64));
        const input = { nr, arch: AuditArch.x86_64, args };
        expect(emulate(bytes, input).ret, `model ${m} input ${i}`).toBe(evaluateModel(built, input).ret);
      }
    }
    expect(far).toBeGreaterThan(20);
  });
});
