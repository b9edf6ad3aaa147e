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
import { keyOf, MIN_SWITCH_VALUES, sameArgument, splitConjunction, switchable, switchOn } from './switch.js';

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
    case 'or': {
      const set = lowerSet(g, condition.terms, ifTrue, ifFalse);
      if (set !== undefined) return set;
      let next = ifFalse;
      for (let i = condition.terms.length - 1; i >= 0; i--) {
        next = lowerCondition(g, condition.terms[i]!, ifTrue, next);
      }
      return next;
    }
  }
}

/** actionNode returns the return node of an action. */
export function actionNode(g: Graph, action: Action): NodeId {
  return g.ret(encodeAction(action.kind, action.data));
}

/**
 * lowerSet decides `arg == v1 || arg == v2 || …` over many values with one
 * switch, or returns undefined when the terms are not such a set.
 */
function lowerSet(g: Graph, terms: readonly Condition[], ifTrue: NodeId, ifFalse: NodeId): NodeId | undefined {
  if (terms.length < MIN_SWITCH_VALUES) return undefined;
  const keys = terms.map(keyOf);
  const first = keys[0];
  if (first === undefined || keys.some((key) => key === undefined || !sameArgument(key.arg, first.arg))) return undefined;
  const values = keys.map((key) => key!.value);
  if (!switchable(first.arg, values)) return undefined;
  return switchOn(g, first.arg, new Map(values.map((value) => [value, ifTrue])), ifFalse);
}

/**
 * A run of consecutive rules that each require one argument to equal a
 * constant. A failed rule of the run falls to the next, whose own value then
 * cannot match, so the run is decided by a switch on the argument: each
 * value tries only its own rules, in order, and any other value skips the run.
 */
interface KeyedRun {
  readonly arg: Argument;
  readonly end: number;
}

function keyedRun(rules: readonly Rule[], start: number): KeyedRun | undefined {
  const head = splitConjunction(rules[start]!.condition);
  if (head === undefined) return undefined;
  const arg = head.key.arg;
  const values: bigint[] = [head.key.value];
  let end = start + 1;
  while (end < rules.length) {
    const next = splitConjunction(rules[end]!.condition, arg);
    if (next === undefined || !switchable(arg, [...values, next.key.value])) break;
    values.push(next.key.value);
    end++;
  }
  return new Set(values).size >= MIN_SWITCH_VALUES ? { arg, end } : undefined;
}

function lowerKeyedRun(g: Graph, rules: readonly Rule[], run: KeyedRun, fallback: NodeId): NodeId {
  const byValue = new Map<bigint, { action: Action; rest: Condition }[]>();
  for (const rule of rules) {
    const { key, rest } = splitConjunction(rule.condition, run.arg)!;
    byValue.set(key.value, [...(byValue.get(key.value) ?? []), { action: rule.action, rest: and(...rest) }]);
  }
  const cases = new Map<bigint, NodeId>();
  for (const [value, entries] of byValue) {
    let next = fallback;
    for (let i = entries.length - 1; i >= 0; i--) {
      next = lowerCondition(g, entries[i]!.rest, actionNode(g, entries[i]!.action), next);
    }
    cases.set(value, next);
  }
  return switchOn(g, run.arg, cases, fallback);
}

/**
 * lowerRules returns the decision for one syscall: its rules tried in order,
 * the first whose condition holds deciding, `fallback` when none does.
 */
export function lowerRules(g: Graph, rules: readonly Rule[], fallback: NodeId): NodeId {
  // Find the keyed runs first (front to back), then build back to front.
  const pieces: { start: number; run?: KeyedRun }[] = [];
  for (let i = 0; i < rules.length; ) {
    const run = keyedRun(rules, i);
    pieces.push(run ? { start: i, run } : { start: i });
    i = run ? run.end : i + 1;
  }
  let next = fallback;
  for (let p = pieces.length - 1; p >= 0; p--) {
    const { start, run } = pieces[p]!;
    if (run) {
      next = lowerKeyedRun(g, rules.slice(start, run.end), run, next);
    } else {
      const rule = rules[start]!;
      next = lowerCondition(g, rule.condition, actionNode(g, rule.action), next);
    }
  }
  return next;
}
