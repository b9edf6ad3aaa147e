/**
 * The TextMate grammar (editors/policy.tmLanguage.json) on the shipped
 * policies: every pattern compiles as a JavaScript regular expression (the
 * grammar keeps to syntax Oniguruma and JavaScript share), every visible
 * character gets a scope, and keywords, actions, syscall names, numbers,
 * constants, comments and strings get the scopes an editor colours.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { archTable } from '../../src/arch/index.js';
import { ARCH_NAMES } from '../../src/ir/model.js';
import type { Grammar, GrammarRule, Token } from './tokenize.js';
import { regex, tokenize } from './tokenize.js';

const root = new URL('../../', import.meta.url);
const grammar = JSON.parse(readFileSync(new URL('editors/policy.tmLanguage.json', root), 'utf8')) as Grammar;
const shipped = ['policies/', 'policies/examples/'].flatMap((folder) =>
  readdirSync(new URL(folder, root))
    .filter((name) => name.endsWith('.policy'))
    .map((name) => ({ name: `${folder}${name}`, text: readFileSync(new URL(`${folder}${name}`, root), 'utf8') })),
);
const knownSyscalls = new Set(ARCH_NAMES.flatMap((arch) => archTable(arch).syscalls.map((info) => info.name)));
const has = (token: Token, scope: string) => token.scopes.some((name) => name.startsWith(scope));
const ACTIONS = /^(allow|log|errno|trap|trace|notify|kill_thread|kill_process|kill)$/;

function patterns(rules: readonly GrammarRule[]): string[] {
  return rules.flatMap((rule) => [
    ...[rule.match, rule.begin, rule.end].filter((source): source is string => source !== undefined),
    ...patterns(rule.patterns ?? []),
    ...Object.values({ ...rule.captures, ...rule.beginCaptures }).flatMap((capture) => patterns(capture.patterns ?? [])),
  ]);
}

describe('TextMate grammar', () => {
  it('is the source.nabla-policy grammar for .policy files, and every pattern compiles', () => {
    expect(grammar.scopeName).toBe('source.nabla-policy');
    const all = patterns([...grammar.patterns, ...Object.values(grammar.repository)]);
    expect(all.length).toBeGreaterThan(15);
    for (const source of all) expect(() => regex(source)).not.toThrow();
  });

  it('finds the shipped policies', () => {
    expect(shipped.length).toBeGreaterThanOrEqual(4);
  });

  for (const { name, text } of shipped) {
    it(`scopes ${name}`, () => {
      const tokens = tokenize(grammar, text).filter((token) => token.text.trim() !== '');
      const unscoped = tokens.filter((token) => token.scopes.length === 1);
      expect(unscoped.map((token) => `${token.line}: ${token.text}`)).toEqual([]);
      const words = (scope: string) => tokens.filter((token) => has(token, scope)).map((token) => token.text.trim());
      // Comments: every line whose text starts with '#' is one comment token.
      const commentLines = text.split('\n').filter((line) => line.trim().startsWith('#')).length;
      expect(tokens.filter((token) => has(token, 'comment.line') && token.text.startsWith('#')).length).toBeGreaterThanOrEqual(commentLines);
      // Actions start rules, and the names they apply to are real syscalls.
      const actions = words('support.function.action');
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.every((word) => ACTIONS.test(word))).toBe(true);
      const syscalls = words('entity.name.function.syscall');
      expect(syscalls.length).toBeGreaterThan(0);
      expect(syscalls.filter((word) => !knownSyscalls.has(word))).toEqual([]);
      // Words that start a rule are never scoped as anything but an action.
      for (const token of tokens) if (ACTIONS.test(token.text) && has(token, 'entity.name.function')) throw new Error(`${name}:${token.line}: ${token.text}`);
      expect(words('constant.numeric').every((word) => /^(0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|\d[\d_]*)$/.test(word))).toBe(true);
      expect(words('constant.other').every((word) => /^[A-Z][A-Z0-9_]*$/.test(word))).toBe(true);
      if (/^default /m.test(text)) expect(new Set(words('keyword.other.declaration'))).toContain('default');
      if (/\bwhere\b/.test(text)) expect(words('keyword.control.where')).toContain('where');
    });
  }

  it('scopes each kind of token in a sample', () => {
    const sample = [
      'policy demo  # a name',
      'arch x86_64, aarch64',
      'param nets: [fd]',
      'include "lib/common.policy"',
      'default errno(EPERM)',
      'allow read, write,',
      '  close where fd in nets && count <= 0x1_000',
      'trap(7) syscall(42)',
      'when arch x86_64 { allow arch_prctl where option == ARCH_SET_FS }',
    ].join('\n');
    const tokens = tokenize(grammar, sample);
    const scopeOf = (text: string, line: number) => tokens.find((token) => token.text === text && token.line === line)?.scopes.at(-1);
    expect(scopeOf('policy', 1)).toBe('keyword.other.declaration.nabla-policy');
    expect(tokens.find((token) => token.line === 1 && token.text.includes('a name'))?.scopes).toContain('comment.line.number-sign.nabla-policy');
    expect(scopeOf('x86_64, aarch64', 2)).toBe('entity.name.type.arch.nabla-policy');
    expect(scopeOf('fd', 3)).toBe('storage.type.nabla-policy');
    expect(tokens.find((token) => token.line === 4 && token.text.includes('lib/common'))?.scopes).toContain('string.quoted.double.nabla-policy');
    expect(scopeOf('errno', 5)).toBe('support.function.action.nabla-policy');
    expect(scopeOf('EPERM', 5)).toBe('constant.other.nabla-policy');
    expect(scopeOf('write', 6)).toBe('entity.name.function.syscall.nabla-policy');
    expect(scopeOf('close', 7)).toBe('entity.name.function.syscall.nabla-policy');
    expect(scopeOf('where', 7)).toBe('keyword.control.where.nabla-policy');
    expect(scopeOf('in', 7)).toBe('keyword.operator.word.nabla-policy');
    expect(scopeOf('0x1_000', 7)).toBe('constant.numeric.integer.nabla-policy');
    expect(scopeOf('&&', 7)).toBe('keyword.operator.nabla-policy');
    expect(scopeOf('syscall', 8)).toBe('support.function.builtin.nabla-policy');
    expect(scopeOf('arch_prctl', 9)).toBe('entity.name.function.syscall.nabla-policy');
    expect(scopeOf('ARCH_SET_FS', 9)).toBe('constant.other.nabla-policy');
  });
});
