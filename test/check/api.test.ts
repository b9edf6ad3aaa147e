/**
 * The check stage as an API: its result, its aggregate error, injected
 * tables, and what a CheckedPolicy keeps for bind.
 */
import { describe, expect, test } from 'vitest';
import { check, checkOrThrow, PolicyError, type SyscallTables } from '../../src/check/index.js';
import { argument, bind, compare, TRUE } from '../../src/ir/index.js';
import { parse } from '../../src/syntax/index.js';
import { accepts, rejects } from './support.js';

// A tiny kernel: `plain` has a prototype, `bare` has none, `only32` exists on i386 alone.
const tables: SyscallTables = {
  syscall(arch, name) {
    if (name === 'plain') return { name, number: 10, args: [{ name: 'small', width: 32 }, { name: 'wide', width: 64 }] };
    if (name === 'bare') return { name, number: 11 };
    if (name === 'only32' && arch === 'i386') return { name, number: 12, args: [] };
    return undefined;
  },
  constant: (name) => (name === 'SEVEN' ? 7n : undefined),
  hostArch: () => 'riscv64',
};

describe('check', () => {
  test('defaults to the host arch of its tables when the policy declares none', () => {
    const result = check(parse('allow plain', 'p.policy'), { tables });
    expect(result.policy!.arches.map((a) => a.arch)).toEqual(['riscv64']);
  });

  test('a syscall without a prototype is filtered on raw 64-bit registers', () => {
    const policy = check(parse('allow bare where arg5 == SEVEN', 'p.policy'), { tables }).policy!;
    expect(bind(policy, {}).arches[0]!.syscalls.get(11)![0]!.condition).toEqual(compare(argument(5, 64), 'eq', 7n));
  });

  test('argument widths come from the tables', () => {
    const policy = check(parse('allow plain where small == -1 && wide == -1', 'p.policy'), { tables }).policy!;
    const condition = bind(policy, {}).arches[0]!.syscalls.get(10)![0]!.condition;
    expect(condition).toMatchObject({ kind: 'and', terms: [{ value: 0xffff_ffffn }, { value: 0xffff_ffff_ffff_ffffn }] });
  });

  test('the checked policy keeps param references as slots, folded constants as values', () => {
    const policy = check(parse('param p: u64\nallow plain where wide == p + SEVEN * 2', 'p.policy'), { tables }).policy!;
    const item = policy.arches[0]!.items[0]!;
    expect(item).toMatchObject({
      kind: 'rule',
      numbers: [10],
      condition: {
        kind: 'compare',
        op: 'eq',
        value: { kind: 'binary', operator: '+', left: { kind: 'slot', slot: 0, fields: [] }, right: { kind: 'constant', value: 14n } },
      },
    });
    expect(policy.params).toMatchObject([{ name: 'p', type: { kind: 'scalar', name: 'u64' } }]);
    expect(policy.slotCount).toBe(1);
  });

  test('loops get their own slots after the params', () => {
    const src = 'param a: [fd]\nparam b: [fd]\nfor x in a { for y in b { allow plain where small == x } }';
    const policy = check(parse(src, 'p.policy'), { tables }).policy!;
    expect(policy.slotCount).toBe(4);
    expect(policy.arches[0]!.items[0]).toMatchObject({ kind: 'for', slot: 2, body: [{ kind: 'for', slot: 3 }] });
  });

  test('a rule whose syscall exists on one arch only is kept there, with a warning for the other', () => {
    const result = check(parse('arch riscv64, i386\nallow only32', 'p.policy'), { tables });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['W_SYSCALL_MISSING']);
    expect(bind(result.policy!, {}).arches.map((a) => [a.arch, [...a.syscalls.keys()]])).toEqual([
      ['riscv64', []],
      ['i386', [12]],
    ]);
  });

  test('checkOrThrow throws PolicyError with every diagnostic', () => {
    let caught: unknown;
    try {
      checkOrThrow(parse('allow nothing\nallow plain where nope == 1', 'p.policy'), { tables });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PolicyError);
    expect((caught as PolicyError).diagnostics.map((d) => d.code)).toEqual(['E_UNKNOWN_SYSCALL', 'E_UNKNOWN_ARGUMENT']);
    expect((caught as PolicyError).name).toBe('PolicyError');
  });

  test('checkOrThrow returns the policy when there are only warnings', () => {
    const { policy, diagnostics } = checkOrThrow(parse('arch riscv64, i386\nallow only32', 'p.policy'), { tables });
    expect(policy.arches).toHaveLength(2);
    expect(diagnostics).toHaveLength(1);
  });

  test('an unconditional rule is TRUE already at check', () => {
    const policy = check(parse('allow plain', 'p.policy'), { tables }).policy!;
    expect(policy.arches[0]!.items[0]).toMatchObject({ condition: { kind: 'resolved', condition: TRUE } });
  });

  test('check is deterministic', () => {
    const src = 'param a: [fd]\nfor x in a { allow plain where small == x }';
    expect(check(parse(src, 'p.policy'), { tables })).toEqual(check(parse(src, 'p.policy'), { tables }));
  });

  test('one-line helpers run on the generated tables', () => {
    accepts('allow read where fd == 0', { arch: 'x86_64' });
    rejects('allow read where fd == 0', 'E_UNKNOWN_ARCH', '-', { arch: 'vax' });
  });
});
