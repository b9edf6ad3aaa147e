/**
 * Writing a bound rule model back as an OCI seccomp profile (`compile
 * --format oci`), with the meaning runc gives profiles.
 *
 * A profile has no first-match order: runc ORs the entries of a syscall, and
 * libseccomp lets an unconditional one win. So each rule's condition is
 * rewritten to hold only where no earlier rule with another action holds,
 * expanded into ANDs of comparisons with one comparison per argument (a
 * repeated index would make runc OR them), and the rules whose action is the
 * default are left out. What a profile cannot say is an OciExportError: trap
 * data, masked comparisons other than ==, rules that differ between arches
 * for one name, numbers without a name.
 */
import { archTable } from '../arch/index.js';
import { X32_SYSCALL_BIT } from '../bpf/seccomp.js';
import type { Action, ArchName, Compare, Comparison, Condition, Rule, RuleModel } from '../ir/model.js';
import { sameAction, widthMask } from '../ir/model.js';
import type { OciAction, OciArg, OciOperator } from './profile.js';
import { OCI_ARCHES } from './resolve.js';
import { implies, termsExclusive } from './rules.js';

/** OciExportError says why a model cannot be written as a profile. */
export class OciExportError extends Error {
  override readonly name = 'OciExportError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TERM_LIMIT = 256;
const NEGATION: Readonly<Record<Comparison, Comparison>> = { eq: 'ne', ne: 'eq', lt: 'ge', ge: 'lt', le: 'gt', gt: 'le' };
const OPERATOR: Readonly<Record<Comparison, OciOperator>> = {
  eq: 'SCMP_CMP_EQ',
  ne: 'SCMP_CMP_NE',
  lt: 'SCMP_CMP_LT',
  le: 'SCMP_CMP_LE',
  gt: 'SCMP_CMP_GT',
  ge: 'SCMP_CMP_GE',
};

/** A profile argument that remembers whether it compares a 32-bit argument. */
type WidthArg = OciArg & { readonly narrow?: true };

/** toArg writes one comparison as a profile argument, or throws where runc has no such comparison. */
function toArg(literal: Compare, where: string): WidthArg {
  const { index } = literal.arg;
  if (literal.mask === widthMask(literal.arg.width)) {
    const arg = { index, op: OPERATOR[literal.op], value: literal.value, valueTwo: 0n };
    return literal.arg.width === 32 ? { ...arg, narrow: true } : arg;
  }
  if (literal.op === 'eq') return { index, op: 'SCMP_CMP_MASKED_EQ', value: literal.mask, valueTwo: literal.value };
  const singleBit = literal.mask !== 0n && (literal.mask & (literal.mask - 1n)) === 0n;
  if (literal.op === 'ne' && singleBit && (literal.value === 0n || literal.value === literal.mask)) {
    return { index, op: 'SCMP_CMP_MASKED_EQ', value: literal.mask, valueTwo: literal.mask ^ literal.value };
  }
  throw new OciExportError('E_OCI_EXPORT', `${where}: a profile has only masked ==, not masked ${literal.op}`);
}

/** dnf expands a condition (negated when asked) into ORed ANDs of profile arguments. */
function dnf(condition: Condition, negated: boolean, where: string): OciArg[][] {
  switch (condition.kind) {
    case 'always':
      return condition.value !== negated ? [[]] : [];
    case 'compare':
      return [[toArg(negated ? { ...condition, op: NEGATION[condition.op] } : condition, where)]];
    case 'not':
      return dnf(condition.term, !negated, where);
    case 'and':
    case 'or': {
      const parts = condition.terms.map((term) => dnf(term, negated, where));
      return (condition.kind === 'and') !== negated ? product(parts, where) : parts.flat();
    }
  }
}

function product(parts: readonly OciArg[][][], where: string): OciArg[][] {
  let result: OciArg[][] = [[]];
  for (const part of parts) {
    const next: OciArg[][] = [];
    for (const left of result) {
      for (const right of part) {
        const merged = mergeTerm([...left, ...right]);
        if (merged !== null) next.push(merged);
      }
    }
    if (next.length > TERM_LIMIT) throw new OciExportError('E_OCI_EXPORT', `${where}: the rules expand past ${TERM_LIMIT} profile entries`);
    result = next;
  }
  return result;
}

/**
 * mergeTerm simplifies an AND of comparisons: duplicates and implied ones go,
 * an exclusive pair makes the term false (null). Comparisons of one argument
 * that neither settles stay; `oneEach` then checks none is left.
 */
function mergeTerm(term: readonly OciArg[]): OciArg[] | null {
  const kept: OciArg[] = [];
  for (const arg of term) {
    const same = kept.filter((candidate) => candidate.index === arg.index);
    if (same.some((other) => termsExclusive([other], [arg], 64))) return null;
    if (same.some((other) => implies(other, arg, 64))) continue;
    for (const weaker of same.filter((other) => implies(arg, other, 64))) kept.splice(kept.indexOf(weaker), 1);
    kept.push(arg);
  }
  return kept.sort((a, b) => a.index - b.index);
}

/** oneEach refuses a term with two comparisons of one argument: runc would OR them. */
function oneEach(term: readonly OciArg[], where: string): void {
  const indexes = term.map((arg) => arg.index);
  const repeated = indexes.find((index, position) => indexes.indexOf(index) !== position);
  if (repeated !== undefined) {
    throw new OciExportError('E_OCI_EXPORT', `${where}: two comparisons of arg${repeated} in one rule, which runc would OR`);
  }
}

/** The ORed terms per action for one syscall, first-match order folded in. */
function syscallGroups(rules: readonly Rule[], defaultAction: Action, where: string): { action: Action; terms: OciArg[][] }[] {
  const groups: { action: Action; terms: OciArg[][] }[] = [];
  const earlier: Rule[] = [];
  for (const rule of rules) {
    const blockers = earlier.filter((other) => !sameAction(other.action, rule.action)).map((other) => dnf(other.condition, true, where));
    const terms = product([dnf(rule.condition, false, where), ...blockers], where);
    earlier.push(rule);
    if (sameAction(rule.action, defaultAction) || terms.length === 0) continue;
    for (const term of terms) oneEach(term, where);
    const group = groups.find((candidate) => sameAction(candidate.action, rule.action));
    if (group) group.terms.push(...terms);
    else groups.push({ action: rule.action, terms });
  }
  for (const group of groups) if (group.terms.some((term) => term.length === 0)) group.terms = [[]];
  return groups;
}

/** ociActionOf writes a model action as a profile action with its errnoRet. */
function ociActionOf(chosen: Action, where: string): { action: OciAction; errnoRet?: number } {
  switch (chosen.kind) {
    case 'allow':
      return { action: 'SCMP_ACT_ALLOW' };
    case 'log':
      return { action: 'SCMP_ACT_LOG' };
    case 'notify':
      return { action: 'SCMP_ACT_NOTIFY' };
    case 'kill_thread':
      return { action: 'SCMP_ACT_KILL_THREAD' };
    case 'kill_process':
      return { action: 'SCMP_ACT_KILL_PROCESS' };
    case 'errno':
      return { action: 'SCMP_ACT_ERRNO', errnoRet: chosen.data };
    case 'trace':
      return { action: 'SCMP_ACT_TRACE', errnoRet: chosen.data };
    case 'trap':
      if (chosen.data !== 0) throw new OciExportError('E_OCI_EXPORT', `${where}: a profile's trap carries no data (trap(${chosen.data}))`);
      return { action: 'SCMP_ACT_TRAP' };
  }
}

/** One profile entry as JSON-ready data (values as numbers or, past 2^53, exact digits). */
interface EntryJson {
  names: string[];
  action: OciAction;
  errnoRet?: number;
  args?: { index: number; value: bigint; valueTwo: bigint; op: OciOperator }[];
}

/**
 * lowWord writes a plain `==` on a 32-bit argument as a masked `==` on its
 * low word: libseccomp compares all 64 bits, the kernel only the low 32, so
 * this way runc decides as our filter does even when the upper half holds
 * junk. (An ordering or `!=` has no masked form in a profile and stays a
 * 64-bit comparison.)
 */
function lowWord({ narrow, ...arg }: WidthArg): OciArg {
  if (narrow && arg.op === 'SCMP_CMP_EQ') return { index: arg.index, op: 'SCMP_CMP_MASKED_EQ', value: 0xffff_ffffn, valueTwo: arg.value };
  return arg;
}

function archEntries(model: RuleModel, arch: ArchName): Map<string, EntryJson[]> {
  const table = archTable(arch);
  const byName = new Map<string, EntryJson[]>();
  const archRules = model.arches.find((candidate) => candidate.arch === arch)!;
  for (const [nr, rules] of archRules.syscalls) {
    const where = `${arch} syscall ${arch === 'x32' ? `${nr & ~X32_SYSCALL_BIT} (x32)` : nr}`;
    const groups = syscallGroups(rules, model.defaultAction, where);
    if (groups.length === 0) continue;
    const name = table.byNumber.get(nr)?.name;
    if (name === undefined) throw new OciExportError('E_OCI_EXPORT', `${where} has no name, and a profile names syscalls`);
    byName.set(
      name,
      groups.flatMap(({ action: chosen, terms }) =>
        terms.map((term) => ({ names: [name], ...ociActionOf(chosen, where), ...(term.length > 0 ? { args: term.map(lowWord) } : {}) })),
      ),
    );
  }
  return byName;
}

/** exportOciProfile builds the profile for a model. Throws OciExportError. */
export function exportOciProfile(model: RuleModel): Record<string, unknown> {
  if (model.defaultAction.kind === 'notify') throw new OciExportError('E_OCI_EXPORT', 'runc refuses notify as the default action');
  const arches = model.arches.map((archRules) => archRules.arch);
  const perArch = new Map(arches.map((arch) => [arch, archEntries(model, arch)]));
  const chosen = new Map<string, EntryJson[]>();
  for (const arch of arches) {
    for (const [name, entries] of perArch.get(arch)!) {
      for (const other of arches) {
        if (!archTable(other).byName.has(name)) continue;
        const theirs = perArch.get(other)!.get(name) ?? [];
        if (stringify(theirs) !== stringify(entries)) {
          throw new OciExportError('E_OCI_EXPORT', `${name} has different rules on ${arch} and ${other}, and a profile's rules hold on every arch`);
        }
      }
      chosen.set(name, entries);
    }
  }
  const unconditional = new Map<string, EntryJson>();
  const conditional: EntryJson[] = [];
  for (const name of [...chosen.keys()].sort()) {
    for (const entry of chosen.get(name)!) {
      if (entry.args !== undefined) {
        conditional.push(entry);
        continue;
      }
      const key = `${entry.action}/${entry.errnoRet ?? ''}`;
      const shared = unconditional.get(key);
      if (shared) shared.names.push(name);
      else unconditional.set(key, { ...entry, names: [name] });
    }
  }
  const defaults = ociActionOf(model.defaultAction, 'default');
  return {
    defaultAction: defaults.action,
    ...(defaults.errnoRet === undefined ? {} : { defaultErrnoRet: defaults.errnoRet }),
    architectures: arches.map((arch) => Object.keys(OCI_ARCHES).find((key) => OCI_ARCHES[key] === arch)!),
    syscalls: [...unconditional.values(), ...conditional],
  };
}

function stringify(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? `${item}` : item));
}

/**
 * ociProfileText writes a model as profile JSON text (what `compile --format
 * oci` prints). Values beyond 2^53 are written as exact JSON integers.
 * Foreign arches get SCMP_ACT_KILL_THREAD under runc, whatever `badarch` says.
 */
export function ociProfileText(model: RuleModel): string {
  const marker = '#bigint:';
  const text = JSON.stringify(exportOciProfile(model), (_key, item: unknown) => (typeof item === 'bigint' ? `${marker}${item}` : item), 2);
  return `${text.replace(new RegExp(`"${marker}(\\d+)"`, 'g'), '$1')}\n`;
}
