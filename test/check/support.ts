/**
 * One-line test helpers for the front end: `accepts(src)` and
 * `rejects(src, 'E_CODE', 'line:col')`, running parse and check.
 */
import { expect } from 'vitest';
import { positionOf, type Diagnostic } from '../../src/diagnostics.js';
import { check, type CheckOptions, type CheckResult } from '../../src/check/index.js';
import { parse, PolicySyntaxError } from '../../src/syntax/index.js';

/** FILE is the name test sources are parsed under. */
export const FILE = 'test.policy';

/** run parses and checks `src`, turning a syntax error into a result with its diagnostic. */
export function run(src: string, options: CheckOptions = {}): CheckResult {
  try {
    return check(parse(src, FILE), options);
  } catch (error) {
    if (error instanceof PolicySyntaxError) return { diagnostics: error.diagnostics };
    throw error;
  }
}

/** where renders a diagnostic's position as `line:col` in `src`. */
export function where(diagnostic: Diagnostic, src: string): string {
  if (!diagnostic.span) return '-';
  const { line, column } = positionOf(src, diagnostic.span.start);
  return `${line}:${column}`;
}

function describe(result: CheckResult, src: string): string[] {
  return result.diagnostics.map((d) => `${d.code} ${where(d, src)} ${d.message}`);
}

/** accepts asserts `src` checks without errors and returns the result. */
export function accepts(src: string, options: CheckOptions = {}): CheckResult {
  const result = run(src, options);
  expect(describe(result, src).filter((line) => line.startsWith('E_'))).toEqual([]);
  expect(result.policy).toBeDefined();
  return result;
}

/** rejects asserts checking `src` gives diagnostic `code` at `position` ('line:col', or '-' for none). */
export function rejects(src: string, code: string, position: string, options: CheckOptions = {}): Diagnostic {
  const result = run(src, options);
  const found = result.diagnostics.find((d) => d.code === code && where(d, src) === position);
  expect(found, `wanted ${code} at ${position}, got:\n${describe(result, src).join('\n')}`).toBeDefined();
  if (code.startsWith('E_')) expect(result.policy).toBeUndefined();
  return found!;
}

/** warns asserts `src` checks without errors but with warning `code` at `position`. */
export function warns(src: string, code: string, position: string, options: CheckOptions = {}): Diagnostic {
  const found = rejects(src, code, position, options);
  accepts(src, options);
  return found;
}
