/**
 * bind: a CheckedPolicy and param values to the RuleModel. Loops are
 * expanded in place and arithmetic evaluated; everything else was settled by
 * `check`, so this is one quick walk.
 */
import { DiagnosticError, type Diagnostic } from '../diagnostics.js';
import type { CheckedItem, CheckedPolicy, ParamValue } from '../check/checked.js';
import { bindParams } from './bindParams.js';
import { instantiate, lookup, type Environment } from './instantiate.js';
import { rule, ruleModel, type ArchRules, type Rule, type RuleModel } from './model.js';

/** BindError lists every problem with the bindings or with arithmetic over them. */
export class BindError extends DiagnosticError {
  override readonly name = 'BindError';
}

function bindItems(
  items: readonly CheckedItem[],
  environment: Environment,
  rules: Map<number, Rule[]>,
  report: (diagnostic: Diagnostic) => void,
): void {
  for (const item of items) {
    if (item.kind === 'for') {
      const list = lookup(item.list.slot, item.list.fields, environment);
      for (const element of list as readonly ParamValue[]) {
        environment[item.slot] = element;
        bindItems(item.body, environment, rules, report);
      }
      environment[item.slot] = undefined;
      continue;
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
}

/**
 * bind gives a checked policy its param values and returns the rule model:
 * arches in filter order, each a map from syscall number (ascending) to its
 * rules in first-match order. Throws BindError listing every problem.
 *
 *     const model = bind(policy, { epoll: 4, nets: [], blocks: [{ fd: 6, block_size: 512, capacity: 4194304 }] });
 */
export function bind(policy: CheckedPolicy, params: Readonly<Record<string, unknown>> = {}): RuleModel {
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
    bindItems(items, environment, rules, report);
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
