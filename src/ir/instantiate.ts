/**
 * Instantiation: the templates of a CheckedPolicy evaluated in an
 * environment of bound values, giving model conditions. Arithmetic faults
 * and values too wide for their argument are reported with their spans.
 */
import type { Diagnostic } from '../diagnostics.js';
import { applyBinary, applyUnary, fitsWidth, reduceToWidth } from '../check/arithmetic.js';
import type { ConditionTemplate, ParamValue, ValueTemplate } from '../check/checked.js';
import { and, compare, not, or, type Argument, type Comparison, type Condition, type Span } from './model.js';

/** Environment holds the value of each slot: params first, then loop variables. */
export type Environment = (ParamValue | undefined)[];

type Report = (diagnostic: Diagnostic) => void;

/** lookup reads a slot and walks its record fields. */
export function lookup(slot: number, fields: readonly string[], environment: Environment): ParamValue {
  let value = environment[slot];
  for (const field of fields) value = (value as ReadonlyMap<string, ParamValue>).get(field);
  if (value === undefined) throw new Error(`slot ${slot} is unbound`);
  return value;
}

/** evaluate computes a value template, or reports why it has no value. */
export function evaluate(template: ValueTemplate, environment: Environment, report: Report): bigint | undefined {
  switch (template.kind) {
    case 'constant':
      return template.value;
    case 'slot':
      return lookup(template.slot, template.fields, environment) as bigint;
    case 'unary': {
      const operand = evaluate(template.operand, environment, report);
      if (operand === undefined) return undefined;
      const result = applyUnary(template.operator, operand, template.span);
      return 'value' in result ? result.value : void report(result.diagnostic);
    }
    case 'binary': {
      const left = evaluate(template.left, environment, report);
      const right = evaluate(template.right, environment, report);
      if (left === undefined || right === undefined) return undefined;
      // The common launch-time case (`capacity - block_size`) without a result object.
      if (template.operator === '-' && left >= right && left >= 0n && right >= 0n) return left - right;
      const result = applyBinary(template.operator, left, right, template.span);
      return 'value' in result ? result.value : void report(result.diagnostic);
    }
  }
}

function widthValue(value: bigint | undefined, arg: Argument, span: Span, report: Report): bigint | undefined {
  if (value === undefined) return undefined;
  // Values that already fit need no reduction (and no result object).
  if (fitsWidth(value, arg.width)) return value;
  const result = reduceToWidth(value, arg.width, span);
  return 'value' in result ? result.value : void report(result.diagnostic);
}

// comparisons builds `(arg & mask) op value` for each value, each reduced to the argument's width.
function comparisons(
  arg: Argument,
  op: Comparison,
  values: readonly (readonly [bigint | undefined, Span])[],
  mask: ValueTemplate | undefined,
  environment: Environment,
  report: Report,
): Condition[] | undefined {
  const maskValue = mask && widthValue(evaluate(mask, environment, report), arg, mask.span, report);
  if (mask && maskValue === undefined) return undefined;
  const reduced = values.map(([value, span]) => widthValue(value, arg, span, report));
  if (reduced.some((value) => value === undefined)) return undefined;
  return reduced.map((value) => compare(arg, op, value!, maskValue));
}

/** instantiate builds the model condition of a template, or reports why it cannot. */
export function instantiate(template: ConditionTemplate, environment: Environment, report: Report): Condition | undefined {
  switch (template.kind) {
    case 'resolved':
      return template.condition;
    case 'compare': {
      // The common case, kept free of the set machinery: it runs for every rule at every bind.
      const value = widthValue(evaluate(template.value, environment, report), template.arg, template.value.span, report);
      if (value === undefined) return undefined;
      if (template.mask === undefined) return compare(template.arg, template.op, value);
      const mask = widthValue(evaluate(template.mask, environment, report), template.arg, template.mask.span, report);
      return mask === undefined ? undefined : compare(template.arg, template.op, value, mask);
    }
    case 'set': {
      const values = template.elements.map((element) => [evaluate(element, environment, report), element.span] as const);
      const op = template.negated ? 'ne' : 'eq';
      const built = comparisons(template.arg, op, values, template.mask, environment, report);
      return built && (template.negated ? and(...built) : or(...built));
    }
    case 'list': {
      const list = lookup(template.list.slot, template.list.fields, environment) as readonly bigint[];
      const op = template.negated ? 'ne' : 'eq';
      const values = list.map((value) => [value, template.list.span] as const);
      const built = comparisons(template.arg, op, values, template.mask, environment, report);
      return built && (template.negated ? and(...built) : or(...built));
    }
    case 'and':
    case 'or': {
      // One pass: instantiate every term (so every fault is reported) and lift nested ones.
      const flat: Condition[] = [];
      let failed = false;
      for (const term of template.terms) {
        const built = instantiate(term, environment, report);
        if (built === undefined) failed = true;
        else if (built.kind === template.kind) flat.push(...built.terms);
        else flat.push(built);
      }
      if (failed) return undefined;
      return template.kind === 'and' ? and(...flat) : or(...flat);
    }
    case 'not': {
      const term = instantiate(template.term, environment, report);
      return term && not(term);
    }
  }
}
