/**
 * What runc asks of libseccomp for a resolved profile, and what libseccomp
 * then decides for each syscall of each arch.
 *
 * runc turns each entry into libseccomp rules: an entry whose action equals
 * the default is skipped; an entry without args is one unconditional rule;
 * an entry whose args use distinct indexes is one rule ANDing them; an entry
 * that repeats an index becomes one rule per comparison, so all of its
 * comparisons are ORed. libseccomp adds a rule to every arch of the filter
 * that knows the name (on i386 the socket and SysV IPC calls also through
 * `socketcall` and `ipc`, keyed on the call number in place of arg0, the
 * comparisons of other arguments kept on the multiplexer's registers).
 *
 * libseccomp then merges the rules of one syscall: the first unconditional
 * rule decides every call, whatever came before or after it; conditional
 * rules with one action are ORed. Conditional rules with different actions
 * are only well defined here when no call can satisfy two of them (their
 * outcome otherwise depends on libseccomp's tree layout), so overlapping ones
 * are refused.
 */
import { archTable } from '../arch/index.js';
import type { Action, ArchName } from '../ir/model.js';
import { action, sameAction } from '../ir/model.js';
import type { OciAction, OciArg } from './profile.js';
import { OciProfileError } from './profile.js';
import type { ResolvedProfile } from './resolve.js';
import { MULTIPLEXED } from './multiplexed.js';

/** One libseccomp rule: an action and the comparisons it ANDs (none: unconditional). */
export interface ScmpRule {
  readonly action: Action;
  readonly conditions: readonly OciArg[];
  /** The profile position of the entry it came from. */
  readonly position: number;
}

/** What libseccomp decides for one syscall on one arch. */
export type SyscallDecision =
  | { readonly kind: 'always'; readonly action: Action; readonly positions: readonly number[] }
  | { readonly kind: 'conditional'; readonly groups: readonly ActionGroup[] };

/** The ORed comparison sets (terms) that lead to one action. */
export interface ActionGroup {
  readonly action: Action;
  readonly terms: readonly (readonly OciArg[])[];
  readonly positions: readonly number[];
}

/**
 * ociAction turns a profile action into the model's, as runc does:
 * SCMP_ACT_KILL is kill_thread; errno without errnoRet is EPERM; trace
 * without errnoRet carries EPERM too. Throws for errno 0, which the language
 * cannot write (it makes the call return 0 without running).
 */
export function ociAction(name: OciAction, errnoRet: number | undefined, where: string): Action {
  switch (name) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return action('kill_thread');
    case 'SCMP_ACT_KILL_PROCESS':
      return action('kill_process');
    case 'SCMP_ACT_TRAP':
      return action('trap');
    case 'SCMP_ACT_ALLOW':
      return action('allow');
    case 'SCMP_ACT_LOG':
      return action('log');
    case 'SCMP_ACT_NOTIFY':
      return action('notify');
    case 'SCMP_ACT_TRACE':
      return action('trace', errnoRet ?? 1);
    case 'SCMP_ACT_ERRNO': {
      const errno = errnoRet ?? 1;
      if (errno < 1 || errno > 4095) {
        throw new OciProfileError('E_OCI_ERRNO', where, `errno ${errno} cannot be written as errno(N) (1..4095)`);
      }
      return action('errno', errno);
    }
  }
}

/** The libseccomp rules of one arch, by syscall name, in the order runc adds them. */
export type ArchRuleTable = ReadonlyMap<string, readonly ScmpRule[]>;

/** RuncRules is the outcome of runc's translation for every arch, and the names no arch knows. */
export interface RuncRules {
  readonly byArch: ReadonlyMap<ArchName, ArchRuleTable>;
  readonly unknownNames: readonly string[];
  readonly skippedAsDefault: number;
}

/** ruleConditions splits an entry's args into libseccomp rules as runc does (a repeated index ORs them all). */
export function ruleConditions(args: readonly OciArg[]): (readonly OciArg[])[] {
  if (args.length === 0) return [[]];
  const indexes = new Set(args.map((arg) => arg.index));
  return indexes.size === args.length ? [args] : args.map((arg) => [arg]);
}

/** runcRules collects the libseccomp rules runc adds for a resolved profile. */
export function runcRules(resolved: ResolvedProfile, defaultAction: Action): RuncRules {
  const tables = new Map<ArchName, Map<string, ScmpRule[]>>(resolved.arches.map((arch) => [arch, new Map()]));
  const unknown = new Set<string>();
  let skippedAsDefault = 0;
  const add = (arch: ArchName, name: string, rule: ScmpRule): void => {
    const table = tables.get(arch)!;
    const list = table.get(name);
    if (list) list.push(rule);
    else table.set(name, [rule]);
  };
  for (const { entry, position } of resolved.entries) {
    const chosen = ociAction(entry.action, entry.errnoRet, `syscalls[${position}]`);
    if (sameAction(chosen, defaultAction)) {
      skippedAsDefault++;
      continue;
    }
    for (const name of entry.names) {
      let known = false;
      for (const arch of resolved.arches) {
        const direct = archTable(arch).byName.has(name);
        const multiplexed = arch === 'i386' ? MULTIPLEXED.get(name) : undefined;
        known ||= direct || multiplexed !== undefined;
        for (const conditions of ruleConditions(entry.args)) {
          if (direct) add(arch, name, { action: chosen, conditions, position });
          if (multiplexed !== undefined) {
            const call: OciArg = { index: 0, op: 'SCMP_CMP_EQ', value: BigInt(multiplexed.call), valueTwo: 0n };
            // libseccomp keys the multiplexer on the call number in place of arg0 and keeps the other comparisons.
            const kept = conditions.filter((arg) => arg.index !== 0);
            add(arch, multiplexed.through, { action: chosen, conditions: [call, ...kept], position });
          }
        }
      }
      if (!known) unknown.add(name);
    }
  }
  return { byArch: tables, unknownNames: [...unknown].sort(), skippedAsDefault };
}

const U64 = 0xffff_ffff_ffff_ffffn;

/** The values a comparison admits, as sorted disjoint closed intervals, or undefined for a masked one. */
function intervals(arg: OciArg, top: bigint): [bigint, bigint][] | undefined {
  const value = arg.value & top;
  switch (arg.op) {
    case 'SCMP_CMP_EQ':
      return [[value, value]];
    case 'SCMP_CMP_NE':
      return [
        ...(value > 0n ? [[0n, value - 1n] as [bigint, bigint]] : []),
        ...(value < top ? [[value + 1n, top] as [bigint, bigint]] : []),
      ];
    case 'SCMP_CMP_LT':
      return value === 0n ? [] : [[0n, value - 1n]];
    case 'SCMP_CMP_LE':
      return [[0n, value]];
    case 'SCMP_CMP_GT':
      return value === top ? [] : [[value + 1n, top]];
    case 'SCMP_CMP_GE':
      return [[value, top]];
    case 'SCMP_CMP_MASKED_EQ':
      return undefined;
  }
}

/** exclusive says no value can satisfy both comparisons (of one argument), judged at `width` bits. */
function exclusive(a: OciArg, b: OciArg, width: 32 | 64): boolean {
  const top = width === 32 ? 0xffff_ffffn : U64;
  const masked = (arg: OciArg) => ({ mask: arg.value & top, want: arg.valueTwo & arg.value & top });
  if (a.op === 'SCMP_CMP_MASKED_EQ' && b.op === 'SCMP_CMP_MASKED_EQ') {
    const x = masked(a);
    const y = masked(b);
    const common = x.mask & y.mask;
    return (x.want & common) !== (y.want & common);
  }
  if (a.op === 'SCMP_CMP_MASKED_EQ' || b.op === 'SCMP_CMP_MASKED_EQ') {
    const [m, other] = a.op === 'SCMP_CMP_MASKED_EQ' ? [a, b] : [b, a];
    if (other.op !== 'SCMP_CMP_EQ') return false;
    const x = masked(m);
    return ((other.value & top) & x.mask) !== x.want;
  }
  const left = intervals(a, top)!;
  const right = intervals(b, top)!;
  return !left.some(([low, high]) => right.some(([otherLow, otherHigh]) => low <= otherHigh && otherLow <= high));
}

/** holdsFor says whether one value satisfies a comparison, judged at `width` bits. */
function holdsFor(arg: OciArg, value: bigint, width: 32 | 64): boolean {
  const top = width === 32 ? 0xffff_ffffn : U64;
  if (arg.op === 'SCMP_CMP_MASKED_EQ') return (value & arg.value & top) === (arg.valueTwo & arg.value & top);
  return intervals(arg, top)!.some(([low, high]) => low <= value && value <= high);
}

/**
 * implies says every value satisfying `a` satisfies `b` (one argument), as far
 * as cheaply provable: `a` an equality, or both plain comparisons whose value
 * sets nest.
 */
export function implies(a: OciArg, b: OciArg, width: 32 | 64): boolean {
  const top = width === 32 ? 0xffff_ffffn : U64;
  if (a.op === 'SCMP_CMP_EQ') return holdsFor(b, a.value & top, width);
  if (a.op === 'SCMP_CMP_MASKED_EQ' || b.op === 'SCMP_CMP_MASKED_EQ') return false;
  const outer = intervals(b, top)!;
  return intervals(a, top)!.every(([low, high]) => outer.some(([outerLow, outerHigh]) => outerLow <= low && high <= outerHigh));
}

/** termsExclusive says no call satisfies both ANDed comparison sets. */
export function termsExclusive(a: readonly OciArg[], b: readonly OciArg[], width: 32 | 64): boolean {
  return a.some((left) => b.some((right) => left.index === right.index && exclusive(left, right, width)));
}

function sameTerm(a: readonly OciArg[], b: readonly OciArg[]): boolean {
  const key = (term: readonly OciArg[]) =>
    term.map((arg) => `${arg.index}:${arg.op}:${arg.value}:${arg.valueTwo}`).sort().join('&');
  return key(a) === key(b);
}

/**
 * decideSyscall merges the rules of one syscall as libseccomp does. Throws
 * E_OCI_AMBIGUOUS when rules with different actions could both match a call.
 */
export function decideSyscall(name: string, arch: ArchName, rules: readonly ScmpRule[], width: 32 | 64): SyscallDecision {
  const unconditional = rules.find((rule) => rule.conditions.length === 0);
  if (unconditional !== undefined) {
    return { kind: 'always', action: unconditional.action, positions: rules.map((rule) => rule.position) };
  }
  const groups: { action: Action; terms: (readonly OciArg[])[]; positions: number[] }[] = [];
  for (const rule of rules) {
    let group = groups.find((candidate) => sameAction(candidate.action, rule.action));
    if (group === undefined) {
      group = { action: rule.action, terms: [], positions: [] };
      groups.push(group);
    }
    if (!group.positions.includes(rule.position)) group.positions.push(rule.position);
    if (!group.terms.some((term) => sameTerm(term, rule.conditions))) group.terms.push(rule.conditions);
  }
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      for (const left of groups[i]!.terms) {
        const clash = groups[j]!.terms.find((right) => !termsExclusive(left, right, width));
        if (clash === undefined) continue;
        const where = [...groups[i]!.positions, ...groups[j]!.positions].map((p) => `syscalls[${p}]`).join(', ');
        throw new OciProfileError(
          'E_OCI_AMBIGUOUS',
          where,
          `${name} on ${arch}: rules with different actions can match the same call; ` +
            'libseccomp decides such calls by the layout of its decision tree, so they have no one meaning to import',
        );
      }
    }
  }
  return { kind: 'conditional', groups };
}
