/**
 * Policy text for a hand-built x86_64 rule model, so the front end can be
 * timed on policies that have no file in policies/: each rule becomes one
 * line, in first-match order per syscall, with the kernel's argument names.
 */
import { archTable } from '../../src/arch/index.js';
import type { Action, Compare, Condition, RuleModel } from '../../src/ir/model.js';
import { widthMask } from '../../src/ir/model.js';

const OPERATOR: Readonly<Record<Compare['op'], string>> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };

/** actionText writes an action as the language spells it. */
export function actionText(chosen: Action): string {
  switch (chosen.kind) {
    case 'errno':
    case 'trace':
      return `${chosen.kind}(${chosen.data})`;
    case 'trap':
      return chosen.data === 0 ? 'trap' : `trap(${chosen.data})`;
    default:
      return chosen.kind;
  }
}

const hex = (value: bigint): string => (value < 10n ? String(value) : `0x${value.toString(16)}`);

/** conditionText writes a condition over the named arguments of syscall `nr`. */
export function conditionText(condition: Condition, nr: number): string {
  switch (condition.kind) {
    case 'always':
      return condition.value ? 'true' : 'false';
    case 'not':
      return `!(${conditionText(condition.term, nr)})`;
    case 'and':
    case 'or': {
      const joiner = condition.kind === 'and' ? ' && ' : ' || ';
      return `(${condition.terms.map((term) => conditionText(term, nr)).join(joiner)})`;
    }
    case 'compare': {
      const name = archTable('x86_64').byNumber.get(nr)?.args?.[condition.arg.index]?.name;
      if (name === undefined) throw new Error(`syscall ${nr} has no named argument ${condition.arg.index}`);
      const left = condition.mask === widthMask(condition.arg.width) ? name : `(${name} & ${hex(condition.mask)})`;
      return `${left} ${OPERATOR[condition.op]} ${hex(condition.value)}`;
    }
  }
}

/** policyText writes a single-arch x86_64 model as policy source. */
export function policyText(model: RuleModel): string {
  const [rules, ...others] = model.arches;
  if (!rules || rules.arch !== 'x86_64' || others.length > 0) throw new Error('policyText writes x86_64-only models');
  const nameOf = (nr: number) => archTable('x86_64').byNumber.get(nr)?.name ?? `syscall(${nr})`;
  const lines = [
    `policy ${(model.name ?? 'bench').replace(/[^A-Za-z0-9_]/g, '_')}`,
    `default ${actionText(model.defaultAction)}`,
    `badarch ${actionText(model.badArchAction)}`,
  ];
  const plain: string[] = [];
  const unconditional = (condition: Condition) => condition.kind === 'always' && condition.value;
  for (const [nr, list] of rules.syscalls) {
    if (list.length === 1 && list[0]!.action.kind === 'allow' && unconditional(list[0]!.condition)) {
      plain.push(nameOf(nr));
      continue;
    }
    for (const entry of list) {
      if (entry.condition.kind === 'always' && !entry.condition.value) continue;
      const where = unconditional(entry.condition) ? '' : ` where ${conditionText(entry.condition, nr)}`;
      lines.push(`${actionText(entry.action)} ${nameOf(nr)}${where}`);
    }
  }
  for (let start = 0; start < plain.length; start += 8) lines.push(`allow ${plain.slice(start, start + 8).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
