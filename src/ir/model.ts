/**
 * The rule model: the one typed value between the front end (the policy
 * language, or code that builds it directly) and the code generator.
 *
 * Everything here is concrete: params are bound, loops expanded, arithmetic
 * evaluated. Values are built only through the factories in this file, which
 * validate and throw `ModelError`, so a model that exists is a valid one.
 * Every field is readonly. Conditions and rules are not also frozen at run
 * time: `bind` makes them by the hundred at every launch, and freezing cost
 * it about a third of its time; actions, arguments and whole models are.
 */
import type { ActionName } from '../bpf/seccomp.js';
import { MAX_ERRNO } from '../bpf/seccomp.js';

/** Architectures a filter can serve. */
export type ArchName = 'x86_64' | 'x32' | 'i386' | 'aarch64' | 'arm' | 'riscv64';

export const ARCH_NAMES: readonly ArchName[] = ['x86_64', 'x32', 'i386', 'aarch64', 'arm', 'riscv64'];

/** A place in a policy source: file path and byte offsets. */
export interface Span {
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

/** Raised when a factory is given something the model cannot hold. */
export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A filter verdict: an action and its 16-bit data. */
export interface Action {
  readonly kind: ActionName;
  readonly data: number;
}

const DATA_LIMIT: Readonly<Record<ActionName, number>> = {
  kill_process: 0,
  kill_thread: 0,
  allow: 0,
  log: 0,
  notify: 0,
  errno: MAX_ERRNO,
  trap: 0xffff,
  trace: 0xffff,
};

/** action builds a validated Action (errno 1..4095; trap and trace 0..65535; others no data). */
export function action(kind: ActionName, data = 0): Action {
  const limit = DATA_LIMIT[kind];
  const low = kind === 'errno' ? 1 : 0;
  if (!Number.isInteger(data) || data < low || data > limit) {
    throw new ModelError('E_ACTION_DATA', `${kind} takes data in ${low}..${limit}, not ${data}`);
  }
  return Object.freeze({ kind, data });
}

export function sameAction(a: Action, b: Action): boolean {
  return a.kind === b.kind && a.data === b.data;
}

/** Unsigned comparison operators. */
export type Comparison = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** An argument as the kernel reads it: position and width. */
export interface Argument {
  readonly index: number;
  readonly width: 32 | 64;
}

/** argument builds a validated Argument (index 0..5, width 32 or 64). */
export function argument(index: number, width: 32 | 64): Argument {
  if (!Number.isInteger(index) || index < 0 || index > 5) {
    throw new ModelError('E_ARG_INDEX', `argument index must be 0..5, not ${index}`);
  }
  if (width !== 32 && width !== 64) throw new ModelError('E_ARG_WIDTH', `argument width must be 32 or 64`);
  return Object.freeze({ index, width });
}

/** `(arg & mask) op value`, unsigned, on the argument's width. */
export interface Compare {
  readonly kind: 'compare';
  readonly arg: Argument;
  readonly op: Comparison;
  /** All ones of the width when the comparison is not masked. */
  readonly mask: bigint;
  readonly value: bigint;
}

export interface And {
  readonly kind: 'and';
  readonly terms: readonly Condition[];
}
export interface Or {
  readonly kind: 'or';
  readonly terms: readonly Condition[];
}
export interface Not {
  readonly kind: 'not';
  readonly term: Condition;
}
/** A constant truth value: `always(true)` is the condition of an unconditional rule. */
export interface Always {
  readonly kind: 'always';
  readonly value: boolean;
}

/** A boolean condition over the syscall's arguments. */
export type Condition = Compare | And | Or | Not | Always;

/** sameCondition tells whether two conditions are structurally equal: the same tree of the same comparisons. */
export function sameCondition(a: Condition, b: Condition): boolean {
  if (a === b) return true;
  switch (a.kind) {
    case 'compare':
      return (
        b.kind === 'compare' && a.op === b.op && a.value === b.value && a.mask === b.mask && a.arg.index === b.arg.index && a.arg.width === b.arg.width
      );
    case 'always':
      return b.kind === 'always' && a.value === b.value;
    case 'not':
      return b.kind === 'not' && sameCondition(a.term, b.term);
    case 'and':
    case 'or': {
      if (b.kind !== a.kind || a.terms.length !== b.terms.length) return false;
      for (let i = 0; i < a.terms.length; i++) if (!sameCondition(a.terms[i]!, b.terms[i]!)) return false;
      return true;
    }
  }
}

const MASK32 = 0xffff_ffffn;
const MASK64 = 0xffff_ffff_ffff_ffffn;

export function widthMask(width: 32 | 64): bigint {
  return width === 32 ? MASK32 : MASK64;
}

/**
 * compare builds a validated comparison. `value` and `mask` must fit the
 * argument's width (callers reduce negative literals first).
 */
export function compare(arg: Argument, op: Comparison, value: bigint, mask?: bigint): Compare {
  const full = widthMask(arg.width);
  const m = mask ?? full;
  if (value < 0n || value > full) {
    throw new ModelError('E_VALUE_WIDTH', `value ${value} does not fit a ${arg.width}-bit argument`);
  }
  if (m < 0n || m > full) throw new ModelError('E_MASK_WIDTH', `mask ${m} does not fit a ${arg.width}-bit argument`);
  return { kind: 'compare', arg, op, mask: m, value };
}

export const TRUE: Always = Object.freeze({ kind: 'always', value: true });
export const FALSE: Always = Object.freeze({ kind: 'always', value: false });

export function and(...terms: Condition[]): Condition {
  if (terms.length === 0) return TRUE;
  if (terms.length === 1) return terms[0]!;
  return { kind: 'and', terms };
}
export function or(...terms: Condition[]): Condition {
  if (terms.length === 0) return FALSE;
  if (terms.length === 1) return terms[0]!;
  return { kind: 'or', terms };
}
export function not(term: Condition): Condition {
  return { kind: 'not', term };
}

/** One rule for one syscall on one arch: the first rule whose condition holds decides. */
export interface Rule {
  readonly action: Action;
  readonly condition: Condition;
  /** Where the rule came from, for listings and lint; absent for built models. */
  readonly span?: Span;
}

export function rule(act: Action, condition: Condition = TRUE, span?: Span): Rule {
  return span ? { action: act, condition, span } : { action: act, condition };
}

/** The rules of one architecture: syscall number to its rules in first-match order. */
export interface ArchRules {
  readonly arch: ArchName;
  readonly syscalls: ReadonlyMap<number, readonly Rule[]>;
}

/** A whole filter: which arches, what happens by default, and the rules. */
export interface RuleModel {
  readonly name?: string;
  readonly defaultAction: Action;
  readonly badArchAction: Action;
  /** In the order the filter checks them. `x32` rules use numbers with the x32 bit set. */
  readonly arches: readonly ArchRules[];
}

/** ruleModel validates and freezes a model: arches distinct, numbers in range. */
export function ruleModel(model: RuleModel): RuleModel {
  const seen = new Set<ArchName>();
  for (const archRules of model.arches) {
    if (seen.has(archRules.arch)) throw new ModelError('E_DUPLICATE_ARCH', `arch ${archRules.arch} given twice`);
    seen.add(archRules.arch);
    for (const nr of archRules.syscalls.keys()) {
      if (!Number.isInteger(nr) || nr < 0 || nr > 0xffffffff) {
        throw new ModelError('E_SYSCALL_NUMBER', `syscall number ${nr} is not a 32-bit unsigned value`);
      }
    }
  }
  return Object.freeze({ ...model, arches: Object.freeze([...model.arches]) });
}
