/**
 * The translation of a rule model into libseccomp's terms, without calling
 * libseccomp: which rules to add, per arch, with which comparisons.
 *
 * libseccomp's model is narrower than ours. A rule is an AND of comparisons
 * with at most one comparison per argument (2.5.4 answers EINVAL to two on
 * the same argument); the rules of one syscall are ORed; and there is no
 * ordering between rules, so one syscall can have only one action besides the
 * default. Comparisons are eq, ne, lt, le, gt, ge on the whole argument and
 * masked eq; there is no masked ne and no masked ordering. Models outside that
 * subset make `planForLibseccomp` throw `NotExpressibleError`.
 */
import { ActionValue } from '../../src/bpf/seccomp.js';
import type { Action, ArchName, Compare, Comparison, Condition, RuleModel, Rule } from '../../src/ir/model.js';
import { sameAction, widthMask } from '../../src/ir/model.js';
import { libseccompArgumentWidth } from './reference-eval.js';

/** NotExpressibleError says a model falls outside what libseccomp can build. */
export class NotExpressibleError extends Error {
  override readonly name = 'NotExpressibleError';
}

/** libseccomp's `enum scmp_compare` (seccomp.h, 2.5.4). */
export const ScmpCompare = {
  ne: 1,
  lt: 2,
  le: 3,
  eq: 4,
  ge: 5,
  gt: 6,
  maskedEq: 7,
} as const;

/** One `struct scmp_arg_cmp`. */
export interface ScmpComparison {
  readonly argument: number;
  readonly operator: number;
  readonly datumA: bigint;
  readonly datumB: bigint;
}

/** One call of `seccomp_rule_add_exact_array`, with the model's syscall number. */
export interface ScmpRule {
  readonly nr: number;
  readonly action: number;
  readonly comparisons: readonly ScmpComparison[];
}

/** The rules of one architecture. */
export interface ScmpArchPlan {
  readonly arch: ArchName;
  readonly rules: readonly ScmpRule[];
}

/** Everything needed to build a libseccomp filter for a model. */
export interface LibseccompPlan {
  readonly defaultAction: number;
  readonly badArchAction: number;
  readonly arches: readonly ScmpArchPlan[];
}

/** The most DNF terms one syscall may expand to before we give up. */
const TERM_LIMIT = 64;

/**
 * libseccompActionValue is the `SCMP_ACT_*` value for an action, refusing the
 * ones libseccomp 2.5.4 rejects: trap with data, errno 4095 (it accepts only
 * data below 4095).
 */
export function libseccompActionValue(chosen: Action): number {
  if (chosen.kind === 'trap' && chosen.data !== 0) {
    throw new NotExpressibleError(`libseccomp has no trap data (trap(${chosen.data}))`);
  }
  if (chosen.kind === 'errno' && chosen.data >= 4095) {
    throw new NotExpressibleError(`libseccomp accepts errno data below 4095, not ${chosen.data}`);
  }
  return (ActionValue[chosen.kind] | chosen.data) >>> 0;
}

/** planForLibseccomp translates a model, or throws NotExpressibleError. */
export function planForLibseccomp(model: RuleModel): LibseccompPlan {
  if (model.arches.length === 0) throw new NotExpressibleError('libseccomp needs at least one arch');
  const defaultAction = libseccompActionValue(model.defaultAction);
  const badArchAction = libseccompActionValue(model.badArchAction);
  const arches = model.arches.map((archRules): ScmpArchPlan => {
    const rules: ScmpRule[] = [];
    const numbers = [...archRules.syscalls.keys()].sort((a, b) => a - b);
    for (const nr of numbers) {
      const where = `${archRules.arch} syscall ${nr}`;
      rules.push(...planSyscall(model, archRules.arch, nr, archRules.syscalls.get(nr) ?? [], where));
    }
    return { arch: archRules.arch, rules };
  });
  return { defaultAction, badArchAction, arches };
}

/** planSyscall turns the first-match rules of one syscall into ORed libseccomp rules. */
function planSyscall(model: RuleModel, arch: ArchName, nr: number, rules: readonly Rule[], where: string): ScmpRule[] {
  const live: { action: Action; terms: Compare[][] }[] = [];
  for (const candidate of rules) {
    const terms = disjunctiveForm(candidate.condition, false, where);
    if (terms.length === 0) continue;
    live.push({ action: candidate.action, terms });
    if (terms.some((term) => term.length === 0)) break;
  }
  while (live.length > 0 && sameAction(live[live.length - 1]!.action, model.defaultAction)) live.pop();
  if (live.length === 0) return [];
  const chosen = live[0]!.action;
  if (!live.every((entry) => sameAction(entry.action, chosen))) {
    throw new NotExpressibleError(`${where}: rules with different actions need first-match order`);
  }
  const action = libseccompActionValue(chosen);
  const terms = live.flatMap((entry) => entry.terms);
  if (terms.some((term) => term.length === 0)) return [{ nr, action, comparisons: [] }];
  return terms.map((term) => ({ nr, action, comparisons: term.map((literal) => comparison(literal, arch, where)) }));
}

/**
 * disjunctiveForm expands a condition (negated when `negated`) into an OR of
 * ANDs of comparisons. [] is false; a list holding [] is true.
 */
function disjunctiveForm(condition: Condition, negated: boolean, where: string): Compare[][] {
  switch (condition.kind) {
    case 'always':
      return condition.value !== negated ? [[]] : [];
    case 'compare':
      return [[negated ? negate(condition) : condition]];
    case 'not':
      return disjunctiveForm(condition.term, !negated, where);
    case 'and':
    case 'or': {
      const parts = condition.terms.map((term) => disjunctiveForm(term, negated, where));
      const conjunction = (condition.kind === 'and') !== negated;
      return conjunction ? product(parts, where) : parts.flat();
    }
  }
}

function product(parts: Compare[][][], where: string): Compare[][] {
  let result: Compare[][] = [[]];
  for (const part of parts) {
    const next: Compare[][] = [];
    for (const left of result) for (const right of part) next.push(mergeTerm(left, right, where));
    if (next.length > TERM_LIMIT) throw new NotExpressibleError(`${where}: condition expands past ${TERM_LIMIT} rules`);
    result = next;
  }
  return result;
}

/** mergeTerm ANDs two terms, keeping one comparison per argument as libseccomp demands. */
function mergeTerm(left: Compare[], right: Compare[], where: string): Compare[] {
  const merged = [...left];
  for (const literal of right) {
    const clash = merged.find((other) => other.arg.index === literal.arg.index);
    if (clash === undefined) merged.push(literal);
    else if (!sameCompare(clash, literal)) {
      throw new NotExpressibleError(`${where}: libseccomp allows one comparison per argument in a rule (arg${literal.arg.index})`);
    }
  }
  return merged;
}

function sameCompare(a: Compare, b: Compare): boolean {
  return a.arg.width === b.arg.width && a.op === b.op && a.mask === b.mask && a.value === b.value;
}

const NEGATION: Readonly<Record<Comparison, Comparison>> = { eq: 'ne', ne: 'eq', lt: 'ge', ge: 'lt', le: 'gt', gt: 'le' };

function negate(literal: Compare): Compare {
  return { ...literal, op: NEGATION[literal.op] };
}

/** comparison converts one model comparison into `struct scmp_arg_cmp`. */
function comparison(literal: Compare, arch: ArchName, where: string): ScmpComparison {
  if (literal.arg.width > libseccompArgumentWidth(arch)) {
    throw new NotExpressibleError(`${where}: libseccomp compares only the low 32 bits of arguments on ${arch}`);
  }
  const argument = literal.arg.index;
  if (literal.mask === widthMask(literal.arg.width)) {
    return { argument, operator: ScmpCompare[literal.op], datumA: literal.value, datumB: 0n };
  }
  // A single-bit test `(x & bit) != 0` is the masked equality `(x & bit) == bit`.
  const singleBit = literal.mask !== 0n && (literal.mask & (literal.mask - 1n)) === 0n;
  if (literal.op === 'ne' && literal.value === 0n && singleBit) {
    return { argument, operator: ScmpCompare.maskedEq, datumA: literal.mask, datumB: literal.mask };
  }
  if (literal.op !== 'eq') {
    throw new NotExpressibleError(`${where}: libseccomp has only masked ==, not masked ${literal.op}`);
  }
  return { argument, operator: ScmpCompare.maskedEq, datumA: literal.mask, datumB: literal.value };
}
