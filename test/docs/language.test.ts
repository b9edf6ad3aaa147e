/**
 * Every ```policy example of docs/language.md does what the reference says:
 * it checks, binds and compiles (deterministically) without warnings, or it
 * fails with exactly the error codes its `<!-- error: … -->` names, and it
 * decides the calls its `<!-- decides: … -->` lists that way in the emulator.
 * The annotation format is described in ./examples.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { archTable } from '../../src/arch/index.js';
import { AuditArch } from '../../src/bpf/seccomp.js';
import { DiagnosticError, type Diagnostic } from '../../src/diagnostics.js';
import type { ArchName } from '../../src/ir/model.js';
import { Policy, type Program } from '../../src/policy.js';
import { loadPolicy } from '../../src/syntax/load.js';
import { extractExamples, parseDecides, parseInteger, strayAnnotations, type Decision, type Example } from './examples.js';

const root = join(import.meta.dirname, '..', '..');
const markdown = readFileSync(join(root, 'docs/language.md'), 'utf8');
const examples = extractExamples(markdown);

// The examples form one virtual directory: a block marked `file:` is that
// file, any other block is a file of its own named after its line.
const pathOf = (example: Example): string => example.annotations.file ?? `example-${example.line}.policy`;
const files = new Map(examples.map((example) => [pathOf(example), example.text]));

function readFile(path: string): string {
  const text = files.get(path);
  if (text === undefined) throw new Error(`no such file: ${path}`);
  return text;
}

// declaresArch tells whether a policy (with its includes) has an `arch` line;
// policies without one are compiled for x86_64, whatever the host.
function declaresArch(path: string): boolean {
  try {
    return loadPolicy(path, readFile).program.statements.some((statement) => statement.kind === 'arch');
  } catch {
    return false;
  }
}

interface Outcome {
  readonly warnings: readonly Diagnostic[];
  readonly program: Program;
  readonly again: Program;
}

function build(example: Example): Outcome {
  const path = pathOf(example);
  const arch: ArchName | undefined = example.annotations.arch ?? (declaresArch(path) ? undefined : 'x86_64');
  const policy = Policy.load(path, readFile, arch === undefined ? {} : { arch });
  const params = example.annotations.params ?? {};
  return { warnings: policy.warnings, program: policy.bind(params), again: policy.bind(params) };
}

function numberOf(decision: Decision): number {
  if (typeof decision.syscall === 'number') return decision.syscall;
  const info = archTable(decision.arch).byName.get(decision.syscall);
  if (!info) throw new Error(`decides: no syscall ${decision.syscall} on ${decision.arch}`);
  return info.number;
}

function verdict(program: Program, decision: Decision): string {
  const result = program.run({ nr: numberOf(decision), arch: AuditArch[decision.arch], args: decision.args });
  return `${result.action}(${result.data})`;
}

const title = (example: Example): string => `line ${example.line}: ${example.text.split('\n').find((l) => !l.startsWith('#')) ?? ''}`;

describe('docs/language.md', () => {
  test('has an example for every construct it describes (at least 120 blocks)', () => {
    expect(examples.length).toBeGreaterThanOrEqual(120);
  });

  test('every annotation sits right above a policy block, and every annotation key is known', () => {
    expect(strayAnnotations(markdown)).toEqual([]);
    const unknown = [...markdown.matchAll(/^<!--\s*(\w+):/gm)]
      .map((match) => match[1]!)
      .filter((key) => !['arch', 'params', 'file', 'error', 'warning', 'decides'].includes(key));
    expect(unknown).toEqual([]);
  });

  test('file names of included examples are unique', () => {
    const named = examples.filter((example) => example.annotations.file !== undefined).map(pathOf);
    expect(new Set(named).size).toBe(named.length);
  });

  test.each(examples.map((example) => [title(example), example] as const))('%s', (_title, example) => {
    const { errors, warnings, decides } = example.annotations;
    if (errors.length > 0) {
      let outcome: Outcome | undefined;
      let found: readonly Diagnostic[] = [];
      try {
        outcome = build(example);
      } catch (error) {
        if (!(error instanceof DiagnosticError)) throw error;
        found = error.diagnostics;
      }
      expect(outcome, 'the example should fail').toBeUndefined();
      const codes = [...new Set(found.filter((d) => d.severity === 'error').map((d) => d.code))].sort();
      expect(codes).toEqual([...new Set(errors)].sort());
      return;
    }
    const { warnings: found, program, again } = build(example);
    expect([...new Set(found.map((d) => d.code))].sort()).toEqual([...new Set(warnings)].sort());
    expect(again.bytes).toEqual(program.bytes);
    const expected = decides.map((d) => `${d.source} => ${d.action}(${d.data})`);
    const actual = decides.map((d) => `${d.source} => ${verdict(program, d)}`);
    expect(actual).toEqual(expected);
  });
});

describe('the annotation reader', () => {
  test('reads decides items, carrying the arch forward', () => {
    const items = parseDecides('aarch64 write(1, 0x10) allow; #0xffffffff() errno(38); x86_64 close(-1) trap');
    expect(items.map((d) => [d.arch, d.syscall, d.args, d.action, d.data])).toEqual([
      ['aarch64', 'write', [1n, 16n], 'allow', 0],
      ['aarch64', 0xffffffff, [], 'errno', 38],
      ['x86_64', 'close', [0xffff_ffff_ffff_ffffn], 'trap', 0],
    ]);
  });

  test('rejects what it cannot read', () => {
    expect(() => parseDecides('write(1) permit')).toThrow(/unknown action/);
    expect(() => parseDecides('mips write(1) allow')).toThrow(/unknown arch/);
    expect(() => parseDecides('write 1 allow')).toThrow(/cannot read/);
    expect(() => parseInteger('0x')).toThrow(/not an integer/);
  });

  test('ties annotations to the block below them only', () => {
    const text = ['<!-- error: E_SYNTAX -->', '```policy', 'allow', '```', '', '```policy', 'allow read', '```', '<!-- decides: read() allow -->', '```sh', '```'].join('\n');
    const found = extractExamples(text);
    expect(found.map((e) => [e.line, e.annotations.errors])).toEqual([
      [2, ['E_SYNTAX']],
      [6, []],
    ]);
    expect(strayAnnotations(text)).toEqual([9]);
  });
});
