/**
 * Conditions: a `where` clause for one syscall on one arch, turned into a
 * template. Parts that do not depend on params are built into model
 * conditions right away, so binding only fills in the rest.
 */
import * as diagnostics from '../diagnostics.js';
import { and, compare, not, or, type Argument, type Comparison, type Condition, type Span } from '../ir/model.js';
import type { Collection, ComparisonOperator, ConditionNode, Expression } from '../syntax/ast.js';
import { reduceToWidth } from './arithmetic.js';
import type { ConditionTemplate, ValueTemplate } from './checked.js';
import { describeType } from './checked.js';
import { resolveReference, resolveValue, valueOf, type Resolved, type Scope } from './scope.js';

const COMPARISON: Readonly<Record<ComparisonOperator, Comparison>> = {
  '==': 'eq',
  '!=': 'ne',
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
};

// The operator seen from the other side: `5 < fd` is `fd > 5`.
const MIRRORED: Readonly<Record<Comparison, Comparison>> = { eq: 'eq', ne: 'ne', lt: 'gt', le: 'ge', gt: 'lt', ge: 'le' };

/** compileCondition turns a condition into a template for the scope's syscall, or undefined after errors. */
export function compileCondition(node: ConditionNode, scope: Scope): ConditionTemplate | undefined {
  switch (node.kind) {
    case 'logical': {
      const left = compileCondition(node.left, scope);
      const right = compileCondition(node.right, scope);
      if (!left || !right) return undefined;
      return combine(node.operator, [left, right]);
    }
    case 'not': {
      const term = compileCondition(node.operand, scope);
      if (!term) return undefined;
      return term.kind === 'resolved' ? resolved(not(term.condition)) : { kind: 'not', term };
    }
    case 'compare':
      return compileComparison(node.operator, node.left, node.right, node.span, scope);
    case 'membership':
      return compileMembership(node.negated, node.subject, node.collection, node.span, scope);
  }
}

function resolved(condition: Condition): ConditionTemplate {
  return { kind: 'resolved', condition };
}

function combine(kind: 'and' | 'or', parts: ConditionTemplate[]): ConditionTemplate {
  const terms = parts.flatMap((part) => (part.kind === kind ? part.terms : [part]));
  if (terms.every((term) => term.kind === 'resolved')) {
    const conditions = flatten(kind, terms.map((term) => (term as { condition: Condition }).condition));
    return resolved(kind === 'and' ? and(...conditions) : or(...conditions));
  }
  return { kind, terms };
}

/** flatten lifts the terms of nested `and`s (or `or`s) into one list. */
export function flatten(kind: 'and' | 'or', conditions: readonly Condition[]): Condition[] {
  // A plain loop: this runs for every rule at every bind, and flatMap is several times slower.
  const flat: Condition[] = [];
  for (const condition of conditions) {
    if (condition.kind === kind) flat.push(...condition.terms);
    else flat.push(condition);
  }
  return flat;
}

/** An argument side of a comparison: the argument and its optional mask. */
interface Subject {
  readonly arg: Argument;
  readonly mask?: ValueTemplate;
}

// operand resolves one side of a comparison: a bare argument, an argument
// masked with `&`, or a value.
function operand(expression: Expression, scope: Scope): Resolved {
  if (expression.kind === 'reference') return resolveReference(expression, scope);
  if (expression.kind === 'binary' && expression.operator === '&') {
    for (const [side, other] of [
      [expression.left, expression.right],
      [expression.right, expression.left],
    ] as const) {
      if (side.kind !== 'reference') continue;
      const found = resolveReference(side, scope);
      if (found.kind !== 'argument') continue;
      const mask = resolveValue(other, scope);
      return mask ? { ...found, mask, span: expression.span } : { kind: 'invalid' };
    }
  }
  const template = resolveValue(expression, scope);
  return template ? { kind: 'value', template } : { kind: 'invalid' };
}

function subjectOf(side: Resolved): Subject | undefined {
  if (side.kind !== 'argument') return undefined;
  return side.mask ? { arg: side.arg, mask: side.mask } : { arg: side.arg };
}

function unknownArgument(name: string, span: Span, scope: Scope): void {
  const syscall = scope.layout?.syscall ?? '';
  scope.globals.report(diagnostics.unknownArgument(name, syscall, scope.arch, span));
}

function compileComparison(
  operator: ComparisonOperator,
  leftNode: Expression,
  rightNode: Expression,
  span: Span,
  scope: Scope,
): ConditionTemplate | undefined {
  const left = operand(leftNode, scope);
  const right = operand(rightNode, scope);
  const leftSubject = subjectOf(left);
  const rightSubject = subjectOf(right);
  if (leftSubject && rightSubject) return void scope.globals.report(diagnostics.twoArguments(span));
  const subject = leftSubject ?? rightSubject;
  const other = leftSubject ? right : left;
  if (!subject) {
    // No side is an argument: an unknown bare name most likely meant one.
    const unresolved = [left, right].find((side) => side.kind === 'unresolved');
    if (unresolved?.kind === 'unresolved') {
      unknownArgument(unresolved.name, unresolved.span, scope);
      const second = right.kind === 'unresolved' && right !== unresolved ? right : undefined;
      if (second) valueOf(second, scope);
      return undefined;
    }
    if (left.kind !== 'invalid' && right.kind !== 'invalid') scope.globals.report(diagnostics.noArgument(span));
    return undefined;
  }
  const value = valueOf(other, scope);
  if (!value) return undefined;
  const op = leftSubject ? COMPARISON[operator] : MIRRORED[COMPARISON[operator]];
  return buildCompare(subject, op, value, span, scope);
}

function buildCompare(
  subject: Subject,
  op: Comparison,
  value: ValueTemplate,
  span: Span,
  scope: Scope,
): ConditionTemplate | undefined {
  const { arg, mask } = subject;
  if (value.kind !== 'constant' || (mask && mask.kind !== 'constant')) {
    return mask ? { kind: 'compare', arg, op, value, mask, span } : { kind: 'compare', arg, op, value, span };
  }
  const reducedValue = reduce(value, arg, scope);
  const reducedMask = mask ? reduce(mask, arg, scope) : undefined;
  if (reducedValue === undefined || (mask && reducedMask === undefined)) return undefined;
  return resolved(compare(arg, op, reducedValue, reducedMask));
}

function reduce(template: ValueTemplate & { kind: 'constant' }, arg: Argument, scope: Scope): bigint | undefined {
  const result = reduceToWidth(template.value, arg.width, template.span);
  if ('diagnostic' in result) return void scope.globals.report(result.diagnostic);
  return result.value;
}

function compileMembership(
  negated: boolean,
  subjectNode: Expression,
  collection: Collection,
  span: Span,
  scope: Scope,
): ConditionTemplate | undefined {
  const side = operand(subjectNode, scope);
  const subject = subjectOf(side);
  if (!subject) {
    if (side.kind === 'unresolved') unknownArgument(side.name, side.span, scope);
    else if (side.kind !== 'invalid') scope.globals.report(diagnostics.noArgument(span));
    return undefined;
  }
  if (collection.kind === 'list') return compileListMembership(negated, subject, collection, span, scope);
  const elements = collection.elements.map((element) => resolveValue(element, scope));
  if (elements.some((element) => !element)) return undefined;
  const values = elements as ValueTemplate[];
  const op: Comparison = negated ? 'ne' : 'eq';
  if (values.every((value) => value.kind === 'constant') && (!subject.mask || subject.mask.kind === 'constant')) {
    const terms = values.map((value) => buildCompare(subject, op, value, span, scope));
    if (terms.some((term) => !term)) return undefined;
    const conditions = terms.map((term) => (term as { condition: Condition }).condition);
    return resolved(negated ? and(...conditions) : or(...conditions));
  }
  const base = { kind: 'set', arg: subject.arg, negated, elements: values, span } as const;
  return subject.mask ? { ...base, mask: subject.mask } : base;
}

function compileListMembership(
  negated: boolean,
  subject: Subject,
  collection: Collection & { kind: 'list' },
  span: Span,
  scope: Scope,
): ConditionTemplate | undefined {
  const found = resolveReference(collection.reference, scope);
  if (found.kind === 'unresolved') {
    return void scope.globals.report(diagnostics.unknownName(found.name, scope.arch, found.span));
  }
  if (found.kind === 'invalid') return undefined;
  const type = found.kind === 'aggregate' ? found.type : undefined;
  if (!type || type.kind !== 'list' || type.element.kind !== 'scalar') {
    const actual = type ? describeType(type) : 'an integer';
    return void scope.globals.report(diagnostics.typeMismatch('a list of integers', actual, collection.span));
  }
  if (found.kind !== 'aggregate') return undefined;
  const base = { kind: 'list', arg: subject.arg, negated, list: found.template, span } as const;
  return subject.mask ? { ...base, mask: subject.mask } : base;
}
