import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../src/codegen/index.js';
import { action, and, argument, compare, or, rule, ruleModel } from '../../src/ir/model.js';
import { Policy } from '../../src/policy.js';
import { bindSource, sourceText } from '../../bench/measure/frontEnd.js';
import { benchPolicies } from '../../bench/policies/index.js';
import { conditionText, policyText } from '../../bench/policies/text.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('policyText', () => {
  it('writes masked and plain comparisons with the kernel argument names', () => {
    const flags = compare(argument(0, 64), 'eq', 0n, 0x7e020000n);
    const tid = compare(argument(4, 64), 'ne', 7n);
    expect(conditionText(or(flags, and(tid, flags)), 56)).toBe(
      '((clone_flags & 0x7e020000) == 0 || (tls != 7 && (clone_flags & 0x7e020000) == 0))',
    );
  });

  it('keeps a syscall with several rules in first-match order and lists plain allows together', () => {
    const fd = argument(0, 32);
    const built = ruleModel({
      name: 'small-one',
      defaultAction: action('errno', 1),
      badArchAction: action('kill_process'),
      arches: [
        {
          arch: 'x86_64',
          syscalls: new Map([
            [0, [rule(action('allow'))]],
            [1, [rule(action('trap'), compare(fd, 'eq', 2n)), rule(action('allow'))]],
            [3, [rule(action('allow'))]],
          ]),
        },
      ],
    });
    expect(policyText(built)).toBe(
      'policy small_one\ndefault errno(1)\nbadarch kill_process\ntrap write where fd == 2\nallow write\nallow read, close\n',
    );
  });
});

describe('the front end on the benchmark policies', () => {
  for (const policy of benchPolicies()) {
    it(`builds the same filter as the hand-built model: ${policy.id}`, () => {
      expect(policy.frontEnd).toBeDefined();
      const bound = bindSource(root, policy.frontEnd!);
      expect(compileModel(bound).bytes).toEqual(compileModel(policy.model).bytes);
    });

    it(`binds the same filter through one Policy, again and again: ${policy.id}`, () => {
      const source = policy.frontEnd!;
      const bindable = Policy.fromText(sourceText(root, source), { file: source.file, arch: 'x86_64' });
      const expected = compileModel(policy.model).bytes;
      for (let round = 0; round < 3; round++) expect(bindable.bind(source.params).bytes).toEqual(expected);
    });
  }
});
