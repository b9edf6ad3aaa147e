/**
 * The grammar and the syntax tree: what parses, what it parses into, and
 * syntax errors with their positions and messages.
 */
import { describe, expect, test } from 'vitest';
import { formatDiagnostic, positionOf } from '../../src/diagnostics.js';
import { parse, PolicySyntaxError } from '../../src/syntax/index.js';
import type { ConditionNode, Expression, RuleStatement } from '../../src/syntax/index.js';

function accepts(src: string): void {
  expect(() => parse(src, 'p.policy')).not.toThrow();
}

function syntaxError(src: string): PolicySyntaxError {
  try {
    parse(src, 'p.policy');
  } catch (error) {
    if (error instanceof PolicySyntaxError) return error;
    throw error;
  }
  throw new Error(`parsed: ${src}`);
}

function rejects(src: string, position: string, expected?: string): void {
  const error = syntaxError(src);
  const { line, column } = positionOf(src, error.diagnostic.span!.start);
  expect(error.diagnostic.code).toBe('E_SYNTAX');
  expect(`${line}:${column}`).toBe(position);
  if (expected) expect(error.diagnostic.message).toBe(`expected ${expected}`);
}

function firstRule(src: string): RuleStatement {
  return parse(src, 'p.policy').statements.find((s): s is RuleStatement => s.kind === 'rule')!;
}

// shape renders a condition or expression as a fully parenthesized string.
function shape(node: ConditionNode | Expression): string {
  switch (node.kind) {
    case 'logical':
      return `(${shape(node.left)} ${node.operator} ${shape(node.right)})`;
    case 'not':
      return `!${shape(node.operand)}`;
    case 'compare':
      return `(${shape(node.left)} ${node.operator} ${shape(node.right)})`;
    case 'membership':
      return `(${shape(node.subject)} ${node.negated ? 'not in' : 'in'} ${node.collection.kind === 'set' ? `{${node.collection.elements.map(shape).join(',')}}` : node.collection.reference.name.name})`;
    case 'binary':
      return `(${shape(node.left)} ${node.operator} ${shape(node.right)})`;
    case 'unary':
      return `${node.operator}${shape(node.operand)}`;
    case 'integer':
      return String(node.value);
    case 'reference':
      return [node.name.name, ...node.fields.map((f) => f.name)].join('.');
  }
}

describe('accepted forms', () => {
  test.each([
    '',
    '# only a comment',
    'policy p',
    'arch x86_64, aarch64, x32',
    'param a: fd',
    'param a: [fd] = [1, 2]',
    'param a: [{ fd: fd, size: u64 }] = [{ fd: 1, size: 2 }]',
    'param a: { fd: fd } = { fd: 3 }',
    'param a: [[u32]] = [[], [1]]',
    'const A = 1 << 12',
    'default kill_process',
    'default errno(EPERM)',
    'badarch trap',
    'include "common.policy"',
    'include "dir with \\"quote\\".policy"',
    'allow read',
    'allow read, write, syscall(17)',
    'allow syscall ( 1 )',
    'kill_thread read',
    'kill read',
    'allow kill, syscall',
    'errno(1) read\nlog write\nnotify openat\ntrace(3) close\ntrap(0) close\ntrap close',
    'allow read where fd == 0',
    'allow read where fd == 0 && count <= 4096 || !(fd != 1) and not fd > 2 or fd < 3 && fd >= 4',
    'allow read where fd in { }',
    'allow read where fd not in { 1, 2, 3 }',
    'allow read where fd in nets',
    'allow read where fd in b.fds',
    'allow read where (flags & 3) == 0',
    'allow read where fd == 0x1F + 0o17 + 0b101 + 1_000_000 + 0xffff_ffff',
    'allow read where fd == -1 && count == ~0 && pos == - - 1',
    'when arch x86_64 { allow read when arch x86_64 { allow write } for x in y { allow read } }',
    'for b in blocks {\n  allow pread64 where fd == b.fd\n}',
    'allow read # trailing comment\n# another\nallow write',
    'allow\nread\nwhere\nfd\n==\n0',
    'allow sched_setscheduler where policy == 0\npolicy p\nparam param: fd\nconst default = 1',
  ])('%j', (src) => accepts(src));
});

describe('syntax errors name the position and what was expected', () => {
  test.each([
    ['allow', '1:6', 'a syscall name'],
    ['allow read,', '1:12', 'a syscall name'],
    ['allow syscall(', '1:15', 'a name, an integer, "(", "~", or "-"'],
    ['param x: ', '1:10', 'a type name, "{", or "["'],
    ['param x: {a: u32,}', '1:18', 'a name'],
    ['for x in {', '1:10', 'a name'],
    ['include foo', '1:9', 'a quoted path'],
    ['policy 5', '1:8', 'a name'],
    ['when arch x86_64 { param x: fd }', '1:20', '"}" or a rule'],
    ['allow read where fd == 1 2', '1:26', 'end of input, a rule, a declaration, or an operator'],
    ['alow read', '1:1', undefined],
    ['allow read where fd == 0777', '1:24', undefined],
    ['allow read where fd == 1x', '1:24', undefined],
    ['allow read where fd == 0x', '1:24', undefined],
    ['allow read where fd == 1__0', '1:24', undefined],
    ['allow read where fd ==', '1:23', undefined],
    ['allow read where fd = 1', '1:21', undefined],
    ['allow read where fd == 1 &&', '1:28', undefined],
    ['allow read where in == 1', '1:18', undefined],
    ['param in: fd', '1:7', 'a name'],
    ['for not in x { allow read }', '1:5', 'a name'],
    ['const and = 1', '1:7', 'a name'],
    ['\n\n  allow read where (fd == 1', '3:28', '")"'],
    ['garbage here', '1:1', 'a declaration or a rule'],
    ['allow read where fd ==\n\n', '1:23', 'a name, an integer, "(", "~", or "-" at the end of the file'],
    ['when arch x86_64 {\n  allow read\n', '2:13', '"}", a rule, "where", or "," at the end of the file'],
  ] as [string, string, string | undefined][])('%j fails at %s', (src, position, expected) => rejects(src, position, expected));

  test('a syntax error prints file:line:col, the source line and a caret', () => {
    const error = syntaxError('policy p\nallow read wher fd == 1\n');
    expect(formatDiagnostic(error.diagnostic, error.sources)).toBe(
      [
        'p.policy:2:12: error[E_SYNTAX]: expected end of input, a rule, a declaration, "where", or ","',
        '  2 | allow read wher fd == 1',
        '    |            ^',
      ].join('\n'),
    );
    expect(error.name).toBe('PolicySyntaxError');
    expect(error.diagnostics).toEqual([error.diagnostic]);
  });
});

describe('the syntax tree', () => {
  test.each([
    ['flags & O_ACCMODE == O_RDONLY', '((flags & O_ACCMODE) == O_RDONLY)'],
    ['a == 1 || b == 2 && c == 3', '((a == 1) or ((b == 2) and (c == 3)))'],
    ['!a == 1 && b == 2', '(!(a == 1) and (b == 2))'],
    ['a == 1 | 2 ^ 3 & 4 << 5 + 6 * -7', '(a == (1 | (2 ^ (3 & (4 << (5 + (6 * -7)))))))'],
    ['a == 1 - 2 - 3', '(a == ((1 - 2) - 3))'],
    ['a == 8 / 2 % 3', '(a == ((8 / 2) % 3))'],
    ['a == ~-1', '(a == ~-1)'],
    ['(a & 3) != 0', '((a & 3) != 0)'],
    ['a in { 1, B }', '(a in {1,B})'],
    ['a not in nets', '(a not in nets)'],
    ['b.fd == x.y', '(b.fd == x.y)'],
  ])('where %s', (condition, expected) => {
    expect(shape(firstRule(`allow read where ${condition}`).condition!)).toBe(expected);
  });

  test('integers in every base with separators', () => {
    const rule = firstRule('allow read where fd == 0x1_F && fd == 0o1_7 && fd == 0b1_01 && fd == 1_000 && fd == 0');
    expect(shape(rule.condition!)).toBe('(((((fd == 31) and (fd == 15)) and (fd == 5)) and (fd == 1000)) and (fd == 0))');
  });

  test('spans are byte offsets into the file', () => {
    const src = '# héllo wörld\nallow read where fd == 1';
    const rule = firstRule(src);
    const bytes = Buffer.from(src, 'utf8');
    expect(rule.span.file).toBe('p.policy');
    expect(bytes.subarray(rule.span.start, rule.span.end).toString('utf8')).toBe('allow read where fd == 1');
    expect(positionOf(src, rule.span.start)).toMatchObject({ line: 2, column: 1 });
    const name = rule.syscalls[0]!;
    expect(bytes.subarray(name.span.start, name.span.end).toString('utf8')).toBe('read');
  });

  test('every node carries a span', () => {
    const program = parse('param b: [{ fd: fd }] = [{ fd: 1 }]\nfor x in b { errno(EPERM) read, syscall(3) where fd in { 1 } && (fd & 2) == -x.fd }', 'p.policy');
    const missing: string[] = [];
    const visit = (value: unknown, path: string): void => {
      if (Array.isArray(value)) value.forEach((item, i) => visit(item, `${path}[${i}]`));
      else if (value && typeof value === 'object') {
        const record = value as Record<string, unknown>;
        if ('kind' in record && !('span' in record)) missing.push(path);
        if ('name' in record && typeof record.name === 'string' && !('span' in record)) missing.push(path);
        for (const [key, child] of Object.entries(record)) if (key !== 'span') visit(child, `${path}.${key}`);
      }
    };
    visit(program, 'program');
    expect(missing).toEqual([]);
  });

  test('the include path is unescaped', () => {
    const program = parse('include "a\\"b.policy"', 'p.policy');
    expect(program.statements[0]).toMatchObject({ kind: 'include', path: 'a"b.policy' });
  });

  test('parsing is deterministic', () => {
    const src = 'param n: [fd]\nfor x in n { allow read where fd == x }';
    expect(parse(src, 'p.policy')).toEqual(parse(src, 'p.policy'));
  });
});

describe('keywords × name positions', () => {
  const positions = [
    (word: string) => `param ${word}: fd`,
    (word: string) => `const ${word} = 1`,
    (word: string) => `param a: { ${word}: fd }`,
    (word: string) => `for ${word} in list { allow read }`,
    (word: string) => `allow read where ${word} == 1`,
    (word: string) => `allow read where fd == ${word}`,
    (word: string) => `allow read where fd == b.${word}`,
  ];
  const reserved = ['in', 'not', 'and', 'or'];
  const free = ['policy', 'arch', 'param', 'const', 'default', 'badarch', 'include', 'when', 'for', 'where', 'syscall', 'allow', 'log', 'errno', 'trap', 'trace', 'notify', 'kill_thread', 'kill_process', 'kill'];

  test.each(reserved.flatMap((word) => positions.map((position) => position(word))))('reserved: %j is a syntax error', (src) => {
    expect(() => parse(src, 'p.policy')).toThrow(PolicySyntaxError);
  });

  test.each(free.flatMap((word) => positions.map((position) => position(word))))('not reserved: %j parses', (src) => accepts(src));

  test.each(reserved.map((word) => `${word}x`))('a keyword prefix is a name: %j', (word) => {
    for (const position of positions) accepts(position(word));
  });
});
