/**
 * A check on libseccomp itself: build every rule of one syscall into a
 * filter of its own and OR their verdicts. A single rule leaves libseccomp
 * nothing to merge, so where the merged filter and the rules alone disagree,
 * the merge is at fault, not our reading of the model.
 */
import type { SeccompData } from '../../src/bpf/seccomp.js';
import { AuditArch } from '../../src/bpf/seccomp.js';
import { Emulator } from '../../src/bpf/index.js';
import type { LibseccompOptions } from '../support/libseccomp.js';
import { buildPlanWithLibseccomp } from '../support/libseccomp.js';
import type { LibseccompPlan } from '../support/libseccomp-plan.js';

/**
 * rulesAloneVerdict returns the ORed verdict of one-rule libseccomp filters
 * for the input's syscall, or undefined when the plan has no rule for it or
 * the one-rule filters disagree among themselves.
 */
export function rulesAloneVerdict(plan: LibseccompPlan, input: SeccompData, options: LibseccompOptions): number | undefined {
  const nr = input.nr >>> 0;
  const verdicts: { ret: number; action: number }[] = [];
  plan.arches.forEach((archPlan, archIndex) => {
    if (AuditArch[archPlan.arch] !== input.arch >>> 0) return;
    for (const single of archPlan.rules.filter((entry) => entry.nr === nr)) {
      const arches = plan.arches.map((other, index) => ({ arch: other.arch, rules: index === archIndex ? [single] : [] }));
      const bytes = buildPlanWithLibseccomp({ ...plan, arches }, options);
      verdicts.push({ ret: Emulator.create(bytes).run(input).ret, action: single.action });
    }
  });
  if (verdicts.length === 0) return undefined;
  const matched = verdicts.find((entry) => entry.ret === entry.action);
  if (matched !== undefined) return matched.ret;
  const first = verdicts[0]!.ret;
  return verdicts.every((entry) => entry.ret === first) ? first : undefined;
}
