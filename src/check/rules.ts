/**
 * Rules: the statements of a policy compiled for one arch, in source order,
 * with `when` blocks kept or dropped and `for` blocks left for `bind` to
 * repeat. Syscalls missing on the arch are noted for the caller to judge.
 */
import * as diagnostics from '../diagnostics.js';
import { TRUE, type ArchName, type Span } from '../ir/model.js';
import type { ForBlock, RuleStatement, Statement, SyscallReference } from '../syntax/ast.js';
import { reduceToWidth } from './arithmetic.js';
import type { CheckedItem, ConditionTemplate, ParamType } from './checked.js';
import { describeType } from './checked.js';
import { compileCondition } from './conditions.js';
import { resolveAction } from './declarations.js';
import { constantValue, resolveReference, type ArgumentLayout, type Scope } from './scope.js';

/** X32_SYSCALL_BIT marks x32 syscall numbers. */
const X32_SYSCALL_BIT = 0x4000_0000;

/** RuleContext is what compiling one arch's statements shares. */
export interface RuleContext {
  /** Slot of each `for` block's variable, the same on every arch. */
  readonly loopSlots: Map<ForBlock, number>;
  /** Next free slot. */
  nextSlot: number;
  /** For each named syscall reference: the arches it applied to and those lacking it. */
  readonly syscallUse: Map<SyscallReference, { applied: ArchName[]; missing: ArchName[] }>;
}

/** compileStatements compiles a list of statements for the scope's arch. */
export function compileStatements(statements: readonly Statement[], scope: Scope, context: RuleContext): CheckedItem[] {
  const items: CheckedItem[] = [];
  for (const statement of statements) {
    switch (statement.kind) {
      case 'rule':
        items.push(...compileRule(statement, scope, context));
        break;
      case 'when':
        if (statement.arches.some((arch) => arch.name === scope.arch)) {
          items.push(...compileStatements(statement.body, scope, context));
        }
        break;
      case 'for': {
        const item = compileFor(statement, scope, context);
        if (item) items.push(item);
        break;
      }
    }
  }
  return items;
}

function compileFor(block: ForBlock, scope: Scope, context: RuleContext): CheckedItem | undefined {
  const report = scope.globals.report;
  const name = block.variable.name;
  if (scope.loops.has(name) || scope.globals.params.has(name) || scope.globals.consts.has(name)) {
    report(diagnostics.duplicateName(name, block.variable.span));
    return undefined;
  }
  const found = resolveReference(block.list, { ...scope, layout: undefined });
  if (found.kind === 'unresolved') return void report(diagnostics.unknownName(found.name, scope.arch, found.span));
  if (found.kind === 'invalid') return undefined;
  const type: ParamType | undefined = found.kind === 'aggregate' ? found.type : undefined;
  if (found.kind !== 'aggregate' || type?.kind !== 'list') {
    const actual = type ? describeType(type) : 'an integer';
    return void report(diagnostics.typeMismatch('a list param', actual, block.list.span));
  }
  let slot = context.loopSlots.get(block);
  if (slot === undefined) {
    slot = context.nextSlot++;
    context.loopSlots.set(block, slot);
  }
  const loops = new Map(scope.loops).set(name, { slot, type: type.element });
  const body = compileStatements(block.body, { ...scope, loops }, context);
  return { kind: 'for', slot, list: found.template, body, span: block.span };
}

function compileRule(rule: RuleStatement, scope: Scope, context: RuleContext): CheckedItem[] {
  const act = resolveAction(rule.action, scope);
  // Rules sharing an argument layout share one condition template.
  const groups = new Map<string, { numbers: number[]; condition: ConditionTemplate | undefined }>();
  for (const reference of rule.syscalls) {
    const target = resolveSyscall(reference, scope, context);
    if (!target) continue;
    const key = layoutKey(target.layout);
    let group = groups.get(key);
    if (!group) {
      const condition = rule.condition
        ? compileCondition(rule.condition, { ...scope, layout: target.layout })
        : { kind: 'resolved' as const, condition: TRUE };
      group = { numbers: [], condition };
      groups.set(key, group);
    }
    group.numbers.push(target.number);
  }
  if (!act) return [];
  const items: CheckedItem[] = [];
  for (const { numbers, condition } of groups.values()) {
    if (condition) items.push({ kind: 'rule', action: act, numbers, condition, span: rule.span });
  }
  return items;
}

function layoutKey(layout: ArgumentLayout): string {
  const args = layout.args ? layout.args.map((a) => `${a.name}/${a.width}`).join(',') : '*';
  return `${layout.syscall}(${args})`;
}

function resolveSyscall(
  reference: SyscallReference,
  scope: Scope,
  context: RuleContext,
): { number: number; layout: ArgumentLayout } | undefined {
  if (reference.kind === 'syscallNumber') {
    const value = constantValue(reference.number, { ...scope, layout: undefined }, 'a syscall number');
    if (value === undefined) return undefined;
    const reduced = reduceToWidth(value, 32, reference.number.span);
    if ('diagnostic' in reduced) {
      scope.globals.report(diagnostics.syscallNumberRange(value, reference.number.span));
      return undefined;
    }
    const number = withX32Bit(Number(reduced.value), scope.arch);
    return { number, layout: { syscall: `syscall(${number})` } };
  }
  const name = reference.name.name;
  let use = context.syscallUse.get(reference);
  if (!use) {
    use = { applied: [], missing: [] };
    context.syscallUse.set(reference, use);
  }
  if (!use.applied.includes(scope.arch)) use.applied.push(scope.arch);
  const info = scope.globals.tables.syscall(scope.arch, name);
  if (!info) {
    if (!use.missing.includes(scope.arch)) use.missing.push(scope.arch);
    return undefined;
  }
  const layout: ArgumentLayout = info.args ? { syscall: name, args: info.args } : { syscall: name };
  return { number: withX32Bit(info.number, scope.arch), layout };
}

function withX32Bit(number: number, arch: ArchName): number {
  return arch === 'x32' ? (number | X32_SYSCALL_BIT) >>> 0 : number;
}

/** reportSyscallUse turns the notes on missing syscalls into an error (missing everywhere) or warnings. */
export function reportSyscallUse(context: RuleContext, report: (d: diagnostics.Diagnostic) => void): void {
  for (const [reference, use] of context.syscallUse) {
    if (reference.kind !== 'syscallName' || use.missing.length === 0) continue;
    const span: Span = reference.span;
    if (use.missing.length === use.applied.length) {
      report(diagnostics.unknownSyscall(reference.name.name, use.missing.join(', '), span));
    } else {
      for (const arch of use.missing) report(diagnostics.syscallMissingOnArch(reference.name.name, arch, span));
    }
  }
}
