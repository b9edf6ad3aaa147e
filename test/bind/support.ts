/**
 * Helpers for bind tests: policy text and params to a RuleModel, and the
 * rules of one syscall.
 */
import { expect } from 'vitest';
import { check, type CheckOptions } from '../../src/check/index.js';
import type { CheckedPolicy } from '../../src/check/index.js';
import { BindError, bind, type ArchName, type Rule, type RuleModel } from '../../src/ir/index.js';
import { positionOf } from '../../src/diagnostics.js';
import { parse } from '../../src/syntax/index.js';

/** checked parses and checks `src`, failing the test on any error. */
export function checked(src: string, options: CheckOptions = { arch: 'x86_64' }): CheckedPolicy {
  const result = check(parse(src, 'test.policy'), options);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.policy!;
}

/** model checks and binds `src`. */
export function model(src: string, params: Record<string, unknown> = {}, options?: CheckOptions): RuleModel {
  return bind(checked(src, options), params);
}

/** rulesOf gives the rules of syscall `nr` on `arch` (the first arch by default). */
export function rulesOf(built: RuleModel, nr: number, arch?: ArchName): readonly Rule[] | undefined {
  const rules = arch ? built.arches.find((a) => a.arch === arch) : built.arches[0];
  return rules?.syscalls.get(nr);
}

/** bindFails asserts binding gives `code` at `position` ('line:col' or '-') and returns the message. */
export function bindFails(src: string, params: Record<string, unknown>, code: string, position: string): string {
  const policy = checked(src);
  let caught: unknown;
  try {
    bind(policy, params);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(BindError);
  const diagnostics = (caught as BindError).diagnostics;
  const places = diagnostics.map((d) => `${d.code} ${d.span ? Object.values(positionOf(src, d.span.start)).slice(0, 2).join(':') : '-'}`);
  expect(places).toContain(`${code} ${position}`);
  return diagnostics.find((d) => d.code === code)!.message;
}
