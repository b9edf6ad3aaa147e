/**
 * Syscall-number dispatch: the numbers 0..2^32-1 are partitioned into ranges
 * that share an outcome, equal neighbours are merged, and the ranges are
 * decided by a weighted balanced tree of `>=` tests. Every test here reads
 * only `nr`, so an outcome that needs no argument stays cacheable by the
 * kernel's action cache.
 */
import type { Graph, NodeId } from './graph.js';

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
 * Ranges partition the numbers 0..2^32-1 in order: range i is the numbers
 * `starts[i]..ends[i]` (inclusive), which share `outcomes[i]`; `weights[i]`
 * steers the tree. Parallel arrays rather than an object a range: a bind
 * partitions a value switch of 63 fds, and this is what it reads.
 */
export class Ranges {
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly outcomes: NodeId[] = [];
  readonly weights: number[] = [];

  /** length is the number of ranges. */
  get length(): number {
    return this.starts.length;
  }

  /** add appends start..end, merged into the range before when it has the same outcome and ends at start - 1. */
  add(start: number, end: number, outcome: NodeId, weight: number): void {
    const last = this.starts.length - 1;
    if (last >= 0 && outcome === this.outcomes[last] && this.ends[last]! + 1 === start) {
      this.ends[last] = end;
      this.weights[last] = this.weights[last]! + weight;
      return;
    }
    this.starts.push(start);
    this.ends.push(end);
    this.outcomes.push(outcome);
    this.weights.push(weight);
  }
}

/**
 * partition lays the explicit outcomes over the background and merges
 * neighbours with the same outcome. `numbers` must ascend; `outcomes[i]` is
 * the outcome of `numbers[i]`, and `weights[i]` its weight (1 when absent).
 */
export function partition(
  background: readonly Background[],
  numbers: readonly number[],
  outcomes: readonly NodeId[],
  weights?: readonly (number | undefined)[],
): Ranges {
  const merged = new Ranges();
  let p = 0;
  for (const stretch of background) {
    let cursor = stretch.start;
    while (p < numbers.length && numbers[p]! <= stretch.end) {
      const nr = numbers[p]!;
      if (nr > cursor) merged.add(cursor, nr - 1, stretch.outcome, BACKGROUND_WEIGHT);
      merged.add(nr, nr, outcomes[p]!, weights?.[p] ?? 1);
      cursor = nr + 1;
      p++;
    }
    if (cursor <= stretch.end) merged.add(cursor, stretch.end, stretch.outcome, BACKGROUND_WEIGHT);
  }
  if (merged.starts[0] !== 0 || merged.ends[merged.length - 1] !== LAST) {
    throw new RangeError('syscall number partition does not cover 0..2^32-1');
  }
  return merged;
}

/**
 * equalityChain decides ranges lo..hi, one outcome interrupted by a few
 * single numbers, with one `==` test per single number, which is cheaper
 * than a tree. The single numbers' ranges are `plan[from..from+count-1]`, in
 * test order.
 */
function equalityChain(g: Graph, ranges: Ranges, lo: number, plan: Plan, from: number, count: number): NodeId {
  let next = ranges.outcomes[lo]!;
  for (let i = from + count - 1; i >= from; i--) {
    const single = plan[i]!;
    next = g.branch('eq', ranges.starts[single]!, ranges.outcomes[single]!, next);
  }
  return next;
}

/**
 * chainSingles lists, in test order (heaviest first), the single numbers an
 * equality chain over lo..hi would test, or undefined when lo..hi is not one
 * outcome interrupted by a few single numbers.
 */
function chainSingles(ranges: Ranges, lo: number, hi: number): number[] | undefined {
  const { starts, ends, outcomes, weights } = ranges;
  const outer = outcomes[lo]!;
  const singles: number[] = [];
  for (let i = lo; i <= hi; i++) {
    if (outcomes[i] === outer) continue;
    if (starts[i] !== ends[i] || singles.length === MAX_EQUALITY_CHAIN) return undefined;
    singles.push(i);
  }
  return singles.sort((a, b) => weights[b]! - weights[a]! || a - b);
}

/** splitPoint is the index that balances the weight on both sides of a `>=` test. */
function splitPoint(ranges: Ranges, lo: number, hi: number): number {
  const weights = ranges.weights;
  let total = 0;
  for (let i = lo; i <= hi; i++) total += weights[i]!;
  let left = 0;
  let best = lo + 1;
  let bestGap = Infinity;
  for (let k = lo + 1; k <= hi; k++) {
    left += weights[k - 1]!;
    const gap = Math.abs(total - 2 * left);
    if (gap < bestGap) {
      bestGap = gap;
      best = k;
    }
  }
  return best;
}

/** The cost of deciding a stretch of ranges: the longest path, then the weighted path lengths. */
interface Cost {
  readonly longest: number;
  readonly weighted: number;
}

const better = (a: Cost, b: Cost): boolean =>
  a.longest < b.longest || (a.longest === b.longest && a.weighted < b.weighted - 1e-9);

/** Above this many ranges the optimal tree search tries only splits near the weighted middle. */
const EXHAUSTIVE_LIMIT = 64;
const SPLIT_WINDOW = 6;

/**
 * shortestLongest computes, for every stretch lo..hi, the cost of the tree
 * whose longest path is shortest (each range's path continues into its
 * outcome, so a range with argument checks behind it wants to be nearer the
 * root), ties broken by the weighted path length.
 */
function shortestLongest(ranges: Ranges, tails: readonly number[]): CostTables {
  const n = ranges.length;
  const rangeWeights = ranges.weights;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + rangeWeights[i]!;
  // Flat tables indexed lo * n + hi: this runs at every bind, so no objects per cell.
  const longest = new Float64Array(n * n);
  const weighted = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    longest[i * n + i] = tails[i]!;
    weighted[i * n + i] = rangeWeights[i]! * tails[i]!;
  }
  for (let size = 2; size <= n; size++) {
    for (let lo = 0; lo + size - 1 < n; lo++) {
      const hi = lo + size - 1;
      // A chain alternates one outcome with at most MAX_EQUALITY_CHAIN single numbers.
      const chain = size <= 2 * MAX_EQUALITY_CHAIN + 1 ? chainCost(ranges, tails, lo, hi) : undefined;
      let bestLongest = chain?.longest ?? Infinity;
      let bestWeighted = chain?.weighted ?? Infinity;
      const middle = n <= EXHAUSTIVE_LIMIT ? 0 : splitPoint(ranges, lo, hi);
      const from = n <= EXHAUSTIVE_LIMIT ? lo + 1 : Math.max(lo + 1, middle - SPLIT_WINDOW);
      const to = n <= EXHAUSTIVE_LIMIT ? hi : Math.min(hi, middle + SPLIT_WINDOW);
      const weight = prefix[hi + 1]! - prefix[lo]!;
      for (let k = from; k <= to; k++) {
        const left = lo * n + k - 1;
        const right = k * n + hi;
        const l = 1 + Math.max(longest[left]!, longest[right]!);
        const w = weight + weighted[left]! + weighted[right]!;
        if (l < bestLongest || (l === bestLongest && w < bestWeighted - 1e-9)) {
          bestLongest = l;
          bestWeighted = w;
        }
      }
      longest[lo * n + hi] = bestLongest;
      weighted[lo * n + hi] = bestWeighted;
    }
  }
  return { longest, weighted };
}

/** The two cost tables of shortestLongest, indexed lo * n + hi. */
interface CostTables {
  readonly longest: Float64Array;
  readonly weighted: Float64Array;
}

/** How many plans a TreePlans keeps before it starts over. */
const MAX_PLANS = 256;

/**
 * A tree plan: the split chosen for each stretch, in the order the tree is
 * built; an equality chain is CHAIN, how many single numbers it tests, and
 * their ranges in test order.
 */
type Plan = Int32Array;
const CHAIN = -1;

/** mixShape folds one entry of a shape into its hash (weights to 1/4096, which equal shapes agree on). */
const mixShape = (h: number, entry: number): number => Math.imul(h ^ (entry * 4096), 0x9e3779b1) ^ (h >>> 15);

/**
 * TreePlans remembers tree plans by what they depend on: the ranges'
 * weights, the length of what follows each, which are single numbers and
 * which share an outcome. None of that depends on the values a syscall's
 * rules compare with, only on which syscalls have rules and on the shape of
 * their checks, so a policy bound again and again plans its trees once; the
 * same holds for value switches whose values keep their pattern (a tender's
 * block devices on consecutive fds, say).
 */
export class TreePlans {
  private readonly plans = new Map<number, { readonly shape: Float64Array; readonly plan: Plan }[]>();
  private count = 0;
  /** The shape being looked up, written in place: only a new plan's shape is copied out. */
  private shape = new Float64Array(256);
  /** firstOf[outcome] is 1 + the first range with that outcome while a shape is made, else 0. */
  private firstOf = new Int32Array(1024);

  /** plan returns the tree plan for the ranges, computing it once per shape. */
  plan(ranges: Ranges, tails: readonly number[]): Plan {
    const size = this.shapeOf(ranges, tails);
    const shape = this.shape;
    let hash = size;
    for (let i = 0; i < size; i++) hash = mixShape(hash, shape[i]!);
    const bucket = this.plans.get(hash);
    if (bucket !== undefined) {
      for (const entry of bucket) if (sameShape(entry.shape, shape, size)) return entry.plan;
    }
    const plan = planTree(ranges, tails);
    if (this.count >= MAX_PLANS) {
      this.plans.clear();
      this.count = 0;
    }
    this.plans.set(hash, [...(this.plans.get(hash) ?? []), { shape: shape.slice(0, size), plan }]);
    this.count++;
    return plan;
  }

  /**
   * shapeOf writes what a tree plan depends on into `shape`, four numbers a
   * range: its weight, the length of what follows it, whether it is a single
   * number, and the first range with the same outcome; it returns how many
   * numbers it wrote. Bounds do not matter beyond that, so ranges over other
   * numbers (other fds in a value switch) share a plan.
   */
  private shapeOf(ranges: Ranges, tails: readonly number[]): number {
    const { starts, ends, outcomes, weights } = ranges;
    const n = ranges.length;
    if (this.shape.length < 4 * n) this.shape = new Float64Array(8 * n);
    const shape = this.shape;
    let firstOf = this.firstOf;
    for (let i = 0; i < n; i++) {
      const outcome = outcomes[i]!;
      if (outcome >= firstOf.length) {
        const bigger = new Int32Array(2 * (outcome + 1));
        bigger.set(firstOf);
        this.firstOf = firstOf = bigger;
      }
      let same = firstOf[outcome]! - 1;
      if (same < 0) firstOf[outcome] = (same = i) + 1;
      shape[4 * i] = weights[i]!;
      shape[4 * i + 1] = tails[i]!;
      shape[4 * i + 2] = starts[i] === ends[i] ? 1 : 0;
      shape[4 * i + 3] = same;
    }
    for (let i = 0; i < n; i++) firstOf[outcomes[i]!] = 0;
    return 4 * n;
  }
}

/** sameShape tells whether a remembered shape is the first `size` numbers of `shape`. */
function sameShape(remembered: Float64Array, shape: Float64Array, size: number): boolean {
  if (remembered.length !== size) return false;
  for (let i = 0; i < size; i++) if (remembered[i] !== shape[i]) return false;
  return true;
}

/** chainCost is the cost of deciding lo..hi with an equality chain, or undefined when it does not fit. */
function chainCost(ranges: Ranges, tails: readonly number[], lo: number, hi: number): Cost | undefined {
  const singles = chainSingles(ranges, lo, hi);
  if (singles === undefined) return undefined;
  const { outcomes, weights } = ranges;
  let longest = 0;
  let weighted = 0;
  singles.forEach((i, position) => {
    longest = Math.max(longest, position + 1 + tails[i]!);
    weighted += weights[i]! * (position + 1 + tails[i]!);
  });
  for (let i = lo; i <= hi; i++) {
    if (outcomes[i] !== outcomes[lo]) continue;
    longest = Math.max(longest, singles.length + tails[i]!);
    weighted += weights[i]! * (singles.length + tails[i]!);
  }
  return { longest, weighted };
}

/**
 * planTree plans the tree over ranges. The tree keeps its longest path
 * within one test of the shortest possible and, within that budget, splits
 * each stretch as near its weighted middle as it can, which keeps the common
 * paths short.
 */
function planTree(ranges: Ranges, tails: readonly number[]): Plan {
  const n = ranges.length;
  const { longest, weighted } = shortestLongest(ranges, tails);
  const cost = (lo: number, hi: number): Cost => ({ longest: longest[lo * n + hi]!, weighted: weighted[lo * n + hi]! });
  const decisions: number[] = [];
  const plan = (lo: number, hi: number, budget: number): void => {
    if (lo === hi) return;
    const chain = chainCost(ranges, tails, lo, hi);
    if (chain !== undefined && chain.longest <= budget && !better(cost(lo, hi), chain)) {
      const singles = chainSingles(ranges, lo, hi)!;
      decisions.push(CHAIN, singles.length, ...singles);
      return;
    }
    const k = balancedSplit(ranges, lo, hi, (k) => 1 + Math.max(cost(lo, k - 1).longest, cost(k, hi).longest) <= budget);
    decisions.push(k);
    plan(k, hi, budget - 1);
    plan(lo, k - 1, budget - 1);
  };
  plan(0, n - 1, cost(0, n - 1).longest + LONGEST_PATH_SLACK);
  return Int32Array.from(decisions);
}

/** buildTree builds the nodes of a planned tree over ranges. */
function buildTree(g: Graph, ranges: Ranges, plan: Plan): NodeId {
  const { starts, outcomes } = ranges;
  let next = 0;
  const build = (lo: number, hi: number): NodeId => {
    if (lo === hi) return outcomes[lo]!;
    const k = plan[next++]!;
    if (k === CHAIN) {
      const count = plan[next++]!;
      next += count;
      return equalityChain(g, ranges, lo, plan, next - count, count);
    }
    const upper = build(k, hi);
    return g.branch('ge', starts[k]!, upper, build(lo, k - 1));
  };
  return build(0, ranges.length - 1);
}

/**
 * decideRanges returns a node that, with A holding nr known to lie in
 * the first range's start to the last one's end, goes to the outcome of nr's
 * range, by the tree planTree plans (or `plans` remembers).
 */
export function decideRanges(g: Graph, ranges: Ranges, plans?: TreePlans): NodeId {
  const n = ranges.length;
  const tails = new Array<number>(n);
  for (let i = 0; i < n; i++) tails[i] = g.longestPath(ranges.outcomes[i]!);
  return buildTree(g, ranges, plans ? plans.plan(ranges, tails) : planTree(ranges, tails));
}

/** How many tests longer than the shortest possible the longest path may be, to shorten the common ones. */
const LONGEST_PATH_SLACK = 1;

/** balancedSplit picks, among the splits `fits` accepts, the one nearest the weighted middle. */
function balancedSplit(ranges: Ranges, lo: number, hi: number, fits: (k: number) => boolean): number {
  const weights = ranges.weights;
  let total = 0;
  for (let i = lo; i <= hi; i++) total += weights[i]!;
  let left = 0;
  let best = -1;
  let bestGap = Infinity;
  for (let k = lo + 1; k <= hi; k++) {
    left += weights[k - 1]!;
    const gap = Math.abs(total - 2 * left);
    if (gap < bestGap && fits(k)) {
      bestGap = gap;
      best = k;
    }
  }
  if (best < 0) throw new RangeError('no split fits the tree budget');
  return best;
}
