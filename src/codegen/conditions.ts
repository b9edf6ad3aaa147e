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
import { and } from '../ir/model.js';
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

const sameRules = (a: readonly Rule[], b: readonly Rule[]): boolean => a.length === b.length && a.every((entry, i) => entry === b[i]);

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

  constructor(
    /** The graph the nodes are built in. */
    readonly g: Graph,
    /** Where value switches keep their tree plans. */
    private readonly plans?: TreePlans,
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
    let node = this.returns.get(action);
    if (node === undefined) this.returns.set(action, (node = actionNode(this.g, action)));
    return node;
  }

  /**
   * rules returns the decision for one syscall: its rules tried in order,
   * the first whose condition holds deciding, `fallback` when none does.
   */
  rules(rules: readonly Rule[], fallback: NodeId): NodeId {
    if (rules.length === 0) return fallback;
    const known = this.lowered.get(rules[0]!) ?? [];
    const found = known.find((entry) => entry.fallback === fallback && sameRules(entry.rules, rules));
    if (found !== undefined) return found.node;
    const node = this.firstMatch(
      rules.map((rule) => ({ condition: rule.condition, target: this.action(rule.action) })),
      fallback,
    );
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
    // Each value usually comes once; `repeats` lists the alternatives whose value came before.
    const first = new Map<number, number>();
    const repeats: number[] = [];
    run.splits.forEach(({ key }, i) => {
      const low = lowWord(key.value);
      if (first.has(low)) repeats.push(i);
      else first.set(low, i);
    });
    const targets = new Map<number, NodeId>();
    for (const [low, i] of first) {
      const more = repeats.length === 0 ? repeats : repeats.filter((j) => lowWord(run.splits[j]!.key.value) === low);
      targets.set(low, more.length === 0 ? this.keyedCase(run.splits[i]!, alternatives[i]!, fallback) : this.keyedCases(run, alternatives, [i, ...more], fallback));
    }
    return switchOn(this.g, run.arg, { high: highWord(run.splits[0]!.key.value), targets }, fallback, this.plans);
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
