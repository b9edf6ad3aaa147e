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
import { decideRanges, partition } from './dispatch.js';
import type { Graph, NodeId } from './graph.js';

/** keyOf returns the argument and value of a plain `arg == value` comparison. */
export function keyOf(condition: Condition): { arg: Argument; value: bigint } | undefined {
  if (condition.kind !== 'compare' || condition.op !== 'eq') return undefined;
  if (condition.mask !== widthMask(condition.arg.width)) return undefined;
  return { arg: condition.arg, value: condition.value };
}

/** sameArgument tells whether two comparisons read the same argument at the same width. */
export function sameArgument(a: Argument, b: Argument): boolean {
  return a.index === b.index && a.width === b.width;
}

/**
 * switchOn returns a node that, for each key value, goes to its target and,
 * for any other value of the argument, to `otherwise`. `cases` maps each
 * value to its target; values must fit the argument. On a 64-bit argument
 * the values must share one high word, checked once.
 */
export function switchOn(g: Graph, arg: Argument, cases: ReadonlyMap<bigint, NodeId>, otherwise: NodeId): NodeId {
  const points = new Map<number, NodeId>();
  for (const [value, target] of cases) points.set(Number(value & 0xffff_ffffn), target);
  const ranges = partition([{ start: 0, end: 0xffffffff, outcome: otherwise }], points);
  const low = g.load(SeccompDataOffset.argLow(arg.index), decideRanges(g, ranges));
  if (arg.width === 32) return low;
  const high = Number([...cases.keys()][0]! >> 32n);
  return g.load(SeccompDataOffset.argHigh(arg.index), g.branch('eq', high, low, otherwise));
}

/** switchable tells whether values can share one switch: a 32-bit argument, or one high word. */
export function switchable(arg: Argument, values: readonly bigint[]): boolean {
  if (arg.width === 32) return true;
  const high = values[0]! >> 32n;
  return values.every((value) => value >> 32n === high);
}

/** splitConjunction finds a plain equality on `arg` among an `and`'s terms (or the condition itself). */
export function splitConjunction(condition: Condition, arg?: Argument): { key: Compare; rest: Condition[] } | undefined {
  const terms = condition.kind === 'and' ? condition.terms : [condition];
  const index = terms.findIndex((term) => {
    const key = keyOf(term);
    return key !== undefined && (arg === undefined || sameArgument(key.arg, arg));
  });
  if (index < 0) return undefined;
  return { key: terms[index] as Compare, rest: terms.filter((_, i) => i !== index) };
}
