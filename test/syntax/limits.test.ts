/**
 * The shape limits that keep a hostile policy from exhausting the process:
 * bracket nesting and operator depth (checked before parsing), the rule
 * count (in the text and once loops are bound), and the parser's own stack.
 * Each limit is exact: the text at the limit is accepted, one more refused.
 */
import { describe, expect, test } from 'vitest';
import { check, RULE_COUNT_LIMIT } from '../../src/check/index.js';
import { DiagnosticError, positionOf, type Diagnostic } from '../../src/diagnostics.js';
import { BindError, bind } from '../../src/ir/index.js';
import { Policy } from '../../src/policy.js';
import { EXPRESSION_DEPTH_LIMIT, NESTING_DEPTH_LIMIT, parse, PolicySyntaxError } from '../../src/syntax/index.js';

function where(diagnostic: Diagnostic, text: string): string {
  const { line, column } = positionOf(text, diagnostic.span!.start);
  return `${line}:${column}`;
}

/** refused parses `text` and returns `CODE line:col` of the one diagnostic. */
function refused(text: string): string {
  let caught: unknown;
  try {
    parse(text, 'limits.policy');
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(PolicySyntaxError);
  const diagnostic = (caught as PolicySyntaxError).diagnostic;
  return `${diagnostic.code} ${where(diagnostic, text)}`;
}

const parens = (depth: number, inner = 'fd == 0') => `allow read where ${'('.repeat(depth)}${inner}${')'.repeat(depth)}`;
const chain = (terms: number, operator = '||') => `allow read where ${Array.from({ length: terms }, (_unused, i) => `fd == ${i}`).join(` ${operator} `)}`;

describe('nesting depth', () => {
  test(`brackets nest at most ${NESTING_DEPTH_LIMIT} deep`, () => {
    expect(NESTING_DEPTH_LIMIT).toBe(32);
    expect(Policy.fromText(parens(NESTING_DEPTH_LIMIT)).bind().run({ nr: 0, arch: 0xc000003e, args: [0n] }).action).toBe('allow');
    // The 33rd '(' starts at column 18 + 32.
    expect(refused(parens(NESTING_DEPTH_LIMIT + 1))).toBe('E_NESTING_DEPTH 1:50');
  });

  test.each([
    ['param p: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[fd]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]', 'E_NESTING_DEPTH', '1:42'],
    ['when arch x86_64 {\n'.repeat(33) + 'allow read\n' + '}'.repeat(33), 'E_NESTING_DEPTH', '33:18'],
    ['allow read where fd == ' + '('.repeat(40) + '1' + ')'.repeat(40), 'E_NESTING_DEPTH', '1:56'],
  ])('%j is refused', (text, code, position) => {
    expect(refused(text)).toBe(`${code} ${position}`);
  });

  test('the message names the limit', () => {
    expect(() => parse(parens(40), 'p')).toThrow(/brackets are nested more than 32 deep/);
  });
});

describe('expression depth', () => {
  test(`an expression stacks at most ${EXPRESSION_DEPTH_LIMIT} operators`, () => {
    expect(EXPRESSION_DEPTH_LIMIT).toBe(256);
    // n terms of `fd == i` joined by || stack 2n - 1 operators.
    const atLimit = chain(128, '||').replace(' || fd == 127', ' || fd == -127');
    expect(() => parse(atLimit, 'p')).not.toThrow();
    const program = Policy.fromText(chain(128)).bind();
    expect(program.run({ nr: 0, arch: 0xc000003e, args: [127n] }).action).toBe('allow');
    expect(program.run({ nr: 0, arch: 0xc000003e, args: [128n] }).action).toBe('kill_process');
    // The 257th operator is the `==` of the 129th term.
    const over = chain(129);
    expect(refused(over)).toBe(`E_EXPRESSION_DEPTH 1:${over.lastIndexOf('==') + 1}`);
  });

  test.each([
    [`allow read where ${'!'.repeat(257)}fd == 0`, 'E_EXPRESSION_DEPTH', '1:274'],
    [`allow read where fd == ${'-'.repeat(257)}1`, 'E_EXPRESSION_DEPTH', '1:279'], // the == counts too
    [`const c = ${Array(258).fill('1').join('+')}`, 'E_EXPRESSION_DEPTH', '1:524'],
  ])('%j is refused', (text, code, position) => {
    expect(refused(text)).toBe(`${code} ${position}`);
  });

  test('commas, blocks and new statements start new expressions', () => {
    const set = `allow read where fd in { ${Array.from({ length: 2000 }, (_unused, i) => `${i} + 1`).join(', ')} }`;
    expect(() => parse(set, 'p')).not.toThrow();
    const rules = Array.from({ length: 200 }, (_unused, i) => `allow read where fd == ${i} && count > 1`).join('\n');
    expect(() => parse(rules, 'p')).not.toThrow();
    const blocks = `when arch x86_64 { ${rules} }`;
    expect(() => parse(blocks, 'p')).not.toThrow();
  });

  test('operators inside brackets add to those around them', () => {
    const inner = chain(64).slice('allow read where '.length); // 127 operators
    expect(() => parse(`allow read where ${inner} && (${inner})`, 'p')).not.toThrow();
    const over = `allow read where ${inner} && (${inner} && (fd == 0))`;
    expect(refused(over)).toBe(`E_EXPRESSION_DEPTH 1:${over.lastIndexOf('==') + 1}`);
  });
});

describe('rule count', () => {
  test(`a policy holds at most ${RULE_COUNT_LIMIT} rules as written`, () => {
    expect(RULE_COUNT_LIMIT).toBe(4096);
    const atLimit = 'allow read, write\n'.repeat(RULE_COUNT_LIMIT / 2);
    expect(check(parse(atLimit, 'p'), { arch: 'x86_64' }).diagnostics).toEqual([]);
    const over = atLimit + 'when arch x86_64 {\n  allow close\n}';
    const result = check(parse(over, 'p'), { arch: 'x86_64' });
    expect(result.diagnostics.map((d) => `${d.code} ${where(d, over)}`)).toEqual(['E_RULE_COUNT 2050:3']);
    expect(result.diagnostics[0]!.message).toBe('the policy has more than 4096 rules');
  });

  test('loops expanded over bound lists stop at the limit', () => {
    const text = 'param xs: [fd]\nparam ys: [fd]\nfor x in xs {\n  for y in ys {\n    allow read where fd == x && fd != y\n  }\n}';
    const policy = check(parse(text, 'p'), { arch: 'x86_64' }).policy!;
    const list = (length: number) => Array.from({ length }, (_unused, i) => i);
    expect(bind(policy, { xs: list(64), ys: list(64) }).arches[0]!.syscalls.get(0)).toHaveLength(4096);
    let caught: unknown;
    const started = performance.now();
    try {
      bind(policy, { xs: list(100_000), ys: list(100_000) });
    } catch (error) {
      caught = error;
    }
    expect(performance.now() - started).toBeLessThan(2000);
    expect(caught).toBeInstanceOf(BindError);
    const diagnostics = (caught as DiagnosticError).diagnostics;
    expect(diagnostics.map((d) => `${d.code} ${where(d, text)}`)).toEqual(['E_RULE_COUNT 5:5']);
    expect(diagnostics[0]!.message).toMatch(/expands to more than 4096 rules/);
  });
});

describe('the parser stack', () => {
  test('a parse begun with little stack left ends in E_NESTING_DEPTH, never a RangeError', () => {
    const text = parens(NESTING_DEPTH_LIMIT, chain(100).slice('allow read where '.length));
    const outcomes = new Set<string>();
    // Recurse until the stack is nearly spent, then parse on the way back up:
    // the deepest attempts run out of stack inside the parser.
    const descend = (depth: number): void => {
      try {
        descend(depth + 1);
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
      }
      if (outcomes.has('parsed') || depth % 20 !== 0) return;
      try {
        parse(text, 'deep.policy');
        outcomes.add('parsed');
      } catch (error) {
        if (error instanceof PolicySyntaxError) outcomes.add(`${error.diagnostic.code}: ${error.diagnostic.message}`);
        else throw error;
      }
    };
    descend(0);
    expect(outcomes).toContain('parsed');
    expect(outcomes).toContain('E_NESTING_DEPTH: the policy is nested too deeply to parse');
  });
});
