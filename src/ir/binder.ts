/**
 * The compiled binder: a checked policy turned, once, into closures that bind
 * params to the rule model with no generic dispatch left at bind time.
 *
 * `bind` walks the checked policy's templates for every launch: a switch on
 * each template's kind, record fields looked up by name in Maps, every
 * problem reported with its span. Most launches bind params that are right,
 * so this is the path for them: each `for`, rule, condition and value becomes
 * a closure made for its template alone (a record field is an index into an
 * array), and a value's width check is inline. It never reports: at the
 * first thing it cannot do (a binding of the wrong type or range, arithmetic
 * that faults, more rules than the limit) it gives up, and `bind` runs the
 * reporting walk, which finds and names every problem. Whatever it returns,
 * the reporting walk would return the same model.
 *
 * Two items the checker made from one rule for syscalls with different
 * argument names (`allow pread64, pwrite64 where ...`: one item a syscall)
 * bind to one rule object shared by all their numbers when their templates
 * are alike, as the numbers of one item do. The model means the same; the
 * code generator lowers a rule list it has met before by reference, so the
 * second syscall's checks cost nothing.
 */
import { applyBinary, applyUnary, fitsWidth, reduceToWidth } from '../check/arithmetic.js';
import type { CheckedItem, CheckedParam, CheckedPolicy, ConditionTemplate, ParamType, ParamValue, SlotTemplate, ValueTemplate } from '../check/checked.js';
import { SCALAR_LIMITS } from '../check/checked.js';
import { RULE_COUNT_LIMIT } from '../check/limits.js';
import type { BinaryOperator } from '../syntax/ast.js';
import { integerOf } from './bindParams.js';
import { and, ModelError, or, rule, ruleModel, widthMask, type Action, type Argument, type ArchName, type ArchRules, type Comparison, type Condition, type Rule, type RuleModel, type Span } from './model.js';

/**
 * A bound value as the closures hold it: an integer, or an array for a list
 * (its elements) and for a record (its fields in declared order).
 */
type Value = bigint | readonly Value[];

/** The environment: a value per slot, params first, then loop variables. */
type Environment = (Value | undefined)[];

/** Closures return undefined to give up (the reporting walk then says why). */
type Convert = (value: unknown) => Value | undefined;
type Evaluate = (environment: Environment) => bigint | undefined;
type Instantiate = (environment: Environment) => Condition | undefined;
type Read = (environment: Environment) => Value;

/** The rules of one arch as a bind collects them: a list per syscall number, by the number's index in `numbers`. */
interface Collecting {
  readonly lists: (Rule[] | undefined)[];
  count: number;
}

/** Run binds a sequence of items; false means give up. */
type Run = (environment: Environment, collecting: Collecting) => boolean;

/** Why a policy has no compiled binder: a template the closures do not cover. */
class NotCompiled extends Error {}

/** toWidth reduces a value to the argument's width as `bind` does, or gives up where that reports. */
function toWidth(value: bigint | undefined, width: 32 | 64, span: Span): bigint | undefined {
  if (value === undefined || fitsWidth(value, width)) return value;
  const result = reduceToWidth(value, width, span);
  return 'value' in result ? result.value : undefined;
}

// Param conversion: the quick pass of bindParams, giving arrays for records.

/**
 * The integers below SMALL as bigints, made once: most bound numbers are fds
 * and sector sizes, and reading one here is cheaper than making it.
 */
const SMALL = 4097;
let small: readonly bigint[] | undefined;

/** bigintOf is a non-negative safe integer as a bigint. */
function bigintOf(value: number): bigint {
  if (value < SMALL) return (small ??= Array.from({ length: SMALL }, (_, i) => BigInt(i)))[value]!;
  return BigInt(value);
}

/** scalarOf converts a scalar binding within `limit` (`numberLimit` as a number), or gives up. */
function scalarOf(value: unknown, numberLimit: number, limit: bigint): bigint | undefined {
  // Numbers, the usual binding, without the general parse.
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 && value <= numberLimit ? bigintOf(value) : undefined;
  const integer = integerOf(value);
  return integer !== undefined && integer >= 0n && integer <= limit ? integer : undefined;
}

function converter(type: ParamType): Convert {
  switch (type.kind) {
    case 'scalar': {
      const limit = SCALAR_LIMITS[type.name];
      const numberLimit = Number(limit);
      return (value) => scalarOf(value, numberLimit, limit);
    }
    case 'list': {
      const element = converter(type.element);
      return (value) => {
        if (!Array.isArray(value)) return undefined;
        const elements: Value[] = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
          const converted = element(value[i]);
          if (converted === undefined) return undefined;
          elements[i] = converted;
        }
        return elements;
      };
    }
    case 'record': {
      const names = [...type.fields.keys()];
      const fields = [...type.fields.values()].map(converter);
      const known = type.fields;
      const count = names.length;
      /** anyOrder converts a record whose keys come in another order than declared (or are wrong). */
      const anyOrder = (record: Readonly<Record<string, unknown>>): Value | undefined => {
        let given = 0;
        for (const key in record) {
          if (!Object.hasOwn(record, key)) continue;
          if (!known.has(key)) return undefined;
          given++;
        }
        if (given !== count) return undefined;
        const converted: Value[] = [];
        for (let i = 0; i < count; i++) {
          const field = fields[i]!(record[names[i]!]);
          if (field === undefined) return undefined;
          converted.push(field);
        }
        return converted;
      };
      // Scalar fields are converted in line: a record of integers is the usual param.
      const limits = [...type.fields.values()].map((field) => (field.kind === 'scalar' ? SCALAR_LIMITS[field.name] : undefined));
      const numberLimits = limits.map((limit) => (limit === undefined ? -1 : Number(limit)));
      return (value) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
        const record = value as Readonly<Record<string, unknown>>;
        // Records usually list their fields as declared: then one pass reads
        // them as it checks the keys (and the engine reads each by its slot).
        const converted: Value[] = new Array(count);
        let i = 0;
        for (const key in record) {
          if (i === count || key !== names[i] || !Object.hasOwn(record, key)) return anyOrder(record);
          const given = record[key];
          const limit = limits[i];
          const field = limit === undefined ? fields[i]!(given) : scalarOf(given, numberLimits[i]!, limit);
          if (field === undefined) return undefined;
          converted[i++] = field;
        }
        return i === count ? converted : anyOrder(record);
      };
    }
  }
}

/** internal turns a checked ParamValue (a default) into the closures' form. */
function internal(value: ParamValue, type: ParamType): Value {
  switch (type.kind) {
    case 'scalar':
      // In range, as a converted binding is (boundOf counts on it).
      if (typeof value !== 'bigint' || value < 0n || value > SCALAR_LIMITS[type.name]) throw new NotCompiled('a scalar default out of its range');
      return value;
    case 'list':
      if (!Array.isArray(value)) throw new NotCompiled('a list default that is not a list');
      return (value as readonly ParamValue[]).map((element) => internal(element, type.element));
    case 'record': {
      if (!(value instanceof Map)) throw new NotCompiled('a record default that is not a record');
      const record = value as ReadonlyMap<string, ParamValue>;
      return [...type.fields].map(([name, field]) => {
        const given = record.get(name);
        if (given === undefined) throw new NotCompiled(`a record default without ${name}`);
        return internal(given, field);
      });
    }
  }
}

/** The param slots, converted from bindings as bindParams does, or undefined for anything it would report. */
function paramsConverter(params: readonly CheckedParam[]): (bindings: Readonly<Record<string, unknown>>, environment: Environment) => boolean {
  const names = params.map((param) => param.name);
  const declared = new Set(names);
  const converts = params.map((param) => converter(param.type));
  const defaults = params.map((param) => (param.defaultValue === undefined ? undefined : internal(param.defaultValue, param.type)));
  return (bindings, environment) => {
    for (const name in bindings) {
      if (Object.hasOwn(bindings, name) && !declared.has(name)) return false;
    }
    for (let slot = 0; slot < names.length; slot++) {
      const name = names[slot]!;
      const given = Object.hasOwn(bindings, name) ? bindings[name] : undefined;
      const value = given === undefined ? defaults[slot] : converts[slot]!(given);
      if (value === undefined) return false;
      environment[slot] = value;
    }
    return true;
  };
}

// Templates to closures. `types` holds the type of each slot in scope.

/** slotPath is the type a slot template reads, and the index of each field it walks. */
function slotPath(template: SlotTemplate, types: readonly (ParamType | undefined)[]): { type: ParamType; indexes: number[] } {
  let type = types[template.slot];
  if (type === undefined) throw new NotCompiled(`slot ${template.slot} has no known type`);
  const indexes: number[] = [];
  for (const field of template.fields) {
    if (type.kind !== 'record') throw new NotCompiled(`field ${field} of a ${type.kind}`);
    const names = [...type.fields.keys()];
    const index = names.indexOf(field);
    if (index < 0) throw new NotCompiled(`no field ${field}`);
    indexes.push(index);
    type = type.fields.get(field)!;
  }
  return { type, indexes };
}

function reader(template: SlotTemplate, types: readonly (ParamType | undefined)[]): { type: ParamType; read: Read } {
  const { type, indexes } = slotPath(template, types);
  const slot = template.slot;
  switch (indexes.length) {
    case 0:
      return { type, read: (environment) => environment[slot]! };
    case 1: {
      const field = indexes[0]!;
      return { type, read: (environment) => (environment[slot] as readonly Value[])[field]! };
    }
    default:
      return {
        type,
        read: (environment) => {
          let value = environment[slot]!;
          for (const index of indexes) value = (value as readonly Value[])[index]!;
          return value;
        },
      };
  }
}

/** binaryOf computes `left operator right` as `evaluate` does, giving up where it reports. */
function binaryOf(operator: BinaryOperator, left: Evaluate, right: Evaluate, span: Span): Evaluate {
  if (operator === '-') {
    return (environment) => {
      const l = left(environment);
      const r = right(environment);
      if (l === undefined || r === undefined) return undefined;
      if (l >= r && l >= 0n && r >= 0n) return l - r;
      const result = applyBinary(operator, l, r, span);
      return 'value' in result ? result.value : undefined;
    };
  }
  return (environment) => {
    const l = left(environment);
    const r = right(environment);
    if (l === undefined || r === undefined) return undefined;
    const result = applyBinary(operator, l, r, span);
    return 'value' in result ? result.value : undefined;
  };
}

function evaluator(template: ValueTemplate, types: readonly (ParamType | undefined)[]): Evaluate {
  switch (template.kind) {
    case 'constant': {
      const value = template.value;
      return () => value;
    }
    case 'slot': {
      const { type, read } = reader(template, types);
      if (type.kind !== 'scalar') throw new NotCompiled(`a ${type.kind} used as a value`);
      return read as Evaluate;
    }
    case 'unary': {
      const operand = evaluator(template.operand, types);
      const { operator, span } = template;
      return (environment) => {
        const value = operand(environment);
        if (value === undefined) return undefined;
        const result = applyUnary(operator, value, span);
        return 'value' in result ? result.value : undefined;
      };
    }
    case 'binary':
      return binaryOf(template.operator, evaluator(template.left, types), evaluator(template.right, types), template.span);
  }
}

/**
 * boundOf is the largest value a template can evaluate to when every value
 * it can have is known to be non-negative (a param or loop variable below its
 * type's limit, a constant, a difference of those), else undefined.
 */
function boundOf(template: ValueTemplate, types: readonly (ParamType | undefined)[]): bigint | undefined {
  switch (template.kind) {
    case 'constant':
      return template.value >= 0n ? template.value : undefined;
    case 'slot': {
      const { type } = slotPath(template, types);
      return type.kind === 'scalar' ? SCALAR_LIMITS[type.name] : undefined;
    }
    case 'binary':
      // `a - b` with b >= 0 is at most a (or faults).
      return template.operator === '-' && boundOf(template.right, types) !== undefined ? boundOf(template.left, types) : undefined;
    case 'unary':
      return undefined;
  }
}

/** comparisonOf builds `(arg & mask) op value` as `compare` does, the value and mask known to fit. */
function comparisonOf(arg: Argument, op: Comparison, value: bigint, mask: bigint): Condition {
  return { kind: 'compare', arg, op, mask, value };
}

/** maskOf evaluates an optional mask to the argument's width: the width's all-ones when absent. */
function maskOf(template: ValueTemplate | undefined, arg: Argument, types: readonly (ParamType | undefined)[]): Evaluate {
  if (template === undefined) {
    const full = widthMask(arg.width);
    return () => full;
  }
  const evaluate = evaluator(template, types);
  const { span } = template;
  return (environment) => toWidth(evaluate(environment), arg.width, span);
}

/** joined builds the comparison of each value, joined with `||` (or `&&` when negated), as `instantiate` does. */
function joined(arg: Argument, negated: boolean, values: readonly bigint[], mask: bigint): Condition {
  const op: Comparison = negated ? 'ne' : 'eq';
  const terms = values.map((value) => comparisonOf(arg, op, value, mask));
  return negated ? and(...terms) : or(...terms);
}

function instantiator(template: ConditionTemplate, types: readonly (ParamType | undefined)[]): Instantiate {
  switch (template.kind) {
    case 'resolved': {
      const condition = template.condition;
      return () => condition;
    }
    case 'compare': {
      const { arg, op } = template;
      const width = arg.width;
      const value = evaluator(template.value, types);
      const span = template.value.span;
      if (template.mask === undefined) {
        const full = widthMask(width);
        const bound = boundOf(template.value, types);
        if (bound !== undefined && bound <= full) {
          // Every value it can have fits the argument: no reduction to check.
          return (environment) => {
            const v = value(environment);
            return v === undefined ? undefined : comparisonOf(arg, op, v, full);
          };
        }
        return (environment) => {
          const v = toWidth(value(environment), width, span);
          return v === undefined ? undefined : comparisonOf(arg, op, v, full);
        };
      }
      const mask = maskOf(template.mask, arg, types);
      return (environment) => {
        const v = toWidth(value(environment), width, span);
        if (v === undefined) return undefined;
        const m = mask(environment);
        return m === undefined ? undefined : comparisonOf(arg, op, v, m);
      };
    }
    case 'set': {
      const { arg, negated } = template;
      const elements = template.elements.map((element) => ({ evaluate: evaluator(element, types), span: element.span }));
      const mask = maskOf(template.mask, arg, types);
      return (environment) => {
        const m = mask(environment);
        if (m === undefined) return undefined;
        const values: bigint[] = new Array(elements.length);
        for (let i = 0; i < elements.length; i++) {
          const v = toWidth(elements[i]!.evaluate(environment), arg.width, elements[i]!.span);
          if (v === undefined) return undefined;
          values[i] = v;
        }
        return joined(arg, negated, values, m);
      };
    }
    case 'list': {
      const { arg, negated } = template;
      const { type, read } = reader(template.list, types);
      if (type.kind !== 'list' || type.element.kind !== 'scalar') throw new NotCompiled('a set over something other than a list of integers');
      const span = template.list.span;
      const mask = maskOf(template.mask, arg, types);
      return (environment) => {
        const m = mask(environment);
        if (m === undefined) return undefined;
        const list = read(environment) as readonly bigint[];
        const values: bigint[] = new Array(list.length);
        for (let i = 0; i < list.length; i++) {
          const v = toWidth(list[i], arg.width, span);
          if (v === undefined) return undefined;
          values[i] = v;
        }
        return joined(arg, negated, values, m);
      };
    }
    case 'and':
    case 'or': {
      const kind = template.kind;
      const terms = template.terms.map((term) => instantiator(term, types));
      const join = kind === 'and' ? and : or;
      if (terms.length >= 2 && template.terms.every((term) => term.kind === 'compare')) {
        // Comparisons have no terms to lift: the terms are the conditions as built.
        return (environment) => {
          const built: Condition[] = [];
          for (let i = 0; i < terms.length; i++) {
            const term = terms[i]!(environment);
            if (term === undefined) return undefined;
            built.push(term);
          }
          return { kind, terms: built };
        };
      }
      return (environment) => {
        // Nested terms of the same kind are lifted, as `instantiate` does.
        const flat: Condition[] = [];
        for (const term of terms) {
          const built = term(environment);
          if (built === undefined) return undefined;
          if (built.kind === kind) flat.push(...built.terms);
          else flat.push(built);
        }
        return join(...flat);
      };
    }
    case 'not': {
      const term = instantiator(template.term, types);
      return (environment) => {
        const built = term(environment);
        return built && { kind: 'not', term: built };
      };
    }
  }
}

// Items to closures.

/** alike tells whether two templates bind to equal conditions in every environment (spans aside). */
function alike(a: ConditionTemplate | ValueTemplate | undefined, b: ConditionTemplate | ValueTemplate | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.kind !== b.kind) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
    if (key === 'span') continue;
    const p = x[key];
    const q = y[key];
    if (p === q) continue;
    if (key === 'arg') {
      const s = p as Argument;
      const t = q as Argument;
      if (s.index !== t.index || s.width !== t.width) return false;
    } else if (key === 'fields' || key === 'terms' || key === 'elements') {
      const s = p as readonly unknown[];
      const t = q as readonly unknown[];
      if (s.length !== t.length) return false;
      for (let i = 0; i < s.length; i++) {
        if (key === 'fields' ? s[i] !== t[i] : !alike(s[i] as ConditionTemplate, t[i] as ConditionTemplate)) return false;
      }
    } else if (typeof p === 'object' && p !== null && typeof q === 'object' && q !== null && 'kind' in p && 'kind' in q) {
      if (key === 'condition') return false; // resolved conditions: alike only when the same object
      if (!alike(p as ConditionTemplate, q as ConditionTemplate)) return false;
    } else {
      return false;
    }
  }
  return true;
}

type RuleItem = Extract<CheckedItem, { kind: 'rule' }>;

/** sameRule tells whether two items came from one rule and bind alike: same action, same span, alike conditions. */
const sameRule = (a: RuleItem, b: RuleItem): boolean =>
  a.action === b.action && a.span === b.span && alike(a.condition, b.condition);

function runner(items: readonly CheckedItem[], types: (ParamType | undefined)[], numberIndex: ReadonlyMap<number, number>): Run {
  const steps: Run[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (item.kind === 'for') {
      const { type, read } = reader(item.list, types);
      if (type.kind !== 'list') throw new NotCompiled('a loop over something other than a list');
      const slot = item.slot;
      types[slot] = type.element;
      const body = runner(item.body, types, numberIndex);
      steps.push((environment, collecting) => {
        const list = read(environment) as readonly Value[];
        for (let e = 0; e < list.length; e++) {
          environment[slot] = list[e];
          if (!body(environment, collecting)) return false;
        }
        environment[slot] = undefined;
        return true;
      });
      continue;
    }
    // Items of one rule that bind alike share one rule object.
    const numbers = [...item.numbers];
    while (i + 1 < items.length && items[i + 1]!.kind === 'rule' && sameRule(item, items[i + 1] as RuleItem)) {
      numbers.push(...(items[++i] as RuleItem).numbers);
    }
    steps.push(ruleRunner(item.action, instantiator(item.condition, types), numbers.map((number) => numberIndex.get(number)!), item.span));
  }
  // A loop's body is usually one rule: then it is the step itself.
  if (steps.length === 1) return steps[0]!;
  return (environment, collecting) => {
    for (let i = 0; i < steps.length; i++) if (!steps[i]!(environment, collecting)) return false;
    return true;
  };
}

function ruleRunner(action: Action, condition: Instantiate, indexes: readonly number[], span: Span): Run {
  const count = indexes.length;
  return (environment, collecting) => {
    collecting.count += count;
    if (collecting.count > RULE_COUNT_LIMIT) return false;
    const built = condition(environment);
    if (built === undefined) return false;
    const bound = rule(action, built, span);
    const lists = collecting.lists;
    for (let i = 0; i < count; i++) {
      const index = indexes[i]!;
      const list = lists[index];
      if (list === undefined) lists[index] = [bound];
      else list.push(bound);
    }
    return true;
  };
}

/** numbersOf lists every syscall number the items name, once each. */
function numbersOf(items: readonly CheckedItem[], into: Set<number> = new Set()): Set<number> {
  for (const item of items) {
    if (item.kind === 'for') numbersOf(item.body, into);
    else for (const number of item.numbers) into.add(number);
  }
  return into;
}

/** One arch's compiled rule list: its numbers ascending, and the closure that binds its items. */
interface CompiledArch {
  readonly arch: ArchName;
  readonly numbers: readonly number[];
  readonly run: Run;
}

/**
 * Binder binds one checked policy through its closures. `bind` returns the
 * model, or undefined where the reporting walk must run (it would report).
 */
export class Binder {
  /** How many binds the closures gave a model, and how many they left to the reporting walk. */
  readonly counts = { compiled: 0, reporting: 0 };

  private constructor(
    private readonly policy: CheckedPolicy,
    private readonly params: ReturnType<typeof paramsConverter>,
    private readonly arches: readonly CompiledArch[],
  ) {}

  /** compile makes the closures of a policy, or returns undefined when a template is beyond them. */
  static compile(policy: CheckedPolicy): Binder | undefined {
    try {
      // The checks ruleModel makes of every model, made once: every number
      // the policy names is a 32-bit syscall number, each arch comes once.
      ruleModel({
        defaultAction: policy.defaultAction,
        badArchAction: policy.badArchAction,
        arches: policy.arches.map(({ arch, items }) => ({ arch, syscalls: new Map([...numbersOf(items)].map((number) => [number, []])) })),
      });
      const params = paramsConverter(policy.params);
      const arches = policy.arches.map(({ arch, items }): CompiledArch => {
        const numbers = [...numbersOf(items)].sort((a, b) => a - b);
        const numberIndex = new Map(numbers.map((number, index) => [number, index]));
        const types: (ParamType | undefined)[] = policy.params.map((param) => param.type);
        return { arch, numbers, run: runner(items, types, numberIndex) };
      });
      return new Binder(policy, params, arches);
    } catch (error) {
      if (error instanceof NotCompiled || error instanceof ModelError) return undefined;
      throw error;
    }
  }

  /** bind returns the model of the params, or undefined when binding them reports anything. */
  bind(bindings: Readonly<Record<string, unknown>>): RuleModel | undefined {
    const policy = this.policy;
    const environment: Environment = new Array(policy.slotCount);
    if (!this.params(bindings, environment)) return this.gaveUp();
    const arches: ArchRules[] = [];
    for (let a = 0; a < this.arches.length; a++) {
      const { arch, numbers, run } = this.arches[a]!;
      const collecting: Collecting = { lists: new Array(numbers.length), count: 0 };
      if (!run(environment, collecting)) return this.gaveUp();
      const syscalls = new Map<number, readonly Rule[]>();
      for (let i = 0; i < numbers.length; i++) {
        const list = collecting.lists[i];
        if (list !== undefined) syscalls.set(numbers[i]!, Object.freeze(list));
      }
      arches.push(Object.freeze({ arch, syscalls }));
    }
    this.counts.compiled++;
    // What ruleModel makes of it, without its checks (compile made them) and
    // object spreads (which cost more than the rest of a small bind).
    const { name, defaultAction, badArchAction } = policy;
    return Object.freeze(
      name === undefined ? { defaultAction, badArchAction, arches: Object.freeze(arches) } : { name, defaultAction, badArchAction, arches: Object.freeze(arches) },
    );
  }

  private gaveUp(): undefined {
    this.counts.reporting++;
    return undefined;
  }
}

const binders = new WeakMap<CheckedPolicy, Binder | null>();

/** binderOf returns the policy's compiled binder, made on first use; undefined when its templates are beyond the closures. */
export function binderOf(policy: CheckedPolicy): Binder | undefined {
  let binder = binders.get(policy);
  if (binder === undefined) {
    binder = Binder.compile(policy) ?? null;
    binders.set(policy, binder);
  }
  return binder ?? undefined;
}
