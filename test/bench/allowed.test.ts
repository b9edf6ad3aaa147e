import { describe, expect, it } from 'vitest';
import { AuditArch } from '../../src/bpf/seccomp.js';
import { compileModel } from '../../src/codegen/index.js';
import { action, and, argument, compare, not, or, rule, ruleModel } from '../../src/ir/model.js';
import type { Rule, RuleModel } from '../../src/ir/model.js';
import { allowedInputs, argumentFreeAllowed, disjunctiveTerms, solveTerm } from '../../bench/measure/allowed.js';
import { allowedSteps } from '../../bench/measure/steps.js';
import { syscallNumber } from '../../bench/policies/build.js';
import { benchPolicies } from '../../bench/policies/index.js';
import { sptModel } from '../../bench/policies/spt.js';
import { evaluateModel } from '../support/reference-eval.js';

const fd = argument(0, 32);
const count = argument(2, 64);
const pos = argument(3, 64);

function model(syscalls: [number, Rule[]][]): RuleModel {
  return ruleModel({
    defaultAction: action('errno', 1),
    badArchAction: action('kill_process'),
    arches: [{ arch: 'x86_64', syscalls: new Map(syscalls) }],
  });
}

describe('disjunctiveTerms', () => {
  it('pushes a negation through an and', () => {
    const terms = disjunctiveTerms(not(and(compare(fd, 'eq', 1n), compare(pos, 'lt', 9n))));
    expect(terms.map((term) => term.map((literal) => `${literal.op} ${literal.value}`))).toEqual([['ne 1'], ['ge 9']]);
  });

  it('multiplies an and of ors out', () => {
    const terms = disjunctiveTerms(and(or(compare(fd, 'eq', 1n), compare(fd, 'eq', 2n)), compare(pos, 'le', 5n)));
    expect(terms).toHaveLength(2);
  });
});

describe('solveTerm', () => {
  it('meets a bound at its edge and pins equalities', () => {
    expect(solveTerm([compare(fd, 'eq', 66n), compare(count, 'eq', 512n), compare(pos, 'le', 4193792n)])).toEqual([
      66n, 0n, 512n, 4193792n, 0n, 0n,
    ]);
  });

  it('meets several comparisons on one argument and masked ones', () => {
    const args = solveTerm([compare(fd, 'ne', 0n), compare(fd, 'lt', 2n), compare(argument(1, 64), 'eq', 0n, 0x7e020000n)]);
    expect(args?.slice(0, 2)).toEqual([1n, 0n]);
  });

  it('gives up on a contradiction', () => {
    expect(solveTerm([compare(fd, 'eq', 1n), compare(fd, 'eq', 2n)])).toBeUndefined();
  });
});

describe('allowedInputs', () => {
  it('gives one input per allowing term, each allowed by the reference evaluator', () => {
    const built = model([
      [0, [rule(action('allow'))]],
      [1, [rule(action('allow'), or(compare(fd, 'eq', 1n), compare(fd, 'eq', 2n)))]],
      [2, [rule(action('errno', 5))]],
    ]);
    const inputs = allowedInputs(built);
    expect(inputs.map((entry) => [entry.nr, entry.term, entry.data.args?.[0]])).toEqual([
      [0, 0, 0n],
      [1, 0, 1n],
      [1, 1, 2n],
    ]);
    for (const entry of inputs) expect(evaluateModel(built, entry.data).action).toBe('allow');
  });

  it('steps around an earlier rule with another action', () => {
    const built = model([[1, [rule(action('trap'), compare(fd, 'eq', 1n)), rule(action('allow'), compare(fd, 'le', 1n))]]]);
    expect(allowedInputs(built).map((entry) => entry.data.args?.[0])).toEqual([0n]);
  });

  it('leaves out a term an earlier rule takes whole', () => {
    const built = model([[1, [rule(action('trap'), compare(fd, 'le', 3n)), rule(action('allow'), compare(fd, 'eq', 2n))]]]);
    expect(allowedInputs(built)).toEqual([]);
  });

  it('covers every device of the spt policy, the last one at its last sector', () => {
    const blocks = Array.from({ length: 63 }, (_, index) => ({ fd: 4 + index, block_size: 512, capacity: 4 * 1024 * 1024 }));
    const inputs = allowedInputs(sptModel('spt', { epoll: 67, timer: 68, nets: [], blocks }));
    // exit_group, write, epoll_pwait, timerfd_settime, two clocks, arch_prctl, then 63 terms each for pread64 and pwrite64.
    expect(inputs).toHaveLength(7 + 2 * 63);
    const reads = inputs.filter((entry) => entry.nr === syscallNumber('pread64'));
    expect(reads.at(-1)?.data.args).toEqual([66n, 0n, 512n, 4n * 1024n * 1024n - 512n, 0n, 0n]);
  });

  it('gives inputs every benchmarked filter of ours allows', () => {
    for (const policy of benchPolicies()) {
      const inputs = allowedInputs(policy.model).map((entry) => entry.data);
      expect(inputs.length).toBeGreaterThan(0);
      for (const data of inputs) expect(data.arch).toBe(AuditArch.x86_64);
      expect(allowedSteps(compileModel(policy.model).instructions, inputs).refused, policy.id).toEqual([]);
    }
  });
});

describe('argumentFreeAllowed', () => {
  it('lists only syscalls whose first live rule is an unconditional allow', () => {
    const built = model([
      [0, [rule(action('allow'))]],
      [1, [rule(action('allow'), compare(fd, 'eq', 1n))]],
      [2, [rule(action('errno', 5))]],
      [3, [rule(action('trap'), compare(fd, 'eq', 0n)), rule(action('allow'))]],
    ]);
    expect(argumentFreeAllowed(built)).toEqual([0]);
  });
});
