/**
 * bind: a CheckedPolicy and param values to the RuleModel. Loops are
 * expanded in place and arithmetic evaluated; everything else was settled by
 * `check`, so this is one quick walk. Params that are right go through the
 * policy's compiled binder (binder.ts); the walk here, which reports every
 * problem, runs when that gives up.
 */
import { DiagnosticError, tooManyRules, type Diagnostic } from '../diagnostics.js';
import { RULE_COUNT_LIMIT } from '../check/limits.js';
import type { CheckedItem, CheckedPolicy, ParamValue } from '../check/checked.js';
import { binderOf } from './binder.js';
import { bindParams } from './bindParams.js';
import { instantiate, lookup, type Environment } from './instantiate.js';
import { rule, ruleModel, type ArchRules, type Rule, type RuleModel } from './model.js';

/** BindError lists every problem with the bindings or with arithmetic over them. */
export class BindError extends DiagnosticError {
  override readonly name = 'BindError';
}

/** The rules bound so far for one arch, and how many (bounded by RULE_COUNT_LIMIT). */
interface Bound {
  readonly rules: Map<number, Rule[]>;
  count: number;
}

// bindItems expands items into `bound`; it returns false, having reported
// E_RULE_COUNT, once the rules pass the limit (loops over long lists stop there).
function bindItems(
  items: readonly CheckedItem[],
  environment: Environment,
  bound: Bound,
  report: (diagnostic: Diagnostic) => void,
): boolean {
  const { rules } = bound;
  for (const item of items) {
    if (item.kind === 'for') {
      const list = lookup(item.list.slot, item.list.fields, environment);
      for (const element of list as readonly ParamValue[]) {
        environment[item.slot] = element;
        if (!bindItems(item.body, environment, bound, report)) return false;
      }
      environment[item.slot] = undefined;
      continue;
    }
    bound.count += item.numbers.length;
    if (bound.count > RULE_COUNT_LIMIT) {
      report(tooManyRules(RULE_COUNT_LIMIT, 'bound', item.span));
      return false;
    }
    const condition = instantiate(item.condition, environment, report);
    if (!condition) continue;
    const built = rule(item.action, condition, item.span);
    for (const number of item.numbers) {
      const list = rules.get(number);
      if (list) list.push(built);
      else rules.set(number, [built]);
    }
  }
  return true;
}

/**
 * bind gives a checked policy its param values and returns the rule model:
 * arches in filter order, each a map from syscall number (ascending) to its
 * rules in first-match order. Throws BindError listing every problem.
 *
 *     const model = bind(policy, { epoll: 4, nets: [], blocks: [{ fd: 6, block_size: 512, capacity: 4194304 }] });
 */
export function bind(policy: CheckedPolicy, params: Readonly<Record<string, unknown>> = {}): RuleModel {
  // The policy's compiled binder binds params that are right; this walk
  // runs when it gives up, to find and name every problem.
  return binderOf(policy)?.bind(params) ?? bindReporting(policy, params);
}

/** bindReporting binds by walking the templates, reporting every problem with its span. */
export function bindReporting(policy: CheckedPolicy, params: Readonly<Record<string, unknown>> = {}): RuleModel {
  const problems: Diagnostic[] = [];
  const seen = new Set<string>();
  const report = (diagnostic: Diagnostic) => {
    const key = `${diagnostic.code}|${diagnostic.message}|${diagnostic.span?.file}|${diagnostic.span?.start}`;
    if (!seen.has(key)) problems.push(diagnostic);
    seen.add(key);
  };
  const environment = bindParams(policy, params, report);
  if (problems.length > 0) throw new BindError(problems);
  const arches: ArchRules[] = policy.arches.map(({ arch, items }) => {
    const rules = new Map<number, Rule[]>();
    bindItems(items, environment, { rules, count: 0 }, report);
    const syscalls = new Map([...rules].sort(([a], [b]) => a - b).map(([number, list]) => [number, Object.freeze(list)]));
    return Object.freeze({ arch, syscalls });
  });
  if (problems.length > 0) throw new BindError(problems);
  return ruleModel({
    ...(policy.name === undefined ? {} : { name: policy.name }),
    defaultAction: policy.defaultAction,
    badArchAction: policy.badArchAction,
    arches,
  });
}
