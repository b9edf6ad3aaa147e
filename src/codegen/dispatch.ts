/**
 * Syscall-number dispatch: the numbers 0..2^32-1 are partitioned into ranges
 * that share an outcome, equal neighbours are merged, and the ranges are
 * decided by a weighted balanced tree of `>=` tests. Every test here reads
 * only `nr`, so an outcome that needs no argument stays cacheable by the
 * kernel's action cache.
 */
import type { Graph, NodeId } from './graph.js';

/** Numbers `start..end` (inclusive) share `outcome`; `weight` steers the tree. */
export interface NumberRange {
  readonly start: number;
  readonly end: number;
  readonly outcome: NodeId;
  readonly weight: number;
}

/** A stretch of numbers whose outcome is set by the arch, not by a rule. */
export interface Background {
  readonly start: number;
  readonly end: number;
  readonly outcome: NodeId;
}

const LAST = 0xffffffff;
/** Weight of a background stretch: it matters, but less than any named syscall. */
const BACKGROUND_WEIGHT = 0.25;
/** Most single numbers tested one by one with `==` before a tree is preferred. */
const MAX_EQUALITY_CHAIN = 3;

/**
 * partition lays the explicit outcomes over the background and merges
 * neighbours with the same outcome. `weights` gives each explicit number's
 * weight (1 when absent).
 */
export function partition(
  background: readonly Background[],
  points: ReadonlyMap<number, NodeId>,
  weights?: ReadonlyMap<number, number>,
): NumberRange[] {
  const numbers = [...points.keys()].sort((a, b) => a - b);
  const pieces: NumberRange[] = [];
  let p = 0;
  for (const stretch of background) {
    let cursor = stretch.start;
    while (p < numbers.length && numbers[p]! <= stretch.end) {
      const nr = numbers[p++]!;
      if (nr > cursor) pieces.push({ start: cursor, end: nr - 1, outcome: stretch.outcome, weight: BACKGROUND_WEIGHT });
      pieces.push({ start: nr, end: nr, outcome: points.get(nr)!, weight: weights?.get(nr) ?? 1 });
      cursor = nr + 1;
    }
    if (cursor <= stretch.end) {
      pieces.push({ start: cursor, end: stretch.end, outcome: stretch.outcome, weight: BACKGROUND_WEIGHT });
    }
  }
  return merge(pieces);
}

function merge(pieces: readonly NumberRange[]): NumberRange[] {
  const merged: NumberRange[] = [];
  for (const piece of pieces) {
    const last = merged[merged.length - 1];
    if (last && last.outcome === piece.outcome && last.end + 1 === piece.start) {
      merged[merged.length - 1] = { ...last, end: piece.end, weight: last.weight + piece.weight };
    } else {
      merged.push(piece);
    }
  }
  if (merged[0]?.start !== 0 || merged[merged.length - 1]?.end !== LAST) {
    throw new RangeError('syscall number partition does not cover 0..2^32-1');
  }
  return merged;
}

/**
 * equalityChain decides ranges lo..hi with `==` tests when they alternate
 * between one shared outcome and a few single numbers, which is cheaper than
 * a tree; it returns undefined when the shape does not fit.
 */
function equalityChain(g: Graph, ranges: readonly NumberRange[], lo: number, hi: number): NodeId | undefined {
  const outer = ranges[lo]!.outcome;
  const singles: NumberRange[] = [];
  for (let i = lo; i <= hi; i++) {
    const r = ranges[i]!;
    if (r.outcome === outer) continue;
    if (r.start !== r.end) return undefined;
    singles.push(r);
  }
  if (singles.length > MAX_EQUALITY_CHAIN) return undefined;
  singles.sort((a, b) => b.weight - a.weight || a.start - b.start);
  let next = outer;
  for (let i = singles.length - 1; i >= 0; i--) {
    next = g.branch('eq', singles[i]!.start, singles[i]!.outcome, next);
  }
  return next;
}

/** splitPoint picks the index that balances the weight on both sides of a `>=` test. */
function splitPoint(ranges: readonly NumberRange[], lo: number, hi: number): number {
  let total = 0;
  for (let i = lo; i <= hi; i++) total += ranges[i]!.weight;
  let left = 0;
  let best = lo + 1;
  let bestGap = Infinity;
  for (let k = lo + 1; k <= hi; k++) {
    left += ranges[k - 1]!.weight;
    const gap = Math.abs(total - 2 * left);
    if (gap < bestGap) {
      bestGap = gap;
      best = k;
    }
  }
  return best;
}

/**
 * decideRanges returns a node that, with A holding nr known to lie in
 * ranges[lo].start..ranges[hi].end, goes to the outcome of nr's range.
 */
export function decideRanges(g: Graph, ranges: readonly NumberRange[], lo = 0, hi = ranges.length - 1): NodeId {
  if (lo === hi) return ranges[lo]!.outcome;
  const chain = equalityChain(g, ranges, lo, hi);
  if (chain !== undefined) return chain;
  const k = splitPoint(ranges, lo, hi);
  return g.branch('ge', ranges[k]!.start, decideRanges(g, ranges, k, hi), decideRanges(g, ranges, lo, k - 1));
}
