/**
 * Value dispatch: when many tests compare one argument with constants (a
 * tender with 63 block devices pins pread64 to 63 fds), deciding them one
 * after the other costs a test per value. Here the values become points on
 * the argument's 32-bit word and are decided by the same weighted tree that
 * decides syscall numbers, so a call costs a handful of tests whatever the
 * number of values.
 */
import { SeccompDataOffset } from '../bpf/seccomp.js';
import type { Argument, Compare, Condition } from '../ir/model.js';
import { widthMask } from '../ir/model.js';
import { decideRanges, partition, type TreePlans } from './dispatch.js';
import type { Graph, NodeId } from './graph.js';

/** isKey tells whether a condition is a plain `arg == value` comparison (on `arg`, when given). */
function isKey(condition: Condition, arg?: Argument): condition is Compare {
  if (condition.kind !== 'compare' || condition.op !== 'eq') return false;
  return condition.mask === widthMask(condition.arg.width) && (arg === undefined || sameArgument(condition.arg, arg));
}

/** sameArgument tells whether two comparisons read the same argument at the same width. */
export function sameArgument(a: Argument, b: Argument): boolean {
  return a.index === b.index && a.width === b.width;
}

/**
 * The cases of a value switch: the high word every value shares, and each
 * value's low word (`lows`, ascending, each once) with its target.
 */
export interface SwitchCases {
  readonly high: number;
  readonly lows: readonly number[];
  readonly targets: readonly NodeId[];
}

/**
 * switchOn returns a node that, for each case's value, goes to its target
 * and, for any other value of the argument, to `otherwise`. On a 64-bit
 * argument the shared high word is checked once; on a 32-bit one it must be
 * 0. `plans` keeps the trees' plans between compilations.
 */
export function switchOn(g: Graph, arg: Argument, cases: SwitchCases, otherwise: NodeId, plans?: TreePlans): NodeId {
  const ranges = partition([{ start: 0, end: 0xffffffff, outcome: otherwise }], cases.lows, cases.targets);
  const low = g.load(SeccompDataOffset.argLow(arg.index), decideRanges(g, ranges, plans));
  if (arg.width === 32) return low;
  return g.load(SeccompDataOffset.argHigh(arg.index), g.branch('eq', cases.high, low, otherwise));
}

/** A plain equality found among a condition's terms: the terms, and which of them is the equality. */
export interface KeySplit {
  readonly key: Compare;
  /** The `and`'s terms, or the condition alone. */
  readonly terms: readonly Condition[];
  readonly index: number;
}

/** splitConjunction finds a plain equality on `arg` among an `and`'s terms (or the condition itself). */
export function splitConjunction(condition: Condition, arg?: Argument): KeySplit | undefined {
  if (condition.kind !== 'and') return isKey(condition, arg) ? { key: condition, terms: [condition], index: 0 } : undefined;
  const terms = condition.terms;
  for (let index = 0; index < terms.length; index++) {
    const term = terms[index]!;
    if (isKey(term, arg)) return { key: term, terms, index };
  }
  return undefined;
}

/** rest lists a split condition's terms other than its equality. */
export function rest(split: KeySplit): Condition[] {
  return split.terms.filter((_, i) => i !== split.index);
}
