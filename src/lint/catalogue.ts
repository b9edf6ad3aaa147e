/**
 * The lint rules: each has a stable id, a default severity, the group it
 * belongs to, a one-line summary, and whether it is exact or a heuristic.
 * docs/lint-rules.md describes each with a bad and a good example.
 */
import type { Span } from '../ir/model.js';

/** LintSeverity: errors fail `lint`; warnings fail it only with `--strict`. */
export type LintSeverity = 'error' | 'warning';

/** RULE_IDS lists every lint rule id. */
export const RULE_IDS = [
  'unpinned-io',
  'dangerous-syscall',
  'unchecked-clone',
  'exec-allowed',
  'executable-memory',
  'family-gap',
  'multiplexer-bypass',
  'shadowed-rule',
  'duplicate-rule',
  'action-equals-default',
  'condition-always-true',
  'condition-always-false',
  'pointer-argument',
  'negative-ordering',
  'value-too-wide',
  'permissive-default',
  'errno-default-fallback',
  'missing-exit-group',
  'unused-param',
  'unused-const',
  'syscall-missing-on-arch',
  'checker-warning',
  'filter-size',
  'synthetic-binding',
  'suppression-without-reason',
  'unknown-rule-suppressed',
  'unused-suppression',
] as const;

/** RuleId is the id of a lint rule. */
export type RuleId = (typeof RULE_IDS)[number];

/** RuleInfo describes one lint rule. */
export interface RuleInfo {
  readonly id: RuleId;
  readonly severity: LintSeverity;
  readonly group: 'io' | 'dangerous' | 'families' | 'dead' | 'defaults' | 'hygiene' | 'suppressions';
  readonly summary: string;
  /** Exact rules never misfire; heuristics can (docs/lint-rules.md says how). */
  readonly exact: boolean;
}

const info = (
  id: RuleId,
  severity: LintSeverity,
  group: RuleInfo['group'],
  exact: boolean,
  summary: string,
): RuleInfo => Object.freeze({ id, severity, group, exact, summary });

/** RULES maps each rule id to its description. */
export const RULES: ReadonlyMap<RuleId, RuleInfo> = new Map(
  [
    info('unpinned-io', 'warning', 'io', true, 'I/O syscall allowed on any fd instead of fds opened before the sandbox'),
    info('dangerous-syscall', 'error', 'dangerous', true, 'syscall that escapes or weakens the sandbox is allowed'),
    info('unchecked-clone', 'warning', 'dangerous', true, 'clone allowed without a condition on its flags, or clone3 allowed'),
    info('exec-allowed', 'warning', 'dangerous', true, 'execve or execveat is allowed'),
    info('executable-memory', 'warning', 'dangerous', false, 'mmap, mprotect or pkey_mprotect may set PROT_EXEC'),
    info('family-gap', 'warning', 'families', true, 'one member of a syscall family is denied while another stays allowed'),
    info('multiplexer-bypass', 'warning', 'families', true, 'socketcall or ipc stays allowed, making rules on socket or IPC calls moot'),
    info('shadowed-rule', 'warning', 'dead', false, 'an earlier rule always decides first, so this rule never applies'),
    info('duplicate-rule', 'warning', 'dead', false, 'the same rule is given twice'),
    info('action-equals-default', 'warning', 'dead', false, 'the rule gives the default action and overrides no later rule'),
    info('condition-always-true', 'warning', 'dead', false, 'a condition, or part of one, holds for every argument value'),
    info('condition-always-false', 'warning', 'dead', false, 'a condition, or part of one, holds for no argument value'),
    info('pointer-argument', 'warning', 'dead', true, 'a condition compares a pointer, whose target seccomp cannot read'),
    info('negative-ordering', 'warning', 'dead', true, 'an ordering comparison against a negative literal'),
    info('value-too-wide', 'warning', 'dead', true, 'a u64 param is compared with a 32-bit argument'),
    info('permissive-default', 'warning', 'defaults', true, 'the default action allows (allow or log)'),
    info('errno-default-fallback', 'warning', 'defaults', true, 'an errno default other than ENOSYS hides a syscall glibc falls back from only on ENOSYS'),
    info('missing-exit-group', 'warning', 'hygiene', true, 'exit_group is not allowed, so the program cannot exit cleanly'),
    info('unused-param', 'warning', 'hygiene', true, 'a param no rule uses'),
    info('unused-const', 'warning', 'hygiene', true, 'a const nothing uses'),
    info('syscall-missing-on-arch', 'warning', 'hygiene', true, 'a syscall missing on one of the policy’s arches'),
    info('checker-warning', 'warning', 'hygiene', true, 'another warning of the policy checker'),
    info('filter-size', 'warning', 'hygiene', false, 'the filter exceeds, or nears, the kernel’s instruction limits'),
    info('synthetic-binding', 'warning', 'hygiene', false, 'the rules that need bound params could not run'),
    info('suppression-without-reason', 'error', 'suppressions', true, 'a lint-disable comment gives no reason after `--`'),
    info('unknown-rule-suppressed', 'error', 'suppressions', true, 'a lint-disable comment names no known rule'),
    info('unused-suppression', 'warning', 'suppressions', true, 'a lint-disable comment suppresses nothing'),
  ].map((rule) => [rule.id, rule] as const),
);

/** Suppression is the comment that silenced a finding. */
export interface Suppression {
  readonly reason: string;
  readonly span: Span;
}

/** Finding is one lint result: a rule, a severity, a one-sentence message and a place. */
export interface Finding {
  readonly rule: RuleId;
  readonly severity: LintSeverity;
  readonly message: string;
  readonly span?: Span;
  /** The statement the finding is about, whose first line a suppression may also name. */
  readonly statement?: Span;
  /** Another place the finding involves (the earlier rule of a shadowed one); a suppression may name its line too. */
  readonly related?: Span;
  /** Present when a `lint-disable-next-line` comment silenced the finding. */
  readonly suppressed?: Suppression;
}

/** finding builds a Finding with the rule's default severity. */
export function finding(rule: RuleId, message: string, span?: Span, statement?: Span): Finding {
  const severity = RULES.get(rule)!.severity;
  const base: Finding = span ? { rule, severity, message, span } : { rule, severity, message };
  return Object.freeze(statement ? { ...base, statement } : base);
}
