/**
 * The checked policy: every name resolved, every syscall numbered, per arch,
 * with only the values that depend on params left as templates. `bind` turns
 * it into a RuleModel by walking it once.
 */
import type { Action, ArchName, Argument, Comparison, Condition, Span } from '../ir/model.js';
import type { BinaryOperator, UnaryOperator } from '../syntax/ast.js';

/** ScalarTypeName is an integer param type. */
export type ScalarTypeName = 'fd' | 'u32' | 'u64';

/** ParamType is the type of a param, or of a part of one. */
export type ParamType =
  | { readonly kind: 'scalar'; readonly name: ScalarTypeName }
  | { readonly kind: 'list'; readonly element: ParamType }
  | { readonly kind: 'record'; readonly fields: ReadonlyMap<string, ParamType> };

/** ParamValue is a bound param value: an integer, a list, or a record (field name to value). */
export type ParamValue = bigint | readonly ParamValue[] | ReadonlyMap<string, ParamValue>;

/** CheckedParam is a declared param; its slot in the environment is its index in `CheckedPolicy.params`. */
export interface CheckedParam {
  readonly name: string;
  readonly type: ParamType;
  readonly defaultValue?: ParamValue;
  readonly span: Span;
}

/** SlotTemplate reads a slot of the environment (a param or a loop variable) and walks record fields. */
export interface SlotTemplate {
  readonly kind: 'slot';
  readonly slot: number;
  readonly fields: readonly string[];
  readonly span: Span;
}

/**
 * ValueTemplate is a value expression whose names are resolved: a folded
 * constant, a slot of the environment (a param or a loop variable, with
 * record fields), or arithmetic over those.
 */
export type ValueTemplate =
  | { readonly kind: 'constant'; readonly value: bigint; readonly span: Span }
  | SlotTemplate
  | {
      readonly kind: 'binary';
      readonly operator: BinaryOperator;
      readonly left: ValueTemplate;
      readonly right: ValueTemplate;
      readonly span: Span;
    }
  | { readonly kind: 'unary'; readonly operator: UnaryOperator; readonly operand: ValueTemplate; readonly span: Span };

/** ConditionTemplate is a condition over one syscall's arguments, with param-dependent values left open. */
export type ConditionTemplate =
  | { readonly kind: 'resolved'; readonly condition: Condition }
  | {
      readonly kind: 'compare';
      readonly arg: Argument;
      readonly op: Comparison;
      readonly value: ValueTemplate;
      readonly mask?: ValueTemplate;
      readonly span: Span;
    }
  | {
      readonly kind: 'set';
      readonly arg: Argument;
      readonly negated: boolean;
      readonly elements: readonly ValueTemplate[];
      readonly mask?: ValueTemplate;
      readonly span: Span;
    }
  | {
      readonly kind: 'list';
      readonly arg: Argument;
      readonly negated: boolean;
      readonly list: SlotTemplate;
      readonly mask?: ValueTemplate;
      readonly span: Span;
    }
  | { readonly kind: 'and' | 'or'; readonly terms: readonly ConditionTemplate[] }
  | { readonly kind: 'not'; readonly term: ConditionTemplate };

/** CheckedItem is one step of an arch's rule list: a rule for some syscalls, or a loop. */
export type CheckedItem =
  | {
      readonly kind: 'rule';
      readonly action: Action;
      /** Syscall numbers sharing this condition (same argument layout), in source order. */
      readonly numbers: readonly number[];
      readonly condition: ConditionTemplate;
      readonly span: Span;
    }
  | {
      readonly kind: 'for';
      /** The environment slot the loop variable occupies. */
      readonly slot: number;
      readonly list: SlotTemplate;
      readonly body: readonly CheckedItem[];
      readonly span: Span;
    };

/** CheckedArch is the rule list of one arch, in source order after `include` and `when`. */
export interface CheckedArch {
  readonly arch: ArchName;
  readonly items: readonly CheckedItem[];
}

/** CheckedPolicy is a policy that passed `check`: ready to bind. */
export interface CheckedPolicy {
  readonly name?: string;
  readonly defaultAction: Action;
  readonly badArchAction: Action;
  readonly params: readonly CheckedParam[];
  /** Environment size: params first, then one slot per loop. */
  readonly slotCount: number;
  /** In filter order: x86_64 first when present, then as declared. */
  readonly arches: readonly CheckedArch[];
}

/** describeType renders a param type as written in the language. */
export function describeType(type: ParamType): string {
  switch (type.kind) {
    case 'scalar':
      return type.name;
    case 'list':
      return `[${describeType(type.element)}]`;
    case 'record':
      return `{ ${[...type.fields].map(([name, field]) => `${name}: ${describeType(field)}`).join(', ')} }`;
  }
}

/** SCALAR_LIMITS gives the largest value of each integer param type (the smallest is 0). */
export const SCALAR_LIMITS: Readonly<Record<ScalarTypeName, bigint>> = {
  fd: 0x7fff_ffffn,
  u32: 0xffff_ffffn,
  u64: 0xffff_ffff_ffff_ffffn,
};
