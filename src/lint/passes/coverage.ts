/**
 * What the policy decides for whole syscalls, judged on the checked policy:
 * family gaps, 32-bit multiplexers, the default action, errno defaults that
 * hide ENOSYS fallbacks, and exit_group.
 */
import { constantValue } from '../../arch/index.js';
import type { ArchName, Span } from '../../ir/model.js';
import { finding, type Finding } from '../catalogue.js';
import {
  checkedRules,
  declarationSpan,
  isAllowing,
  isUnconditional,
  syscallNumber,
  syscallSpan,
  spanKey,
  type CheckedRule,
  type LintContext,
} from '../context.js';
import { unique } from '../gather.js';
import { ENOSYS_FALLBACKS, FAMILIES, MULTIPLEXERS } from '../syscalls.js';

/** Decisions summarises, per arch and syscall number, the rules that name it. */
class Decisions {
  private readonly byArch = new Map<ArchName, Map<number, CheckedRule[]>>();

  constructor(readonly context: LintContext) {
    for (const rule of checkedRules(context.checked)) {
      let map = this.byArch.get(rule.arch);
      if (!map) this.byArch.set(rule.arch, (map = new Map()));
      for (const number of rule.item.numbers) map.set(number, [...(map.get(number) ?? []), rule]);
    }
  }

  rules(arch: ArchName, name: string): CheckedRule[] {
    const number = syscallNumber(arch, name);
    return number === undefined ? [] : (this.byArch.get(arch)?.get(number) ?? []);
  }

  get defaultAllows(): boolean {
    return isAllowing(this.context.checked.defaultAction);
  }

  /** open tells whether a syscall that exists on the arch can be allowed: by a rule, or by the default unless a rule refuses it. */
  open(arch: ArchName, name: string): boolean {
    if (syscallNumber(arch, name) === undefined) return false;
    const rules = this.rules(arch, name);
    if (rules.some((rule) => isAllowing(rule.item.action))) return true;
    return this.defaultAllows && rules.length === 0;
  }

  /** denial finds the first rule refusing the syscall for real (not errno(ENOSYS), which asks for a fallback). */
  denial(arch: ArchName, name: string): CheckedRule | undefined {
    const enosys = constantValue('ENOSYS', arch);
    return this.rules(arch, name).find(({ item }) => {
      const fallback = item.action.kind === 'errno' && BigInt(item.action.data) === enosys;
      return !isAllowing(item.action) && !fallback;
    });
  }
}

function familyGaps(decisions: Decisions): Finding[] {
  const found: Finding[] = [];
  for (const { arch } of decisions.context.checked.arches) {
    for (const [family, members] of FAMILIES) {
      for (const member of members) {
        const denial = decisions.denial(arch, member);
        if (!denial) continue;
        const open = members.filter((other) => other !== member && decisions.open(arch, other));
        if (open.length === 0) continue;
        const statement = decisions.context.statements.get(spanKey(denial.item.span));
        const at = syscallSpan(statement, member) ?? denial.item.span;
        const message = `this rule denies ${member}, but ${open.join(', ')} of the ${family} family stay${open.length === 1 ? 's' : ''} allowed`;
        found.push(finding('family-gap', message, at, denial.item.span));
      }
    }
  }
  return found;
}

function multiplexers(decisions: Decisions): Finding[] {
  const found: Finding[] = [];
  for (const { arch } of decisions.context.checked.arches) {
    for (const [multiplexer, reached] of MULTIPLEXERS) {
      if (!decisions.open(arch, multiplexer)) continue;
      for (const name of reached) {
        const judged = decisions
          .rules(arch, name)
          .find(({ item }) => !isAllowing(item.action) || item.condition.kind !== 'resolved' || !isUnconditional(item.condition.condition));
        if (!judged) continue;
        const message = `on ${arch}, ${multiplexer}() reaches ${name} with its arguments in memory, so this rule can be bypassed: deny ${multiplexer}`;
        const statement = decisions.context.statements.get(spanKey(judged.item.span));
        found.push(finding('multiplexer-bypass', message, syscallSpan(statement, name) ?? judged.item.span, judged.item.span));
      }
    }
  }
  return found;
}

function defaults(decisions: Decisions): Finding[] {
  const { context } = decisions;
  const found: Finding[] = [];
  const action = context.checked.defaultAction;
  const at: Span = declarationSpan(context, 'default');
  if (isAllowing(action)) {
    found.push(finding('permissive-default', `the default action is ${action.kind}: every syscall no rule names is allowed`, at, at));
  }
  for (const { arch } of context.checked.arches) {
    if (action.kind !== 'errno' || BigInt(action.data) === constantValue('ENOSYS', arch)) continue;
    for (const [newer, older] of ENOSYS_FALLBACKS) {
      if (syscallNumber(arch, newer) === undefined || decisions.rules(arch, newer).length > 0) continue;
      if (!decisions.rules(arch, older).some((rule) => isAllowing(rule.item.action))) continue;
      const message = `the errno default makes ${newer} fail with ${action.data}, but glibc falls back to ${older} only on ENOSYS: add errno(ENOSYS) ${newer}`;
      found.push(finding('errno-default-fallback', message, at, at));
    }
  }
  return found;
}

function exitGroup(decisions: Decisions): Finding[] {
  const { context } = decisions;
  const missing = context.checked.arches
    .map(({ arch }) => arch)
    .filter((arch) => syscallNumber(arch, 'exit_group') !== undefined && !decisions.open(arch, 'exit_group'));
  if (missing.length === 0) return [];
  const at = declarationSpan(context, context.program.statements.some((s) => s.kind === 'policy') ? 'policy' : 'default');
  const message = `exit_group is not allowed on ${missing.join(', ')}: the program cannot exit cleanly`;
  return [finding('missing-exit-group', message, at, at)];
}

/** coveragePass runs the rules about whole syscalls and the default. */
export function coveragePass(context: LintContext): Finding[] {
  const decisions = new Decisions(context);
  return unique([...familyGaps(decisions), ...multiplexers(decisions), ...defaults(decisions), ...exitGroup(decisions)]);
}

