import { describe, expect, it } from 'vitest';
import { emulate } from '../../src/bpf/emulator.js';
import { AuditArch } from '../../src/bpf/seccomp.js';
import { compileModel } from '../../src/codegen/index.js';
import type { Comparison } from '../../src/ir/model.js';
import { action, argument, compare, rule, ruleModel } from '../../src/ir/model.js';

// One rule `errno(1) nr 100 where (arg & mask) op value`, default errno(2):
// the filter's answer says whether the comparison held.
function holdsInFilter(width: 32 | 64, op: Comparison, value: bigint, mask: bigint | undefined, arg: bigint): boolean {
  const model = ruleModel({
    defaultAction: action('errno', 2),
    badArchAction: action('kill_process'),
    arches: [
      {
        arch: 'x86_64',
        syscalls: new Map([[100, [rule(action('errno', 1), compare(argument(3, width), op, value, mask))]]]),
      },
    ],
  });
  const { bytes } = compileModel(model);
  const args = [0n, 0n, 0n, arg, 0n, 0n];
  const result = emulate(bytes, { nr: 100, arch: AuditArch.x86_64, args });
  expect(result.action).toBe('errno');
  return result.data === 1;
}

function expected(width: 32 | 64, op: Comparison, value: bigint, mask: bigint | undefined, arg: bigint): boolean {
  const full = width === 32 ? 0xffff_ffffn : 0xffff_ffff_ffff_ffffn;
  const seen = arg & full & (mask ?? full);
  switch (op) {
    case 'eq':
      return seen === value;
    case 'ne':
      return seen !== value;
    case 'lt':
      return seen < value;
    case 'le':
      return seen <= value;
    case 'gt':
      return seen > value;
    case 'ge':
      return seen >= value;
  }
}

const BOUNDARIES64 = [
  0n,
  1n,
  0x7fff_ffffn,
  0x8000_0000n,
  0xffff_fffen,
  0xffff_ffffn,
  1n << 32n,
  (1n << 32n) + 1n,
  0x1_ffff_ffffn,
  0xffff_ffff_0000_0000n,
  0xffff_ffff_0000_0001n,
  0x8000_0000_0000_0000n,
  2n ** 64n - 2n,
  2n ** 64n - 1n,
];
const BOUNDARIES32 = BOUNDARIES64.filter((v) => v <= 0xffff_ffffn);
const OPS: Comparison[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];

describe('comparisons at the word boundaries', () => {
  for (const op of OPS) {
    it(`64-bit ${op} agrees with bigint arithmetic on every boundary pair`, () => {
      for (const value of BOUNDARIES64) {
        for (const arg of BOUNDARIES64) {
          expect(holdsInFilter(64, op, value, undefined, arg), `${arg} ${op} ${value}`).toBe(
            expected(64, op, value, undefined, arg),
          );
        }
      }
    });
    it(`32-bit ${op} reads the low word only, whatever the high word holds`, () => {
      for (const value of BOUNDARIES32) {
        for (const arg of BOUNDARIES64) {
          expect(holdsInFilter(32, op, value, undefined, arg), `${arg} ${op} ${value}`).toBe(
            expected(32, op, value, undefined, arg),
          );
        }
      }
    });
  }

  const MASKS64 = [0n, 0xffn, 0xffff_ffffn, 0xffff_ffff_0000_0000n, 0x8000_0000_0000_0001n, 2n ** 64n - 1n];
  for (const op of OPS) {
    it(`masked 64-bit ${op} agrees with bigint arithmetic`, () => {
      for (const mask of MASKS64) {
        for (const value of BOUNDARIES64) {
          for (const arg of BOUNDARIES64) {
            expect(holdsInFilter(64, op, value, mask, arg), `(${arg} & ${mask}) ${op} ${value}`).toBe(
              expected(64, op, value, mask, arg),
            );
          }
        }
      }
    });
  }
});
