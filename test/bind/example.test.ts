/**
 * The worked example of docs/policy-language.md: it parses, checks and binds
 * into the expected model.
 */
import { describe, expect, test } from 'vitest';
import { and, argument, compare, or, rule, TRUE, action, type Condition } from '../../src/ir/index.js';
import { checked, model, rulesOf } from './support.js';
import { SPT_PARAMS, SPT_POLICY } from './example.js';
import { bind } from '../../src/ir/index.js';

const allow = action('allow');
const fd32 = argument(0, 32);

function conditions(nr: number, built = model(SPT_POLICY, SPT_PARAMS)): Condition[] | undefined {
  return rulesOf(built, nr)?.map((r) => r.condition);
}

describe('the solo5 spt example policy', () => {
  const built = model(SPT_POLICY, SPT_PARAMS);

  test('keeps its name, default and badarch actions, and serves the compile-time arch', () => {
    expect(built.name).toBe('solo5_spt');
    expect(built.defaultAction).toEqual(action('kill_process'));
    expect(built.badArchAction).toEqual(action('kill_process'));
    expect(built.arches.map((a) => a.arch)).toEqual(['x86_64']);
  });

  test('has exactly the syscalls it names, in ascending order (no nets: no read)', () => {
    expect([...built.arches[0]!.syscalls.keys()]).toEqual([1, 17, 18, 158, 228, 231, 281, 286]);
  });

  test('pread64 and pwrite64 (17, 18) check fd, count and the 64-bit pos bound', () => {
    const expected = and(
      compare(fd32, 'eq', 6n),
      compare(argument(2, 64), 'eq', 512n),
      compare(argument(3, 64), 'le', 4194304n - 512n),
    );
    expect(conditions(17, built)).toEqual([expected]);
    expect(conditions(18, built)).toEqual([expected]);
    expect(rulesOf(built, 17)![0]!.action).toEqual(allow);
  });

  test('the simple rules compare 32-bit arguments with params and constants', () => {
    expect(conditions(1, built)).toEqual([compare(fd32, 'eq', 1n)]);
    expect(conditions(281, built)).toEqual([compare(fd32, 'eq', 4n)]);
    expect(conditions(286, built)).toEqual([compare(fd32, 'eq', 5n)]);
    expect(conditions(228, built)).toEqual([or(compare(fd32, 'eq', 1n), compare(fd32, 'eq', 0n))]);
    expect(conditions(158, built)).toEqual([compare(fd32, 'eq', 0x1002n)]);
    expect(conditions(231, built)).toEqual([TRUE]);
  });

  test('for expands in place: nets add read rules and write rules after `write where fd == 1`', () => {
    const withNets = model(SPT_POLICY, { ...SPT_PARAMS, nets: [7, 8] });
    expect(conditions(0, withNets)).toEqual([compare(fd32, 'eq', 7n), compare(fd32, 'eq', 8n)]);
    expect(conditions(1, withNets)).toEqual([compare(fd32, 'eq', 1n), compare(fd32, 'eq', 7n), compare(fd32, 'eq', 8n)]);
  });

  test('rules keep the span of their source rule', () => {
    const span = rulesOf(built, 17)![0]!.span!;
    expect(SPT_POLICY.slice(span.start, span.end)).toMatch(/^allow pread64, pwrite64\n\s+where fd == b\.fd/);
    expect(rule(allow, TRUE).span).toBeUndefined();
  });

  test('on aarch64 the when-arch x86_64 block is dropped and numbers follow that table', () => {
    const arm = model(SPT_POLICY, SPT_PARAMS, { arch: 'aarch64' });
    expect(arm.arches.map((a) => a.arch)).toEqual(['aarch64']);
    expect([...arm.arches[0]!.syscalls.keys()]).toEqual([22, 64, 67, 68, 86, 94, 113]);
  });

  test('binding is deterministic: the same input gives deep-equal models', () => {
    const again = bind(checked(SPT_POLICY), JSON.parse(JSON.stringify(SPT_PARAMS)));
    expect(again).toEqual(built);
    expect(JSON.stringify([...again.arches[0]!.syscalls.keys()])).toBe(JSON.stringify([...built.arches[0]!.syscalls.keys()]));
  });

  test('binding the spt policy takes tens of microseconds', () => {
    const policy = checked(SPT_POLICY);
    const params = { ...SPT_PARAMS, nets: [7, 8] };
    for (let i = 0; i < 200; i++) bind(policy, params);
    const rounds = 2000;
    const start = performance.now();
    for (let i = 0; i < rounds; i++) bind(policy, params);
    const microseconds = ((performance.now() - start) / rounds) * 1000;
    expect(microseconds).toBeLessThan(200);
  });
});
