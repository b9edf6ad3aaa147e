/**
 * The allowed set of a rule model: for every syscall it allows, arguments that
 * take each allowed path (one input per allowing term of each rule, so a rule
 * over 63 devices gives 63 inputs), checked against the reference evaluator.
 */
import { AuditArch } from '../../src/bpf/seccomp.js';
import type { SeccompData } from '../../src/bpf/seccomp.js';
import type { ArchName, ArchRules, Compare, Comparison, Condition, RuleModel } from '../../src/ir/model.js';
import { widthMask } from '../../src/ir/model.js';
import { evaluateModel } from '../../test/support/reference-eval.js';

/** AllowedInput is one input a model allows, with the rule term it exercises. */
export interface AllowedInput {
  readonly nr: number;
  /** term counts the allowing terms of the syscall from 0, in first-match order. */
  readonly term: number;
  readonly data: SeccompData;
}

/** The most terms one condition may expand to; larger conditions are sampled no further. */
const TERM_LIMIT = 4096;

const NEGATED: Readonly<Record<Comparison, Comparison>> = { eq: 'ne', ne: 'eq', lt: 'ge', ge: 'lt', le: 'gt', gt: 'le' };

/** disjunctiveTerms expands a condition into an OR of ANDs of comparisons: [] is false, [[]] is true. */
export function disjunctiveTerms(condition: Condition, negated = false): Compare[][] {
  switch (condition.kind) {
    case 'always':
      return condition.value !== negated ? [[]] : [];
    case 'compare':
      return [[negated ? { ...condition, op: NEGATED[condition.op] } : condition]];
    case 'not':
      return disjunctiveTerms(condition.term, !negated);
    case 'and':
    case 'or': {
      const parts = condition.terms.map((term) => disjunctiveTerms(term, negated));
      if ((condition.kind === 'or') !== negated) return parts.flat().slice(0, TERM_LIMIT);
      let product: Compare[][] = [[]];
      for (const part of parts) {
        product = product.flatMap((left) => part.map((right) => [...left, ...right])).slice(0, TERM_LIMIT);
      }
      return product;
    }
  }
}

/** compareHolds applies `(value & mask) op constant`, unsigned, on the comparison's width. */
export function compareHolds(literal: Compare, value: bigint): boolean {
  const left = value & widthMask(literal.arg.width) & literal.mask;
  switch (literal.op) {
    case 'eq': return left === literal.value;
    case 'ne': return left !== literal.value;
    case 'lt': return left < literal.value;
    case 'le': return left <= literal.value;
    case 'gt': return left > literal.value;
    case 'ge': return left >= literal.value;
  }
}

/**
 * candidates lists values worth trying for one argument, the compared
 * constants first, so a bound like `pos <= last` is met at its edge (the
 * last sector), which is the path a guest takes at the end of its disk.
 */
function candidates(literals: readonly Compare[]): bigint[] {
  const full = widthMask(literals[0]!.arg.width);
  const values: bigint[] = [];
  for (const literal of literals) {
    values.push(literal.value, literal.value + 1n, literal.value - 1n, literal.value | (full & ~literal.mask));
  }
  values.push(0n, full);
  return values.filter((value) => value >= 0n && value <= full);
}

/**
 * solveTerm finds six argument values meeting every comparison of a term and
 * `accept`, or undefined. It tries each argument's first fitting value, then
 * changes one argument at a time to its other fitting values, which is enough
 * to step around an earlier rule that takes the first choice.
 */
export function solveTerm(term: readonly Compare[], accept: (args: bigint[]) => boolean = () => true): bigint[] | undefined {
  const choices: bigint[][] = [];
  for (let index = 0; index < 6; index++) {
    const literals = term.filter((literal) => literal.arg.index === index);
    if (literals.length === 0) {
      choices.push([0n]);
      continue;
    }
    const fitting = [...new Set(candidates(literals))].filter((value) => literals.every((literal) => compareHolds(literal, value)));
    if (fitting.length === 0) return undefined;
    choices.push(fitting);
  }
  const first = choices.map((values) => values[0]!);
  if (accept(first)) return first;
  for (let index = 0; index < 6; index++) {
    for (const value of choices[index]!.slice(1)) {
      const args = first.map((old, position) => (position === index ? value : old));
      if (accept(args)) return args;
    }
  }
  return undefined;
}

function archRulesOf(model: RuleModel, arch: ArchName): ArchRules {
  const found = model.arches.find((entry) => entry.arch === arch);
  if (!found) throw new Error(`the model has no rules for ${arch}`);
  return found;
}

/** allowedInputs lists one allowed input per allowing term of every syscall of `arch`, in number order. */
export function allowedInputs(model: RuleModel, arch: ArchName = 'x86_64'): AllowedInput[] {
  const inputs: AllowedInput[] = [];
  const rules = archRulesOf(model, arch);
  for (const nr of [...rules.syscalls.keys()].sort((a, b) => a - b)) {
    let term = 0;
    for (const candidate of rules.syscalls.get(nr) ?? []) {
      if (candidate.action.kind !== 'allow') continue;
      for (const literals of disjunctiveTerms(candidate.condition)) {
        const dataOf = (args: bigint[]): SeccompData => ({ nr, arch: AuditArch[arch], args });
        const args = solveTerm(literals, (values) => evaluateModel(model, dataOf(values)).action === 'allow');
        if (args === undefined) continue;
        const data = dataOf(args);
        inputs.push({ nr, term, data });
        term += 1;
      }
    }
  }
  return inputs;
}

/**
 * argumentFreeAllowed lists the syscalls of `arch` that the model allows
 * whatever their arguments: the first rule that can match is an
 * unconditional allow.
 */
export function argumentFreeAllowed(model: RuleModel, arch: ArchName = 'x86_64'): number[] {
  const numbers: number[] = [];
  for (const [nr, list] of archRulesOf(model, arch).syscalls) {
    const first = list.find((entry) => !(entry.condition.kind === 'always' && !entry.condition.value));
    if (first?.action.kind === 'allow' && first.condition.kind === 'always') numbers.push(nr);
  }
  return numbers.sort((a, b) => a - b);
}
