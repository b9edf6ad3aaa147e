/**
 * Synthetic param values: lint binds a policy without knowing its real
 * params, so the rules that need concrete conditions (shadowing, pinned fds,
 * filter size) run on plausible stand-ins. Every scalar gets its own value,
 * far from the small numbers policies write literally (fd 1000 and up), lists
 * get two elements, and u64 values grow in declaration order so that
 * `capacity - block_size` does not underflow; a second plan uses other
 * values, and the passes keep only what both bindings agree on.
 */
import type { CheckedPolicy, ParamType } from '../check/checked.js';
import { bind } from '../ir/bind.js';
import type { RuleModel } from '../ir/model.js';
import { DiagnosticError } from '../diagnostics.js';

/** SyntheticPlan says how to make up values: the first fd, and the first and step of u32 and u64 values. */
interface SyntheticPlan {
  readonly fd: number;
  readonly u32: bigint;
  readonly u64: bigint;
  /** -1 makes u64 values shrink in declaration order instead of growing. */
  readonly direction: 1 | -1;
}

const PLANS: readonly SyntheticPlan[] = [
  { fd: 1000, u32: 0x1000n, u64: 0x1_0000_0000n, direction: 1 },
  { fd: 2000, u32: 0x2000n, u64: 0x10_0000_0000n, direction: 1 },
  { fd: 1000, u32: 0x1000n, u64: 0x1_0000_0000n, direction: -1 },
  { fd: 2000, u32: 0x2000n, u64: 0x10_0000_0000n, direction: -1 },
];

/** LIST_LENGTH is how many elements each synthetic list has. */
export const LIST_LENGTH = 2;

function makeValue(type: ParamType, plan: SyntheticPlan, counter: { next: number }): unknown {
  switch (type.kind) {
    case 'scalar': {
      const k = counter.next++;
      if (type.name === 'fd') return plan.fd + k;
      if (type.name === 'u32') return plan.u32 * BigInt(k + 1);
      const step = plan.direction === 1 ? BigInt(k + 1) : BigInt(64 - k);
      return plan.u64 * step;
    }
    case 'list':
      return Array.from({ length: LIST_LENGTH }, () => makeValue(type.element, plan, counter));
    case 'record':
      return Object.fromEntries([...type.fields].map(([name, field]) => [name, makeValue(field, plan, counter)]));
  }
}

/** syntheticBindings makes the param values of one plan (params with defaults keep them). */
function syntheticBindings(policy: CheckedPolicy, plan: SyntheticPlan): Record<string, unknown> {
  const counter = { next: 0 };
  const bindings: Record<string, unknown> = {};
  for (const param of policy.params) {
    if (param.defaultValue === undefined) bindings[param.name] = makeValue(param.type, plan, counter);
  }
  return bindings;
}

/** SyntheticModels holds up to two models bound with different synthetic values, or why none could be. */
export interface SyntheticModels {
  readonly models: readonly RuleModel[];
  readonly problem?: string;
}

/** bindSynthetic binds a checked policy with up to two synthetic plans that work. */
export function bindSynthetic(policy: CheckedPolicy): SyntheticModels {
  const models: RuleModel[] = [];
  let problem: string | undefined;
  for (const plan of PLANS) {
    if (models.length === 2) break;
    try {
      models.push(bind(policy, syntheticBindings(policy, plan)));
    } catch (error) {
      if (!(error instanceof DiagnosticError)) throw error;
      problem ??= error.diagnostics[0]?.message ?? error.message;
    }
  }
  return models.length > 0 || problem === undefined ? { models } : { models, problem };
}
