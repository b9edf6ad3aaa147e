/**
 * Dead rules of a bound model: rules an earlier rule always decides first
 * (shadowed), rules given twice (duplicates), and rules that only repeat the
 * default. Decided with the truth engine, on each synthetic model.
 */
import type { Action, Rule, RuleModel } from '../../ir/model.js';
import { and, or, sameAction, sameCondition } from '../../ir/model.js';
import { finding, type Finding } from '../catalogue.js';
import { lineOf, spanKey, syscallName, type LintContext } from '../context.js';
import { findWitness, holds, implies, satisfiable } from '../truth.js';

function describeAction(action: Action): string {
  return action.kind === 'errno' || action.kind === 'trap' || action.kind === 'trace'
    ? `${action.kind}(${action.data})`
    : action.kind;
}

// shadowers finds the earlier rules (of other statements) that together match
// every call `list[position]` matches, or undefined when there are none.
// A call the rule matches, found once per rule, shows at a glance that most
// other rules do not cover it; only the rest need the full search.
function shadowers(list: readonly Rule[], position: number, witness: bigint[] | undefined): Rule[] | undefined {
  const rule = list[position]!;
  const earlier = list.slice(0, position).filter((other) => other.span && rule.span && spanKey(other.span) !== spanKey(rule.span));
  const covering = earlier.filter((other) => witness === undefined || holds(other.condition, witness));
  if (covering.length === 0) return undefined;
  for (const other of covering) if (implies(rule.condition, other.condition) === 'yes') return [other];
  if (earlier.length > 1 && implies(rule.condition, or(...earlier.map((other) => other.condition))) === 'yes') return earlier;
  return undefined;
}

// overridesLater tells whether a rule decides some call a later rule with a
// different action would otherwise decide.
function overridesLater(list: readonly Rule[], position: number): boolean {
  const rule = list[position]!;
  return list
    .slice(position + 1)
    .some((later) => !sameAction(later.action, rule.action) && satisfiable(and(rule.condition, later.condition)) !== 'no');
}

/** deadPass finds shadowed, duplicate and default-repeating rules in one model. */
export function deadPass(context: LintContext, model: RuleModel): Finding[] {
  const found: Finding[] = [];
  const defaultAction = model.defaultAction;
  // Per statement: whether every instance of it repeats the default to no effect.
  const repeatsDefault = new Map<string, { span: NonNullable<Rule['span']>; always: boolean }>();
  for (const { arch, syscalls } of model.arches) {
    for (const [number, list] of syscalls) {
      const name = syscallName(arch, number) ?? `syscall(${number})`;
      list.forEach((rule, position) => {
        const span = rule.span;
        const witness = span && findWitness(rule.condition);
        if (!span || witness === undefined) return;
        const earlier = shadowers(list, position, witness === 'unknown' ? undefined : witness);
        if (earlier) {
          const first = earlier[0]!;
          const lines = [...earlier.slice(0, 5).map((other) => String(lineOf(other.span!, context.sources))), ...(earlier.length > 5 ? ['…'] : [])].join(', ');
          const duplicate =
            earlier.length === 1 && sameAction(first.action, rule.action) && sameCondition(first.condition, rule.condition);
          const plural = earlier.length > 1;
          const where = `${first.span!.file === span.file ? '' : `${first.span!.file}, `}line${plural ? 's' : ''} ${lines}`;
          const shadowed = finding(
            duplicate ? 'duplicate-rule' : 'shadowed-rule',
            duplicate
              ? `this rule repeats the rule at ${where} for ${name}`
              : `never decides ${name}: the rule${plural ? 's' : ''} at ${where} match${plural ? '' : 'es'} every such call first`,
            span,
            span,
          );
          found.push(Object.freeze({ ...shadowed, related: first.span! }));
          return;
        }
        const key = spanKey(span);
        const entry = repeatsDefault.get(key) ?? { span, always: true };
        entry.always &&= sameAction(rule.action, defaultAction) && !overridesLater(list, position);
        repeatsDefault.set(key, entry);
      });
    }
  }
  for (const { span, always } of repeatsDefault.values()) {
    if (always) {
      const message = `${describeAction(defaultAction)} is the default action, and this rule overrides no later rule: it changes nothing`;
      found.push(finding('action-equals-default', message, span, span));
    }
  }
  return found;
}
