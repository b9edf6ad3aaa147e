/**
 * loadPolicy: include expansion through an injected reader, with cycles,
 * depth and unreadable files reported at the include statement.
 */
import { describe, expect, test } from 'vitest';
import { check } from '../../src/check/index.js';
import { formatDiagnostic, positionOf, type Diagnostic } from '../../src/diagnostics.js';
import { INCLUDE_DEPTH_LIMIT, loadPolicy, PolicySyntaxError } from '../../src/syntax/index.js';

function reader(files: Record<string, string>): (path: string) => string {
  return (path) => {
    const text = files[path];
    if (text === undefined) throw new Error(`no such file: ${path}`);
    return text;
  };
}

function at(diagnostic: Diagnostic, files: Record<string, string>): string {
  const span = diagnostic.span!;
  const { line, column } = positionOf(files[span.file]!, span.start);
  return `${diagnostic.code} ${span.file}:${line}:${column}`;
}

describe('loadPolicy', () => {
  test('expands includes in place, relative to the including file', () => {
    const files = {
      'policies/main.policy': 'allow read\ninclude "lib/net.policy"\nallow exit_group',
      'policies/lib/net.policy': 'param nets: [fd]\ninclude "../common.policy"',
      'policies/common.policy': 'allow write',
    };
    const loaded = loadPolicy('policies/main.policy', reader(files));
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.program.statements.map((s) => s.kind)).toEqual(['rule', 'param', 'rule', 'rule']);
    const files2 = loaded.program.statements.map((s) => s.span.file);
    expect(files2).toEqual(['policies/main.policy', 'policies/lib/net.policy', 'policies/common.policy', 'policies/main.policy']);
    expect([...loaded.sources.keys()].sort()).toEqual(Object.keys(files).sort());
  });

  test('check reports include problems with its own diagnostics', () => {
    const files = { 'a.policy': 'include "missing.policy"\nallow reed' };
    const result = check(loadPolicy('a.policy', reader(files)), { arch: 'x86_64' });
    expect(result.diagnostics.map((d) => at(d, files))).toEqual(['E_INCLUDE_READ a.policy:1:1', 'E_UNKNOWN_SYSCALL a.policy:2:7']);
    expect(result.diagnostics[0]!.message).toBe('cannot read included file "missing.policy": no such file: missing.policy');
  });

  test.each([
    [{ 'a.policy': 'include "a.policy"' }, 'E_INCLUDE_CYCLE a.policy:1:1'],
    [{ 'a.policy': 'allow read\n  include "b.policy"', 'b.policy': 'include "./a.policy"' }, 'E_INCLUDE_CYCLE b.policy:1:1'],
    [{ 'a.policy': '\ninclude "nope.policy"' }, 'E_INCLUDE_READ a.policy:2:1'],
  ])('%j gives %s', (files, expected) => {
    const loaded = loadPolicy('a.policy', reader(files));
    expect(loaded.diagnostics.map((d) => at(d, files))).toEqual([expected]);
  });

  test(`includes nest at most ${INCLUDE_DEPTH_LIMIT} deep`, () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`f${i}.policy`] = `allow read\ninclude "f${i + 1}.policy"`;
    files['f40.policy'] = 'allow read';
    const loaded = loadPolicy('f0.policy', reader(files));
    expect(INCLUDE_DEPTH_LIMIT).toBe(16);
    expect(loaded.diagnostics.map((d) => at(d, files))).toEqual(['E_INCLUDE_DEPTH f16.policy:2:1']);
    expect(loaded.program.statements).toHaveLength(INCLUDE_DEPTH_LIMIT + 1);
  });

  test('a file included twice (not a cycle) is read once and expanded twice', () => {
    let reads = 0;
    const files: Record<string, string> = { 'a.policy': 'include "b.policy"\ninclude "b.policy"', 'b.policy': 'allow read' };
    const loaded = loadPolicy('a.policy', (path) => {
      reads++;
      return reader(files)(path);
    });
    expect(loaded.program.statements).toHaveLength(2);
    expect(reads).toBe(2);
  });

  test('a syntax error in an included file names that file', () => {
    const files = { 'a.policy': 'include "b.policy"', 'b.policy': 'allow read\nallow' };
    let caught: unknown;
    try {
      loadPolicy('a.policy', reader(files));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PolicySyntaxError);
    const error = caught as PolicySyntaxError;
    expect(formatDiagnostic(error.diagnostic, error.sources)).toBe(
      'b.policy:2:6: error[E_SYNTAX]: expected a syscall name\n  2 | allow\n    |      ^',
    );
  });

  test('the entry file failing to read throws what the reader threw', () => {
    expect(() => loadPolicy('none.policy', reader({}))).toThrow('no such file: none.policy');
  });
});
