/**
 * Hygiene: unused params and consts (judged on the syntax tree, so names
 * used only under another arch's `when` count as used), the checker's own
 * warnings, the size of the filter, and a note when no synthetic binding
 * worked.
 */
import { BPF_MAXINSNS, MAX_INSNS_PER_PATH } from '../../bpf/seccomp.js';
import { compileModel, ProgramTooLarge } from '../../codegen/index.js';
import type { RuleModel } from '../../ir/model.js';
import type { ConditionNode, Expression, Program, Statement, TopStatement, ValueNode } from '../../syntax/ast.js';
import { finding, type Finding } from '../catalogue.js';
import { argumentsOf, declarationSpan, type LintContext } from '../context.js';

/** FILTER_SIZE_WARNING is the length past which lint warns that a filter nears the kernel's limits. */
export const FILTER_SIZE_WARNING = BPF_MAXINSNS / 2;

function expressionNames(expression: Expression | ValueNode | undefined, skip: ReadonlySet<string>, out: Set<string>): void {
  if (!expression) return;
  switch (expression.kind) {
    case 'reference':
      if (expression.fields.length > 0 || !skip.has(expression.name.name)) out.add(expression.name.name);
      return;
    case 'binary':
      expressionNames(expression.left, skip, out);
      expressionNames(expression.right, skip, out);
      return;
    case 'unary':
      expressionNames(expression.operand, skip, out);
      return;
    case 'listValue':
      expression.elements.forEach((element) => expressionNames(element, skip, out));
      return;
    case 'recordValue':
      expression.fields.forEach((field) => expressionNames(field.value, skip, out));
      return;
    case 'integer':
      return;
  }
}

function conditionNames(node: ConditionNode, skip: ReadonlySet<string>, out: Set<string>): void {
  switch (node.kind) {
    case 'logical':
      conditionNames(node.left, skip, out);
      conditionNames(node.right, skip, out);
      return;
    case 'not':
      conditionNames(node.operand, skip, out);
      return;
    case 'compare':
      expressionNames(node.left, skip, out);
      expressionNames(node.right, skip, out);
      return;
    case 'membership':
      expressionNames(node.subject, skip, out);
      if (node.collection.kind === 'set') node.collection.elements.forEach((e) => expressionNames(e, skip, out));
      else expressionNames(node.collection.reference, new Set(), out);
  }
}

// usedNames lists every name a program refers to as a value (arguments excluded).
function usedNames(program: Program, context: LintContext): Set<string> {
  const out = new Set<string>();
  const none = new Set<string>();
  const arches = context.checked.arches.map((a) => a.arch);
  const visit = (statement: TopStatement | Statement): void => {
    switch (statement.kind) {
      case 'rule': {
        expressionNames(statement.action.data, none, out);
        const argumentNames = new Set<string>();
        for (const reference of statement.syscalls) {
          if (reference.kind === 'syscallNumber') expressionNames(reference.number, none, out);
          else for (const arch of arches) argumentsOf(arch, reference.name.name)?.forEach((arg) => argumentNames.add(arg.name));
        }
        for (let index = 0; index < 6; index++) argumentNames.add(`arg${index}`);
        if (statement.condition) conditionNames(statement.condition, argumentNames, out);
        return;
      }
      case 'when':
        return statement.body.forEach(visit);
      case 'for':
        expressionNames(statement.list, none, out);
        return statement.body.forEach(visit);
      case 'const':
        return expressionNames(statement.value, none, out);
      case 'param':
        return expressionNames(statement.defaultValue, none, out);
      case 'default':
      case 'badarch':
        return expressionNames(statement.action.data, none, out);
      default:
        return;
    }
  };
  program.statements.forEach(visit);
  return out;
}

function unusedNames(context: LintContext): Finding[] {
  const used = usedNames(context.program, context);
  const found: Finding[] = [];
  for (const statement of context.program.statements) {
    if ((statement.kind === 'param' || statement.kind === 'const') && !used.has(statement.name.name)) {
      const rule = statement.kind === 'param' ? 'unused-param' : 'unused-const';
      found.push(finding(rule, `${statement.kind} ${statement.name.name} is never used`, statement.name.span, statement.span));
    }
  }
  return found;
}

function checkerWarnings(context: LintContext): Finding[] {
  return context.checkerWarnings.map((warning) =>
    warning.code === 'W_SYSCALL_MISSING'
      ? finding('syscall-missing-on-arch', warning.message, warning.span, warning.span)
      : finding('checker-warning', `${warning.message} (${warning.code})`, warning.span, warning.span),
  );
}

function filterSize(context: LintContext, model: RuleModel | undefined): Finding[] {
  const at = declarationSpan(context, 'default');
  if (!model) {
    if (context.bindingProblem === undefined) return [];
    const message = `no synthetic binding worked (${context.bindingProblem}): shadowing, pinned fds and the filter's size were not judged`;
    return [finding('synthetic-binding', message, at, at)];
  }
  let length: number;
  try {
    length = compileModel(model).instructions.length;
  } catch (error) {
    if (!(error instanceof ProgramTooLarge)) throw error;
    const message = `the filter needs ${error.length} instructions with two elements per list, more than the kernel's ${BPF_MAXINSNS}`;
    return [{ ...finding('filter-size', message, at, at), severity: 'error' }];
  }
  if (length <= FILTER_SIZE_WARNING) return [];
  const share = Math.round(((length + 4) / MAX_INSNS_PER_PATH) * 100);
  const message = `the filter has ${length} instructions with two elements per list: it grows with the lists toward the kernel's limit of ${BPF_MAXINSNS}, and takes ${share}% of the ${MAX_INSNS_PER_PATH}-instruction budget of stacked filters`;
  return [finding('filter-size', message, at, at)];
}

/** hygienePass runs the hygiene rules. */
export function hygienePass(context: LintContext): Finding[] {
  return [...unusedNames(context), ...checkerWarnings(context), ...filterSize(context, context.models[0])];
}
