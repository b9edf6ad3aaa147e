import { describe, expect, it } from 'vitest';
import { and, argument, compare, not, or } from '../../src/ir/model.js';
import { alwaysTrue, findWitness, implies, satisfiable } from '../../src/lint/truth.js';

const fd = argument(0, 32);
const flags = argument(1, 64);

describe('truth of conditions', () => {
  it('decides unmasked comparisons exactly', () => {
    expect(satisfiable(and(compare(fd, 'gt', 5n), compare(fd, 'lt', 6n)))).toBe('no');
    expect(satisfiable(and(compare(fd, 'ge', 5n), compare(fd, 'le', 5n)))).toBe('yes');
    expect(alwaysTrue(compare(fd, 'le', 0xffff_ffffn))).toBe('yes');
    expect(alwaysTrue(compare(flags, 'le', 0xffff_ffffn))).toBe('no');
    expect(satisfiable(and(compare(fd, 'ne', 0n), compare(fd, 'ne', 1n), compare(fd, 'lt', 3n)))).toBe('yes');
    expect(findWitness(and(compare(fd, 'ne', 0n), compare(fd, 'ne', 1n), compare(fd, 'lt', 3n)))).toEqual([2n, 0n, 0n, 0n, 0n, 0n]);
  });

  it('decides implication between rules', () => {
    const one = compare(fd, 'eq', 1n);
    const oneOrTwo = or(one, compare(fd, 'eq', 2n));
    expect(implies(one, oneOrTwo)).toBe('yes');
    expect(implies(oneOrTwo, one)).toBe('no');
    expect(implies(and(one, compare(flags, 'eq', 7n)), one)).toBe('yes');
    expect(implies(not(compare(fd, 'ne', 1n)), one)).toBe('yes');
  });

  it('finds the values masked comparisons need', () => {
    expect(satisfiable(compare(flags, 'eq', 2n, 1n))).toBe('no');
    const both = and(compare(flags, 'eq', 1n, 1n), compare(flags, 'eq', 2n, 2n), compare(flags, 'eq', 0n, 4n));
    expect(findWitness(both)?.[1]).toBe(3n);
    const writeExec = and(compare(flags, 'eq', 0n, ~7n & 0xffff_ffff_ffff_ffffn), compare(flags, 'ne', 6n, 6n));
    expect(satisfiable(writeExec, { index: 1, accept: (v) => (v & 4n) !== 0n, widen: (v) => [v | 4n] })).toBe('yes');
  });

  it('answers unknown rather than search too long', () => {
    const wide = and(...Array.from({ length: 6 }, (_, i) => or(...Array.from({ length: 12 }, (_, k) => compare(argument(i, 64), 'eq', BigInt(k * 10))))));
    expect(satisfiable(wide)).toBe('unknown');
  });
});
