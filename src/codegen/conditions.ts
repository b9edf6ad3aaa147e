/**
 * Conditions and rule lists lowered to the decision graph.
 *
 * `&&`, `||` and `!` become short-circuit control flow: no value is ever
 * computed, a condition only chooses between two continuations. A syscall's
 * rules become a chain in source order, each rule's failure falling to the
 * next and the last one's to the default action.
 */
import { encodeAction } from '../bpf/seccomp.js';
import type { Action, Condition, Rule } from '../ir/model.js';
import { lowerCompare } from './compare.js';
import type { Graph, NodeId } from './graph.js';

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
 * lowerRules returns the decision for one syscall: its rules tried in order,
 * the first whose condition holds deciding, `fallback` when none does.
 */
export function lowerRules(g: Graph, rules: readonly Rule[], fallback: NodeId): NodeId {
  let next = fallback;
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i]!;
    next = lowerCondition(g, rule.condition, actionNode(g, rule.action), next);
  }
  return next;
}
