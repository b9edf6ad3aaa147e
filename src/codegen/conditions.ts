/**
 * Conditions and rule lists lowered to the decision graph.
 *
 * `&&`, `||` and `!` become short-circuit control flow: no value is ever
 * computed, a condition only chooses between two continuations. A syscall's
 * rules become a chain in source order, each rule's failure falling to the
 * next and the last one's to the default action.
 */
import { encodeAction } from '../bpf/seccomp.js';
import type { Action, Argument, Condition, Rule } from '../ir/model.js';
import { and, sameCondition } from '../ir/model.js';
import { highWord, lowerCompare, lowWord } from './compare.js';
import type { TreePlans } from './dispatch.js';
import type { Graph, NodeId } from './graph.js';
import { rest, splitConjunction, switchOn, type KeySplit } from './switch.js';

/** actionNode returns the return node of an action. */
function actionNode(g: Graph, action: Action): NodeId {
  return g.ret(encodeAction(action.kind, action.data));
}

/** One alternative of a first-match list: where to go when its condition holds. */
interface Alternative {
  readonly condition: Condition;
  readonly target: NodeId;
}

/**
 * A run of consecutive alternatives that each require one argument to equal
 * a constant. When an alternative of the run fails, the next one's value
 * cannot match (or is the same value, tried in order), so the run is decided
 * by a switch on the argument: each value tries only its own alternatives,
 * and any other value goes past the run.
 */
interface KeyedRun {
  readonly arg: Argument;
  readonly end: number;
  /** Where each alternative's equality on `arg` is among its condition's terms. */
  readonly splits: readonly KeySplit[];
}

function keyedRun(alternatives: readonly Alternative[], start: number): KeyedRun | undefined {
  if (start + 1 >= alternatives.length) return undefined;
  const head = splitConjunction(alternatives[start]!.condition);
  if (head === undefined) return undefined;
  const arg = head.key.arg;
  // A 64-bit argument's values must share the high word, which the switch checks once.
  const high = highWord(head.key.value);
  const splits = [head];
  let end = start + 1;
  while (end < alternatives.length) {
    const next = splitConjunction(alternatives[end]!.condition, arg);
    if (next === undefined || (arg.width === 64 && highWord(next.key.value) !== high)) break;
    splits.push(next);
    end++;
  }
  return end - start >= 2 ? { arg, end, splits } : undefined;
}

/** A rule list already lowered in this graph, and where it falls when no rule holds. */
interface LoweredRules {
  readonly rules: readonly Rule[];
  readonly fallback: NodeId;
  readonly node: NodeId;
}

function sameRules(a: readonly Rule[], b: readonly Rule[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** sameRest tells whether two splits' terms other than their equalities are alike, in order. */
function sameRest(a: KeySplit, b: KeySplit): boolean {
  const n = a.terms.length;
  if (b.terms.length !== n) return false;
  for (let i = 0, j = 0; ; i++, j++) {
    if (i === a.index) i++;
    if (j === b.index) j++;
    if (i >= n || j >= n) return i >= n && j >= n;
    if (!sameCondition(a.terms[i]!, b.terms[j]!)) return false;
  }
}

/** What lowering has reused instead of lowering again, counted for the tests. */
export interface LoweringCounts {
  /** Keyed cases decided by the node of the case before, their other terms and target being alike. */
  reusedCases: number;
}

/**
 * Lowering lowers conditions and rule lists into one graph. It remembers the
 * rule lists it has lowered (two syscalls bound from one rule share their
 * rule objects: pread64 and pwrite64 of every block device), so a list met
 * again costs a comparison of references instead of a second lowering that
 * hash-consing would only fold back into the first.
 */
export class Lowering {
  private readonly lowered = new Map<Rule, LoweredRules[]>();
  private readonly returns = new Map<Action, NodeId>();
  private lastAction: Action | undefined;
  private lastReturn: NodeId = -1;

  constructor(
    /** The graph the nodes are built in. */
    readonly g: Graph,
    /** Where value switches keep their tree plans. */
    private readonly plans?: TreePlans,
    /**
     * Given (with a CodegenCache), lowering reuses the node of a keyed case
     * for the next case when that one is alike, and counts it here. Without,
     * it lowers every case: the plain lowering the tests compare with.
     */
    private readonly reuse?: LoweringCounts,
  ) {}

  /** condition returns a node that goes to `ifTrue` when the condition holds, else `ifFalse`. */
  condition(condition: Condition, ifTrue: NodeId, ifFalse: NodeId): NodeId {
    switch (condition.kind) {
      case 'always':
        return condition.value ? ifTrue : ifFalse;
      case 'compare':
        return lowerCompare(this.g, condition, ifTrue, ifFalse);
      case 'not':
        return this.condition(condition.term, ifFalse, ifTrue);
      case 'and': {
        let next = ifTrue;
        for (let i = condition.terms.length - 1; i >= 0; i--) next = this.condition(condition.terms[i]!, next, ifFalse);
        return next;
      }
      case 'or':
        // An `||` is a first-match list whose alternatives all lead to ifTrue.
        return this.firstMatch(condition.terms.map((term) => ({ condition: term, target: ifTrue })), ifFalse);
    }
  }

  /** action returns the return node of an action; the rules of a policy share a few action objects. */
  action(action: Action): NodeId {
    // Rules in a row usually share their action: the last one answers without the Map.
    if (action === this.lastAction) return this.lastReturn;
    let node = this.returns.get(action);
    if (node === undefined) this.returns.set(action, (node = actionNode(this.g, action)));
    this.lastAction = action;
    this.lastReturn = node;
    return node;
  }

  /**
   * rules returns the decision for one syscall: its rules tried in order,
   * the first whose condition holds deciding, `fallback` when none does.
   */
  rules(rules: readonly Rule[], fallback: NodeId): NodeId {
    if (rules.length === 0) return fallback;
    const known = this.lowered.get(rules[0]!) ?? [];
    for (const entry of known) if (entry.fallback === fallback && sameRules(entry.rules, rules)) return entry.node;
    const alternatives = new Array<Alternative>(rules.length);
    for (let i = 0; i < rules.length; i++) alternatives[i] = { condition: rules[i]!.condition, target: this.action(rules[i]!.action) };
    const node = this.firstMatch(alternatives, fallback);
    this.lowered.set(rules[0]!, [...known, { rules, fallback, node }]);
    return node;
  }

  /**
   * firstMatch returns a node that goes to the target of the first
   * alternative whose condition holds, or to `fallback` when none does.
   */
  private firstMatch(alternatives: readonly Alternative[], fallback: NodeId): NodeId {
    // Find the keyed runs front to back, then build back to front.
    const pieces: { start: number; run?: KeyedRun }[] = [];
    for (let i = 0; i < alternatives.length; ) {
      const run = keyedRun(alternatives, i);
      pieces.push(run ? { start: i, run } : { start: i });
      i = run ? run.end : i + 1;
    }
    let next = fallback;
    for (let p = pieces.length - 1; p >= 0; p--) {
      const { start, run } = pieces[p]!;
      if (run) {
        next = this.keyedRun(run, alternatives.slice(start, run.end), next);
      } else {
        const alternative = alternatives[start]!;
        next = this.condition(alternative.condition, alternative.target, next);
      }
    }
    return next;
  }

  private keyedRun(run: KeyedRun, alternatives: readonly Alternative[], fallback: NodeId): NodeId {
    // The values share their high word, so the low word tells them apart.
    const count = run.splits.length;
    const lows = new Array<number>(count);
    let ascending = true;
    for (let i = 0; i < count; i++) {
      lows[i] = lowWord(run.splits[i]!.key.value);
      if (i > 0 && lows[i]! <= lows[i - 1]!) ascending = false;
    }
    const high = highWord(run.splits[0]!.key.value);
    if (ascending) {
      // The usual run (fds in order): each value comes once, in switch order.
      // A case whose other terms and target are those of the case before
      // (devices alike but for their fd) lowers to that case's node:
      // lowering depends on nothing else, so it is taken as it is.
      const targets = new Array<NodeId>(count);
      const reuse = this.reuse;
      for (let i = 0; i < count; i++) {
        if (reuse && i > 0 && alternatives[i]!.target === alternatives[i - 1]!.target && sameRest(run.splits[i]!, run.splits[i - 1]!)) {
          targets[i] = targets[i - 1]!;
          reuse.reusedCases++;
        } else {
          targets[i] = this.keyedCase(run.splits[i]!, alternatives[i]!, fallback);
        }
      }
      return switchOn(this.g, run.arg, { high, lows, targets }, fallback, this.plans);
    }
    // Each value's alternatives, in the order the values first come; `repeats`
    // lists the alternatives whose value came before.
    const first = new Map<number, number>();
    const repeats: number[] = [];
    lows.forEach((low, i) => {
      if (first.has(low)) repeats.push(i);
      else first.set(low, i);
    });
    const targets = new Map<number, NodeId>();
    for (const [low, i] of first) {
      const more = repeats.length === 0 ? repeats : repeats.filter((j) => lows[j] === low);
      targets.set(low, more.length === 0 ? this.keyedCase(run.splits[i]!, alternatives[i]!, fallback) : this.keyedCases(run, alternatives, [i, ...more], fallback));
    }
    const sorted = [...targets.keys()].sort((a, b) => a - b);
    return switchOn(this.g, run.arg, { high, lows: sorted, targets: sorted.map((low) => targets.get(low)!) }, fallback, this.plans);
  }

  /** keyedCase decides a value that one alternative of a keyed run tests: its other terms in a row, as `and` would lower them. */
  private keyedCase(split: KeySplit, alternative: Alternative, fallback: NodeId): NodeId {
    let next = alternative.target;
    for (let i = split.terms.length - 1; i >= 0; i--) {
      if (i !== split.index) next = this.condition(split.terms[i]!, next, fallback);
    }
    return next;
  }

  /** keyedCases decides a value that several alternatives (at `indexes`) test: them in order, without the equality. */
  private keyedCases(run: KeyedRun, alternatives: readonly Alternative[], indexes: readonly number[], fallback: NodeId): NodeId {
    const entries = indexes.map((i) => ({ condition: and(...rest(run.splits[i]!)), target: alternatives[i]!.target }));
    return this.firstMatch(entries, fallback);
  }
}
