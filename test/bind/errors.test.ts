/**
 * Binding errors: params missing, unknown, mistyped or out of range, and
 * arithmetic that fails once params are known. Each with code and position.
 */
import { describe, expect, test } from 'vitest';
import { DiagnosticError } from '../../src/diagnostics.js';
import { and, argument, bind, BindError, compare, FALSE, or, TRUE } from '../../src/ir/index.js';
import { SPT_PARAMS, SPT_POLICY } from './example.js';
import { bindFails, checked, model, rulesOf } from './support.js';

const fd32 = argument(0, 32);
const count64 = argument(2, 64);

describe('bind rejects bad bindings', () => {
  test.each([
    ['param a: fd', {}, 'E_MISSING_PARAM', '1:1'],
    ['param a: fd', { a: 1, b: 2 }, 'E_UNKNOWN_PARAM', '-'],
    ['param a: fd', { a: 'three' }, 'E_PARAM_TYPE', '1:1'],
    ['param a: fd', { a: 1.5 }, 'E_PARAM_TYPE', '1:1'],
    ['param a: u64', { a: 2 ** 53 + 2 }, 'E_PARAM_TYPE', '1:1'],
    ['param a: fd', { a: [1] }, 'E_PARAM_TYPE', '1:1'],
    ['param a: [fd]', { a: 3 }, 'E_PARAM_TYPE', '1:1'],
    ['param a: { fd: fd }', { a: [] }, 'E_PARAM_TYPE', '1:1'],
    ['param a: { fd: fd }', { a: {} }, 'E_PARAM_TYPE', '1:1'],
    ['param a: { fd: fd }', { a: { fd: 1, size: 2 } }, 'E_PARAM_TYPE', '1:1'],
    ['param a: fd', { a: 2147483648 }, 'E_PARAM_RANGE', '1:1'],
    ['param a: fd', { a: -1 }, 'E_PARAM_RANGE', '1:1'],
    ['param a: u32', { a: 2 ** 32 }, 'E_PARAM_RANGE', '1:1'],
    ['param a: u64', { a: '0x1_0000_0000_0000_0000' }, 'E_PARAM_RANGE', '1:1'],
    ['param x: u32\nparam a: [{ fd: fd }]', { x: 1, a: [{ fd: 1 }, { fd: -2 }] }, 'E_PARAM_RANGE', '2:1'],
  ] as [string, Record<string, unknown>, string, string][])('%j with %j gives %s at %s', (src, params, code, position) => {
    const message = bindFails(src, params, code, position);
    expect(message).toMatch(/^[^\n]+$/);
  });

  test('all binding problems are listed at once', () => {
    const policy = checked('param a: fd\nparam b: u32');
    const error = (() => {
      try {
        bind(policy, { b: 'x', c: 1 });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(BindError);
    expect(error).toBeInstanceOf(DiagnosticError);
    expect((error as BindError).diagnostics.map((d) => d.code).sort()).toEqual([
      'E_MISSING_PARAM',
      'E_PARAM_TYPE',
      'E_UNKNOWN_PARAM',
    ]);
  });
});

describe('bind rejects arithmetic that fails with the bound values', () => {
  test('capacity - block_size with capacity < block_size is an underflow, never a wrap', () => {
    const params = { ...SPT_PARAMS, blocks: [{ fd: 6, block_size: 512, capacity: 100 }] };
    expect(bindFails(SPT_POLICY, params, 'E_UNDERFLOW', '27:57')).toBe('arithmetic goes below zero');
  });

  test.each([
    ['param d: u64\nallow write where count == 10 / d', { d: 0 }, 'E_DIVISION_BY_ZERO', '2:28'],
    ['param d: u64\nallow write where count == 10 % d', { d: 0 }, 'E_DIVISION_BY_ZERO', '2:28'],
    ['param n: u64\nallow write where count == n + 1', { n: '0xffffffffffffffff' }, 'E_OVERFLOW', '2:28'],
    ['param n: u64\nallow write where count == n * n', { n: 2 ** 40 }, 'E_OVERFLOW', '2:28'],
    ['param n: u64\nallow write where count == 1 << n', { n: 64 }, 'E_SHIFT_RANGE', '2:28'],
    ['param n: u64\nallow write where fd == n', { n: 2 ** 32 }, 'E_VALUE_WIDTH', '2:25'],
    ['param n: u64\nallow write where fd & n == 0', { n: 2 ** 32 }, 'E_VALUE_WIDTH', '2:24'],
    ['param ns: [u64]\nallow write where fd in ns', { ns: [1, 2 ** 32] }, 'E_VALUE_WIDTH', '2:25'],
    ['param n: u64\nallow write where fd in { 1, n }', { n: 2 ** 32 }, 'E_VALUE_WIDTH', '2:30'],
  ] as [string, Record<string, unknown>, string, string][])('%j with %j gives %s at %s', (src, params, code, position) => {
    bindFails(src, params, code, position);
  });
});

describe('bind builds conditions from values', () => {
  test.each([
    ['param ns: [fd]\nallow write where fd in ns', { ns: [3, 4] }, or(compare(fd32, 'eq', 3n), compare(fd32, 'eq', 4n))],
    ['param ns: [fd]\nallow write where fd not in ns', { ns: [3, 4] }, and(compare(fd32, 'ne', 3n), compare(fd32, 'ne', 4n))],
    ['param ns: [fd]\nallow write where fd in ns', { ns: [] }, FALSE],
    ['param ns: [fd]\nallow write where fd not in ns', { ns: [] }, TRUE],
    ['param n: fd\nallow write where fd in { 1, n }', { n: 9 }, or(compare(fd32, 'eq', 1n), compare(fd32, 'eq', 9n))],
    ['param m: u32\nallow write where fd & m == 0', { m: 0xf0 }, compare(fd32, 'eq', 0n, 0xf0n)],
    ['param a: fd = 3\nallow write where fd == a', {}, compare(fd32, 'eq', 3n)],
    ['param a: fd = 3\nallow write where fd == a', { a: 5 }, compare(fd32, 'eq', 5n)],
    ['param n: u64\nallow write where count == n', { n: '0xffff_ffff_ffff' }, compare(count64, 'eq', 0xffff_ffff_ffffn)],
    ['param n: fd\nallow write where fd == n', { n: 2147483647 }, compare(fd32, 'eq', 2147483647n)],
    ['param n: u64\nallow write where count == n - 1 && fd == 2', { n: 1 }, and(compare(count64, 'eq', 0n), compare(fd32, 'eq', 2n))],
    ['param n: u64\nallow write where (count == n && fd == 1) && fd == 2', { n: 1 }, and(compare(count64, 'eq', 1n), compare(fd32, 'eq', 1n), compare(fd32, 'eq', 2n))],
  ] as [string, Record<string, unknown>, unknown][])('%j with %j', (src, params, expected) => {
    expect(rulesOf(model(src, params), 1)!.map((r) => r.condition)).toEqual([expected]);
  });

  test('loops over nested lists and record fields expand in order', () => {
    const src = 'param groups: [{ fds: [fd] }] = [{ fds: [1] }, { fds: [2, 3] }]\nfor g in groups { allow write where fd in g.fds }';
    expect(rulesOf(model(src), 1)!.map((r) => r.condition)).toEqual([
      compare(fd32, 'eq', 1n),
      or(compare(fd32, 'eq', 2n), compare(fd32, 'eq', 3n)),
    ]);
    const nested = 'param rows: [[fd]]\nfor row in rows { for cell in row { allow write where fd == cell } }';
    expect(rulesOf(model(nested, { rows: [[1, 2], [], [3]] }), 1)!.map((r) => r.condition)).toEqual(
      [1n, 2n, 3n].map((value) => compare(fd32, 'eq', value)),
    );
  });

  test('bigint bindings are taken as they are', () => {
    expect(rulesOf(model('param n: u64\nallow write where count == n', { n: 12n }), 1)![0]!.condition).toEqual(
      compare(count64, 'eq', 12n),
    );
  });

  test('a loop over an empty list adds no rules', () => {
    expect(rulesOf(model('param ns: [fd]\nfor n in ns { allow write where fd == n }', { ns: [] }), 1)).toBeUndefined();
  });

  test('binding twice gives deep-equal models and never mutates the checked policy', () => {
    const policy = checked('param ns: [fd]\nfor n in ns { allow write where fd == n }');
    const first = bind(policy, { ns: [1, 2] });
    bind(policy, { ns: [7] });
    expect(bind(policy, { ns: [1, 2] })).toEqual(first);
  });
});
