/**
 * Doubtful conditions, judged on the checked policy and its syntax tree
 * (no binding needed): parts that are always true or always false, tests of
 * pointer arguments, ordering against negative literals, and u64 params
 * compared with 32-bit arguments.
 */
import type { CheckedItem, CheckedPolicy, ConditionTemplate, ParamType, SlotTemplate, ValueTemplate } from '../../check/checked.js';
import type { ArchName, Condition, Span } from '../../ir/model.js';
import { widthMask } from '../../ir/model.js';
import type { ConditionNode, Expression, RuleStatement } from '../../syntax/ast.js';
import { finding, type Finding } from '../catalogue.js';
import { argumentsOf, checkedRules, isUnconditional, spanKey, syscallName, type LintContext } from '../context.js';
import { unique } from '../gather.js';
import { alwaysTrue, satisfiable } from '../truth.js';

const OPERATORS = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' } as const;

function number(value: bigint): string {
  return value < 4096n ? String(value) : `0x${value.toString(16)}`;
}

/** describeCondition prints a model condition with the syscall's argument names. */
export function describeCondition(condition: Condition, names: readonly string[]): string {
  switch (condition.kind) {
    case 'always':
      return String(condition.value);
    case 'not':
      return `!(${describeCondition(condition.term, names)})`;
    case 'and':
    case 'or':
      return condition.terms.map((term) => describeCondition(term, names)).join(condition.kind === 'and' ? ' && ' : ' || ');
    case 'compare': {
      const name = names[condition.arg.index] ?? `arg${condition.arg.index}`;
      const subject = condition.mask === widthMask(condition.arg.width) ? name : `(${name} & ${number(condition.mask)})`;
      return `${subject} ${OPERATORS[condition.op]} ${number(condition.value)}`;
    }
  }
}

function judgeConstant(condition: Condition, whole: boolean, names: readonly string[], report: (f: Finding) => void, span: Span, statement: Span): void {
  const never = satisfiable(condition) === 'no';
  if (never || alwaysTrue(condition) === 'yes') {
    const rule = never ? 'condition-always-false' : 'condition-always-true';
    const message = whole
      ? never
        ? 'the condition never holds: this rule never applies'
        : 'the condition always holds: the `where` has no effect'
      : `\`${describeCondition(condition, names)}\` ${never ? 'never holds' : 'always holds'}`;
    report(finding(rule, message, span, statement));
    return;
  }
  if (condition.kind === 'and' || condition.kind === 'or') {
    for (const term of condition.terms) judgeConstant(term, false, names, report, span, statement);
  } else if (condition.kind === 'not') judgeConstant(condition.term, false, names, report, span, statement);
}

function visitTemplate(template: ConditionTemplate, whole: boolean, visit: (condition: Condition, whole: boolean) => void): void {
  if (template.kind === 'resolved') visit(template.condition, whole);
  else if (template.kind === 'and' || template.kind === 'or') template.terms.forEach((term) => visitTemplate(term, false, visit));
  else if (template.kind === 'not') visitTemplate(template.term, false, visit);
}

function constantConditions(context: LintContext): Finding[] {
  const found: Finding[] = [];
  for (const { arch, item } of checkedRules(context.checked)) {
    const statement = context.statements.get(spanKey(item.span));
    if (!statement?.condition) continue;
    const name = syscallName(arch, item.numbers[0]!);
    const names = (name && argumentsOf(arch, name)?.map((arg) => arg.name)) || [];
    visitTemplate(item.condition, true, (condition, whole) => {
      if (whole && isUnconditional(condition)) return;
      judgeConstant(condition, whole, names, (f) => found.push(f), statement.condition!.span, item.span);
    });
  }
  return found;
}

// argumentOf finds the argument an expression tests: a bare name or `name & mask`.
function argumentOf(expression: Expression, names: readonly string[]): number {
  let reference = expression;
  if (expression.kind === 'binary' && expression.operator === '&') {
    reference = expression.left.kind === 'reference' ? expression.left : expression.right;
  }
  if (reference.kind !== 'reference' || reference.fields.length > 0) return -1;
  const positional = /^arg([0-5])$/.exec(reference.name.name);
  return positional ? Number(positional[1]) : names.indexOf(reference.name.name);
}

function comparisonsOf(node: ConditionNode): (ConditionNode & { kind: 'compare' | 'membership' })[] {
  if (node.kind === 'logical') return [...comparisonsOf(node.left), ...comparisonsOf(node.right)];
  if (node.kind === 'not') return comparisonsOf(node.operand);
  return [node];
}

function judgeArguments(statement: RuleStatement, arch: ArchName, context: LintContext, report: (f: Finding) => void): void {
  const text = context.sources.get(statement.span.file) ?? '';
  const source = (span: Span) => Buffer.from(text, 'utf8').subarray(span.start, span.end).toString('utf8');
  for (const reference of statement.syscalls) {
    if (reference.kind !== 'syscallName') continue;
    const args = argumentsOf(arch, reference.name.name);
    if (!args) continue;
    const names = args.map((arg) => arg.name);
    for (const node of comparisonsOf(statement.condition!)) {
      const sides = node.kind === 'compare' ? [node.left, node.right] : [node.subject];
      for (const [k, side] of sides.entries()) {
        const index = argumentOf(side, names);
        const arg = args[index];
        if (!arg) continue;
        if (arg.type.includes('*')) {
          const message = `\`${arg.name}\` of ${reference.name.name} is a pointer (${arg.type}): seccomp compares the address, never the memory it points to`;
          report(finding('pointer-argument', message, node.span, statement.span));
        }
        const other = node.kind === 'compare' ? (k === 0 ? node.right : node.left) : undefined;
        if (node.kind === 'compare' && !['==', '!='].includes(node.operator) && other?.kind === 'unary' && other.operator === '-') {
          const literal = other.operand.kind === 'integer' ? other.operand.value : undefined;
          const wrapped = literal === undefined ? '' : `: -${literal} is ${number((1n << BigInt(arg.width)) - literal)} here`;
          const message = `\`${source(node.span)}\` compares unsigned on ${arg.width} bits${wrapped}`;
          report(finding('negative-ordering', message, node.span, statement.span));
        }
      }
    }
  }
}

function argumentConditions(context: LintContext): Finding[] {
  const found: Finding[] = [];
  const seen = new Set<string>();
  for (const { arch, item } of checkedRules(context.checked)) {
    const key = `${arch}|${spanKey(item.span)}`;
    const statement = context.statements.get(spanKey(item.span));
    if (seen.has(key) || !statement?.condition) continue;
    seen.add(key);
    judgeArguments(statement, arch, context, (f) => found.push(f));
  }
  return found;
}

// slotTypes gives the type of every environment slot: params, then loop variables.
function slotTypes(policy: CheckedPolicy): ParamType[] {
  const types = policy.params.map((param) => param.type);
  const walk = (items: readonly CheckedItem[]): void => {
    for (const item of items) {
      if (item.kind !== 'for') continue;
      const list = typeOf(item.list, types);
      if (list?.kind === 'list') types[item.slot] = list.element;
      walk(item.body);
    }
  };
  policy.arches.forEach((arch) => walk(arch.items));
  return types;
}

function typeOf(slot: SlotTemplate, types: readonly ParamType[]): ParamType | undefined {
  let type = types[slot.slot];
  for (const field of slot.fields) type = type?.kind === 'record' ? type.fields.get(field) : undefined;
  return type;
}

function wideSlots(value: ValueTemplate, types: readonly ParamType[]): SlotTemplate[] {
  switch (value.kind) {
    case 'constant':
      return [];
    case 'slot': {
      const type = typeOf(value, types);
      return type?.kind === 'scalar' && type.name === 'u64' ? [value] : [];
    }
    case 'binary':
      return [...wideSlots(value.left, types), ...wideSlots(value.right, types)];
    case 'unary':
      return wideSlots(value.operand, types);
  }
}

// wideTargets lists the u64 slots a comparison of a 32-bit argument uses.
function wideTargets(template: ConditionTemplate, types: readonly ParamType[]): SlotTemplate[] {
  switch (template.kind) {
    case 'and':
    case 'or':
      return template.terms.flatMap((term) => wideTargets(term, types));
    case 'not':
      return wideTargets(template.term, types);
    case 'resolved':
      return [];
    case 'compare':
      return template.arg.width === 32 ? wideSlots(template.value, types) : [];
    case 'set':
      return template.arg.width === 32 ? template.elements.flatMap((value) => wideSlots(value, types)) : [];
    case 'list': {
      const type = typeOf(template.list, types);
      const wide = type?.kind === 'list' && type.element.kind === 'scalar' && type.element.name === 'u64';
      return template.arg.width === 32 && wide ? [template.list] : [];
    }
  }
}

function wideValues(context: LintContext): Finding[] {
  const types = slotTypes(context.checked);
  const message = 'a u64 param is compared with a 32-bit argument: binding fails when its value exceeds 0xffffffff (declare it u32 or fd)';
  return checkedRules(context.checked).flatMap(({ item }) =>
    wideTargets(item.condition, types).map((slot) => finding('value-too-wide', message, slot.span, item.span)),
  );
}

/** conditionPass runs the rules about doubtful conditions. */
export function conditionPass(context: LintContext): Finding[] {
  return unique([...constantConditions(context), ...argumentConditions(context), ...wideValues(context)]);
}
