/**
 * Truth of model conditions, decided by testing representative argument
 * values. For each argument a condition tests, the constants it is compared
 * with cut the argument's range into regions (each constant alone, and the
 * gaps between them); every value of a region gives every unmasked
 * comparison the same truth, so one value per region (0, each constant c and
 * c + 1) decides any and/or/not of unmasked comparisons exactly. Masked
 * comparisons add the values that make a mask test true and false; with
 * masks the answer is a well-founded guess, which lint documents as such.
 */
import { and, not, widthMask, type Compare, type Condition } from '../ir/model.js';

/** Answer is a decided yes or no, or `unknown` when the search would be too large. */
export type Answer = 'yes' | 'no' | 'unknown';

/** Focus narrows the search on one argument: only values `accept` keeps, plus the extra ones `widen` proposes. */
export interface Focus {
  readonly index: number;
  readonly accept: (value: bigint) => boolean;
  readonly widen?: (value: bigint) => readonly bigint[];
}

/** SEARCH_LIMIT bounds how many argument combinations one question may test. */
export const SEARCH_LIMIT = 200_000;

/** atomsOf lists the comparisons of a condition. */
export function atomsOf(condition: Condition): Compare[] {
  switch (condition.kind) {
    case 'compare':
      return [condition];
    case 'and':
    case 'or':
      return condition.terms.flatMap(atomsOf);
    case 'not':
      return atomsOf(condition.term);
    case 'always':
      return [];
  }
}

/** holds evaluates a condition for concrete argument values (each already within its width). */
export function holds(condition: Condition, args: readonly bigint[]): boolean {
  switch (condition.kind) {
    case 'always':
      return condition.value;
    case 'not':
      return !holds(condition.term, args);
    case 'and':
      return condition.terms.every((term) => holds(term, args));
    case 'or':
      return condition.terms.some((term) => holds(term, args));
    case 'compare': {
      const left = (args[condition.arg.index] ?? 0n) & condition.mask;
      const right = condition.value;
      switch (condition.op) {
        case 'eq':
          return left === right;
        case 'ne':
          return left !== right;
        case 'lt':
          return left < right;
        case 'le':
          return left <= right;
        case 'gt':
          return left > right;
        case 'ge':
          return left >= right;
      }
    }
  }
}

// candidatesFor gives the representative values of one argument.
function candidatesFor(atoms: readonly Compare[]): bigint[] {
  const full = widthMask(atoms[0]!.arg.width);
  const values = new Set<bigint>([0n, full]);
  let required = 0n;
  for (const atom of atoms) {
    const rest = full & ~atom.mask;
    const flipped = (atom.value ^ atom.mask) & atom.mask;
    for (const value of [atom.value, atom.value + 1n, atom.value | rest, flipped, flipped | rest]) {
      if (value <= full) values.add(value);
    }
    if (atom.mask !== full) required |= atom.value & atom.mask;
  }
  if (required !== 0n) {
    values.add(required);
    for (const atom of atoms) if (atom.mask !== full) values.add((required & ~atom.mask) | (atom.value & atom.mask));
  }
  return [...values];
}

/**
 * findWitness searches for argument values that make `condition` true.
 * Returns the values, `undefined` when there are none (exact for unmasked
 * comparisons), or `unknown` when the search would exceed SEARCH_LIMIT.
 */
export function findWitness(condition: Condition, focus?: Focus): bigint[] | undefined | 'unknown' {
  const byIndex = new Map<number, Compare[]>();
  for (const atom of atomsOf(condition)) {
    const list = byIndex.get(atom.arg.index);
    if (list) list.push(atom);
    else byIndex.set(atom.arg.index, [atom]);
  }
  const indexes = [...byIndex.keys()];
  if (focus && !byIndex.has(focus.index)) indexes.push(focus.index);
  const choices = indexes.map((index) => {
    const atoms = byIndex.get(index);
    let values = atoms ? candidatesFor(atoms) : [0n, 1n, 0x7fff_fff0n];
    if (focus?.index === index) {
      const widened = focus.widen ? values.flatMap((value) => [value, ...focus.widen!(value)]) : values;
      const limit = atoms ? widthMask(atoms[0]!.arg.width) : widthMask(64);
      values = [...new Set(widened)].filter((value) => value >= 0n && value <= limit && focus.accept(value));
    }
    return values;
  });
  let total = 1;
  for (const values of choices) total *= values.length;
  if (total === 0) return undefined;
  if (total > SEARCH_LIMIT) return 'unknown';
  const args: bigint[] = [0n, 0n, 0n, 0n, 0n, 0n];
  const positions = choices.map(() => 0);
  for (;;) {
    indexes.forEach((index, k) => (args[index] = choices[k]![positions[k]!]!));
    if (holds(condition, args)) return [...args];
    let k = 0;
    while (k < positions.length && ++positions[k]! === choices[k]!.length) positions[k++] = 0;
    if (k === positions.length) return undefined;
  }
}

/** satisfiable tells whether some argument values make the condition true (within the focus, if any). */
export function satisfiable(condition: Condition, focus?: Focus): Answer {
  const witness = findWitness(condition, focus);
  return witness === 'unknown' ? 'unknown' : witness ? 'yes' : 'no';
}

/** alwaysTrue tells whether the condition holds for every argument value. */
export function alwaysTrue(condition: Condition): Answer {
  return flip(satisfiable(not(condition)));
}

/** implies tells whether every call `premise` matches is also matched by `conclusion`. */
export function implies(premise: Condition, conclusion: Condition): Answer {
  return flip(satisfiable(and(premise, not(conclusion))));
}

function flip(answer: Answer): Answer {
  return answer === 'unknown' ? answer : answer === 'yes' ? 'no' : 'yes';
}
