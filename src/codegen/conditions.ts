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
import { lowerCompare } from './compare.js';
import type { Graph, NodeId } from './graph.js';
import { splitConjunction, switchable, switchOn } from './switch.js';

/** lowerCondition returns a node that goes to `ifTrue` when the condition holds, else `ifFalse`. */
export function lowerCondition(g: Graph, condition: Condition, ifTrue: NodeId, ifFalse: NodeId): NodeId {
  switch (condition.kind) {
    case 'always':
      return condition.value ? ifTrue : ifFalse;
    case 'compare':
      return lowerCompare(g, condition, ifTrue, ifFalse);
    case 'not':
      return lowerCondition(g, condition.term, ifFalse, ifTrue);
    case 'and': {
      let next = ifTrue;
      for (let i = condition.terms.length - 1; i >= 0; i--) {
        next = lowerCondition(g, condition.terms[i]!, next, ifFalse);
      }
      return next;
    }
    case 'or':
      // An `||` is a first-match list whose alternatives all lead to ifTrue.
      return lowerFirstMatch(g, condition.terms.map((term) => ({ condition: term, target: ifTrue })), ifFalse);
  }
}

/** actionNode returns the return node of an action. */
export function actionNode(g: Graph, action: Action): NodeId {
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
}

function keyedRun(alternatives: readonly Alternative[], start: number): KeyedRun | undefined {
  const head = splitConjunction(alternatives[start]!.condition);
  if (head === undefined) return undefined;
  const arg = head.key.arg;
  const values: bigint[] = [head.key.value];
  let end = start + 1;
  while (end < alternatives.length) {
    const next = splitConjunction(alternatives[end]!.condition, arg);
    if (next === undefined || !switchable(arg, [...values, next.key.value])) break;
    values.push(next.key.value);
    end++;
  }
  return end - start >= 2 ? { arg, end } : undefined;
}

function lowerKeyedRun(g: Graph, run: KeyedRun, alternatives: readonly Alternative[], fallback: NodeId): NodeId {
  const byValue = new Map<bigint, Alternative[]>();
  for (const alternative of alternatives) {
    const { key, rest } = splitConjunction(alternative.condition, run.arg)!;
    byValue.set(key.value, [...(byValue.get(key.value) ?? []), { condition: and(...rest), target: alternative.target }]);
  }
  const cases = new Map<bigint, NodeId>();
  for (const [value, entries] of byValue) cases.set(value, lowerFirstMatch(g, entries, fallback));
  return switchOn(g, run.arg, cases, fallback);
}

/**
 * lowerFirstMatch returns a node that goes to the target of the first
 * alternative whose condition holds, or to `fallback` when none does.
 */
function lowerFirstMatch(g: Graph, alternatives: readonly Alternative[], fallback: NodeId): NodeId {
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
      next = lowerKeyedRun(g, run, alternatives.slice(start, run.end), next);
    } else {
      const alternative = alternatives[start]!;
      next = lowerCondition(g, alternative.condition, alternative.target, next);
    }
  }
  return next;
}

/**
 * lowerRules returns the decision for one syscall: its rules tried in order,
 * the first whose condition holds deciding, `fallback` when none does.
 */
export function lowerRules(g: Graph, rules: readonly Rule[], fallback: NodeId): NodeId {
  return lowerFirstMatch(
    g,
    rules.map((rule) => ({ condition: rule.condition, target: actionNode(g, rule.action) })),
    fallback,
  );
}
