/**
 * Name resolution and value expressions: what a name means at one place of
 * one arch (an argument, a loop variable, a param, a const, a kernel
 * constant), and value expressions turned into folded templates.
 */
import * as diagnostics from '../diagnostics.js';
import type { Diagnostic } from '../diagnostics.js';
import { argument, type Argument, type ArchName, type Span } from '../ir/model.js';
import type { ConstDeclaration, Expression, Reference } from '../syntax/ast.js';
import { applyBinary, applyUnary, MAX_VALUE } from './arithmetic.js';
import { describeType, type ParamType, type SlotTemplate, type ValueTemplate } from './checked.js';
import type { SyscallArgumentInfo, SyscallTables } from './tables.js';

/** ArgumentLayout is the arguments a condition may test: a prototype, or raw registers. */
export interface ArgumentLayout {
  readonly syscall: string;
  /** The prototype; absent for `syscall(N)` and syscalls without one (arg0..arg5, 64 bits). */
  readonly args?: readonly SyscallArgumentInfo[];
}

/** Globals is what every scope of a policy shares: params, consts and the const cache. */
export interface Globals {
  readonly tables: SyscallTables;
  readonly params: ReadonlyMap<string, { readonly slot: number; readonly type: ParamType }>;
  readonly consts: ReadonlyMap<string, ConstDeclaration>;
  /** Per `arch:name`, the resolved template of a const (undefined after an error). */
  readonly constCache: Map<string, ValueTemplate | undefined>;
  readonly resolving: Set<string>;
  readonly report: (diagnostic: Diagnostic) => void;
}

/** Scope is one place in one arch's rules. */
export interface Scope {
  readonly arch: ArchName;
  readonly globals: Globals;
  readonly loops: ReadonlyMap<string, { readonly slot: number; readonly type: ParamType }>;
  readonly layout?: ArgumentLayout;
}

/** Resolved is what a reference or an operand denotes. */
export type Resolved =
  | { readonly kind: 'value'; readonly template: ValueTemplate }
  | {
      readonly kind: 'argument';
      readonly name: string;
      readonly arg: Argument;
      readonly mask?: ValueTemplate;
      readonly span: Span;
    }
  | { readonly kind: 'aggregate'; readonly template: SlotTemplate; readonly type: ParamType }
  | { readonly kind: 'unresolved'; readonly name: string; readonly span: Span }
  | { readonly kind: 'invalid' };

const INVALID: Resolved = { kind: 'invalid' };
const POSITIONAL = /^arg([0-5])$/;

function resolveArgument(name: string, layout: ArgumentLayout, scope: Scope, span: Span): Resolved | undefined {
  const positional = POSITIONAL.exec(name);
  if (positional) {
    const index = Number(positional[1]);
    if (!layout.args) return { kind: 'argument', name, arg: argument(index, 64), span };
    const info = layout.args[index];
    if (!info) {
      scope.globals.report(diagnostics.argumentPastPrototype(name, layout.syscall, layout.args.length, span));
      return INVALID;
    }
    return { kind: 'argument', name, arg: argument(index, info.width), span };
  }
  const index = layout.args?.findIndex((info) => info.name === name) ?? -1;
  if (index < 0) return undefined;
  return { kind: 'argument', name, arg: argument(index, layout.args![index]!.width), span };
}

function walkFields(slot: number, type: ParamType, reference: Reference, scope: Scope): Resolved {
  let current = type;
  for (const field of reference.fields) {
    if (current.kind !== 'record') {
      scope.globals.report(diagnostics.typeMismatch('a record', describeType(current), field.span));
      return INVALID;
    }
    const next = current.fields.get(field.name);
    if (!next) {
      scope.globals.report(diagnostics.unknownField(field.name, describeType(current), field.span));
      return INVALID;
    }
    current = next;
  }
  const template: SlotTemplate = { kind: 'slot', slot, fields: reference.fields.map((f) => f.name), span: reference.span };
  return current.kind === 'scalar' ? { kind: 'value', template } : { kind: 'aggregate', template, type: current };
}

function noFields(reference: Reference, scope: Scope, what: string): boolean {
  const field = reference.fields[0];
  if (!field) return true;
  scope.globals.report(diagnostics.typeMismatch('a record', what, field.span));
  return false;
}

/** resolveReference finds what a name (with fields) means in a scope. */
export function resolveReference(reference: Reference, scope: Scope): Resolved {
  const name = reference.name.name;
  const { globals } = scope;
  if (scope.layout && reference.fields.length === 0) {
    const found = resolveArgument(name, scope.layout, scope, reference.span);
    if (found) return found;
  }
  const loop = scope.loops.get(name) ?? globals.params.get(name);
  if (loop) return walkFields(loop.slot, loop.type, reference, scope);
  const declared = globals.consts.get(name);
  if (declared) {
    if (!noFields(reference, scope, `const ${name}`)) return INVALID;
    const template = constTemplate(declared, scope);
    return template ? { kind: 'value', template: { ...template, span: reference.span } as ValueTemplate } : INVALID;
  }
  const value = globals.tables.constant(name, scope.arch);
  if (value !== undefined) {
    if (!noFields(reference, scope, name)) return INVALID;
    return { kind: 'value', template: { kind: 'constant', value, span: reference.span } };
  }
  return { kind: 'unresolved', name, span: reference.name.span };
}

/** constTemplate resolves a const on the scope's arch once, caching the result and catching cycles. */
export function constTemplate(declared: ConstDeclaration, scope: Scope): ValueTemplate | undefined {
  const { globals } = scope;
  const key = `${scope.arch}:${declared.name.name}`;
  if (globals.constCache.has(key)) return globals.constCache.get(key);
  if (globals.resolving.has(key)) {
    globals.report(diagnostics.constCycle(declared.name.name, declared.name.span));
    return undefined;
  }
  globals.resolving.add(key);
  const template = resolveValue(declared.value, { arch: scope.arch, globals, loops: new Map() });
  globals.resolving.delete(key);
  globals.constCache.set(key, template);
  return template;
}

/**
 * resolveValue turns a value expression into a template, folding what does
 * not depend on params. Problems are reported; the result is then undefined.
 */
export function resolveValue(expression: Expression, scope: Scope): ValueTemplate | undefined {
  const report = scope.globals.report;
  switch (expression.kind) {
    case 'integer':
      if (expression.value > MAX_VALUE) {
        report(diagnostics.integerTooLarge(expression.span));
        return undefined;
      }
      return { kind: 'constant', value: expression.value, span: expression.span };
    case 'reference': {
      const resolved = resolveReference(expression, scope);
      return valueOf(resolved, scope);
    }
    case 'unary': {
      const operand = resolveValue(expression.operand, scope);
      if (!operand) return undefined;
      if (operand.kind !== 'constant') return { ...expression, operand };
      const result = applyUnary(expression.operator, operand.value, expression.span);
      if ('diagnostic' in result) return void report(result.diagnostic);
      return { kind: 'constant', value: result.value, span: expression.span };
    }
    case 'binary': {
      const left = resolveValue(expression.left, scope);
      const right = resolveValue(expression.right, scope);
      if (!left || !right) return undefined;
      if (left.kind !== 'constant' || right.kind !== 'constant') return { ...expression, left, right };
      const result = applyBinary(expression.operator, left.value, right.value, expression.span);
      if ('diagnostic' in result) return void report(result.diagnostic);
      return { kind: 'constant', value: result.value, span: expression.span };
    }
  }
}

/** valueOf accepts a resolved name as an integer value, reporting anything else. */
export function valueOf(resolved: Resolved, scope: Scope): ValueTemplate | undefined {
  const report = scope.globals.report;
  switch (resolved.kind) {
    case 'value':
      return resolved.template;
    case 'argument':
      report(diagnostics.argumentInExpression(resolved.name, resolved.span));
      return undefined;
    case 'aggregate':
      report(diagnostics.typeMismatch('an integer', describeType(resolved.type), resolved.template.span));
      return undefined;
    case 'unresolved':
      report(diagnostics.unknownName(resolved.name, scope.arch, resolved.span));
      return undefined;
    case 'invalid':
      return undefined;
  }
}

/** constantValue resolves an expression that must not depend on params (action data, syscall numbers, defaults). */
export function constantValue(expression: Expression, scope: Scope, what: string): bigint | undefined {
  const template = resolveValue(expression, scope);
  if (!template) return undefined;
  if (template.kind !== 'constant') {
    scope.globals.report(diagnostics.notConstant(what, expression.span));
    return undefined;
  }
  return template.value;
}
