/**
 * What every lint pass reads: the checked policy, its syntax tree (for
 * spans and names), its sources, the checker's warnings, and rule models
 * bound with synthetic param values. Also the small lookups the passes share.
 */
import { archTable } from '../arch/index.js';
import type { SyscallArg } from '../arch/index.js';
import type { CheckedItem, CheckedPolicy, ConditionTemplate } from '../check/checked.js';
import type { Diagnostic, SourceTexts } from '../diagnostics.js';
import type { Action, ArchName, Condition, Rule, RuleModel, Span } from '../ir/model.js';
import type { Program, RuleStatement, Statement } from '../syntax/ast.js';
import { atomsOf } from './truth.js';

/** LintContext is the input of every lint pass. */
export interface LintContext {
  readonly checked: CheckedPolicy;
  readonly program: Program;
  readonly sources: SourceTexts;
  readonly checkerWarnings: readonly Diagnostic[];
  /** Models bound with synthetic params (empty when no binding worked). */
  readonly models: readonly RuleModel[];
  /** Why binding failed, when `models` is empty. */
  readonly bindingProblem?: string;
  /** The rule statements of the syntax tree, by spanKey. */
  readonly statements: ReadonlyMap<string, RuleStatement>;
}

/** spanKey names a span uniquely. */
export function spanKey(span: Span): string {
  return `${span.file}:${span.start}:${span.end}`;
}

/** collectStatements indexes every rule statement of a program by its span. */
export function collectStatements(program: Program): Map<string, RuleStatement> {
  const found = new Map<string, RuleStatement>();
  const walk = (statements: readonly Statement[]): void => {
    for (const statement of statements) {
      if (statement.kind === 'rule') found.set(spanKey(statement.span), statement);
      else walk(statement.body);
    }
  };
  walk(program.statements.filter((s): s is Statement => s.kind === 'rule' || s.kind === 'when' || s.kind === 'for'));
  return found;
}

/** isAllowing tells whether an action lets the syscall run (allow or log). */
export function isAllowing(action: Action): boolean {
  return action.kind === 'allow' || action.kind === 'log';
}

/** syscallName names a syscall number on an arch (x32 numbers carry the x32 bit, as in the tables). */
export function syscallName(arch: ArchName, number: number): string | undefined {
  return archTable(arch).byNumber.get(number)?.name;
}

/** syscallNumber gives the number of a syscall on an arch, or undefined where it does not exist. */
export function syscallNumber(arch: ArchName, name: string): number | undefined {
  return archTable(arch).byName.get(name)?.number;
}

/** argumentsOf gives the prototype of a syscall on an arch, when the tables have one. */
export function argumentsOf(arch: ArchName, name: string): readonly SyscallArg[] | undefined {
  return archTable(arch).byName.get(name)?.args;
}

/** argumentIndex finds the position of a named argument of a syscall, or -1. */
export function argumentIndex(arch: ArchName, syscall: string, argument: string): number {
  return argumentsOf(arch, syscall)?.findIndex((arg) => arg.name === argument) ?? -1;
}

/** RuleInstance is one rule of a bound model, for one syscall on one arch. */
export interface RuleInstance {
  readonly arch: ArchName;
  readonly number: number;
  /** The syscall's name, or `syscall(N)` when the table has none. */
  readonly name: string;
  readonly rule: Rule;
  /** Position in the syscall's first-match list. */
  readonly position: number;
  /** All rules of that syscall, in first-match order. */
  readonly list: readonly Rule[];
}

/** instancesOf lists every rule of a model with its syscall. */
export function instancesOf(model: RuleModel): RuleInstance[] {
  const out: RuleInstance[] = [];
  for (const { arch, syscalls } of model.arches) {
    for (const [number, list] of syscalls) {
      const name = syscallName(arch, number) ?? `syscall(${number})`;
      list.forEach((rule, position) => out.push({ arch, number, name, rule, position, list }));
    }
  }
  return out;
}

/** CheckedRule is one rule item of a checked policy, with its arch, possibly inside loops. */
export interface CheckedRule {
  readonly arch: ArchName;
  readonly item: CheckedItem & { kind: 'rule' };
}

/** checkedRules lists the rule items of every arch, loops flattened (each once). */
export function checkedRules(checked: CheckedPolicy): CheckedRule[] {
  const out: CheckedRule[] = [];
  const walk = (arch: ArchName, items: readonly CheckedItem[]): void => {
    for (const item of items) {
      if (item.kind === 'rule') out.push({ arch, item });
      else walk(arch, item.body);
    }
  };
  for (const { arch, items } of checked.arches) walk(arch, items);
  return out;
}

/** testedArguments lists the argument positions a condition template compares. */
export function testedArguments(template: ConditionTemplate): Set<number> {
  switch (template.kind) {
    case 'resolved':
      return new Set(atomsOf(template.condition).map((atom) => atom.arg.index));
    case 'compare':
    case 'set':
    case 'list':
      return new Set([template.arg.index]);
    case 'and':
    case 'or':
      return new Set(template.terms.flatMap((term) => [...testedArguments(term)]));
    case 'not':
      return testedArguments(template.term);
  }
}

/** isUnconditional tells whether a condition is the constant true of a rule without `where`. */
export function isUnconditional(condition: Condition): boolean {
  return condition.kind === 'always' && condition.value;
}

/** lineOf gives the 1-based line of a span's start. */
export function lineOf(span: Span, sources: SourceTexts): number {
  const text = sources.get(span.file) ?? '';
  const prefix = Buffer.from(text, 'utf8').subarray(0, span.start).toString('utf8');
  return prefix.split('\n').length;
}

/** declarationSpan finds the span of a top-level declaration (`default`, `policy`), else the file's start. */
export function declarationSpan(context: LintContext, kind: 'default' | 'policy' | 'badarch'): Span {
  const found = context.program.statements.find((statement) => statement.kind === kind);
  if (found) return found.span;
  const { file } = context.program.span;
  return { file, start: 0, end: 0 };
}

/** syscallSpan finds the span of a syscall's name in a statement, for pointing at it. */
export function syscallSpan(statement: RuleStatement | undefined, name: string): Span | undefined {
  const reference = statement?.syscalls.find((s) => s.kind === 'syscallName' && s.name.name === name);
  return reference?.span;
}
