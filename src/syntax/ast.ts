/**
 * The syntax tree of a policy, as written: nothing is resolved yet. Every
 * node carries the span (file and byte offsets) of the text it came from.
 */
import type { Span } from '../ir/model.js';

/** Identifier is a name as written, with its place. */
export interface Identifier {
  readonly name: string;
  readonly span: Span;
}

/** Program is one policy file (or, after loading, a file with its includes expanded). */
export interface Program {
  readonly kind: 'program';
  readonly statements: readonly TopStatement[];
  readonly span: Span;
}

/** TopStatement is anything allowed at the top level of a file. */
export type TopStatement =
  | PolicyDeclaration
  | ArchDeclaration
  | ParamDeclaration
  | ConstDeclaration
  | DefaultDeclaration
  | BadarchDeclaration
  | IncludeDeclaration
  | Statement;

/** Statement is what a block may hold: rules and nested blocks. */
export type Statement = RuleStatement | WhenBlock | ForBlock;

/** PolicyDeclaration is `policy NAME`. */
export interface PolicyDeclaration {
  readonly kind: 'policy';
  readonly name: Identifier;
  readonly span: Span;
}

/** ArchDeclaration is `arch A, B, …`. */
export interface ArchDeclaration {
  readonly kind: 'arch';
  readonly arches: readonly Identifier[];
  readonly span: Span;
}

/** ParamDeclaration is `param NAME: TYPE [= VALUE]`. */
export interface ParamDeclaration {
  readonly kind: 'param';
  readonly name: Identifier;
  readonly type: TypeNode;
  readonly defaultValue?: ValueNode;
  readonly span: Span;
}

/** ConstDeclaration is `const NAME = EXPR`. */
export interface ConstDeclaration {
  readonly kind: 'const';
  readonly name: Identifier;
  readonly value: Expression;
  readonly span: Span;
}

/** DefaultDeclaration is `default ACTION`. */
export interface DefaultDeclaration {
  readonly kind: 'default';
  readonly action: ActionNode;
  readonly span: Span;
}

/** BadarchDeclaration is `badarch ACTION`. */
export interface BadarchDeclaration {
  readonly kind: 'badarch';
  readonly action: ActionNode;
  readonly span: Span;
}

/** IncludeDeclaration is `include "PATH"`; `path` holds the unescaped text. */
export interface IncludeDeclaration {
  readonly kind: 'include';
  readonly path: string;
  readonly span: Span;
}

/** TypeNode is a param type: `fd`, `u32`, `u64`, `[T]` or `{ f: T, … }`. */
export type TypeNode =
  | { readonly kind: 'scalarType'; readonly name: Identifier; readonly span: Span }
  | { readonly kind: 'listType'; readonly element: TypeNode; readonly span: Span }
  | { readonly kind: 'recordType'; readonly fields: readonly FieldType[]; readonly span: Span };

/** FieldType is one `f: T` of a record type. */
export interface FieldType {
  readonly name: Identifier;
  readonly type: TypeNode;
  readonly span: Span;
}

/** ValueNode is a param default: an expression, a list `[…]` or a record `{ f: V, … }`. */
export type ValueNode =
  | Expression
  | { readonly kind: 'listValue'; readonly elements: readonly ValueNode[]; readonly span: Span }
  | { readonly kind: 'recordValue'; readonly fields: readonly FieldValue[]; readonly span: Span };

/** FieldValue is one `f: V` of a record value. */
export interface FieldValue {
  readonly name: Identifier;
  readonly value: ValueNode;
  readonly span: Span;
}

/** ActionNode is an action word with optional data: `errno(EPERM)`, `trap`, `allow`. */
export interface ActionNode {
  readonly kind: 'action';
  readonly name: Identifier;
  readonly data?: Expression;
  readonly span: Span;
}

/** WhenBlock is `when arch A, B { … }`. */
export interface WhenBlock {
  readonly kind: 'when';
  readonly arches: readonly Identifier[];
  readonly body: readonly Statement[];
  readonly span: Span;
}

/** ForBlock is `for X in LIST { … }`. */
export interface ForBlock {
  readonly kind: 'for';
  readonly variable: Identifier;
  readonly list: Reference;
  readonly body: readonly Statement[];
  readonly span: Span;
}

/** RuleStatement is `ACTION SYSCALL, … [where CONDITION]`. */
export interface RuleStatement {
  readonly kind: 'rule';
  readonly action: ActionNode;
  readonly syscalls: readonly SyscallReference[];
  readonly condition?: ConditionNode;
  readonly span: Span;
}

/** SyscallReference is a syscall by name or `syscall(N)`. */
export type SyscallReference =
  | { readonly kind: 'syscallName'; readonly name: Identifier; readonly span: Span }
  | { readonly kind: 'syscallNumber'; readonly number: Expression; readonly span: Span };

/** ComparisonOperator is one of the six comparison operators as written. */
export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** ConditionNode is a boolean condition as written. */
export type ConditionNode =
  | {
      readonly kind: 'logical';
      readonly operator: 'and' | 'or';
      readonly left: ConditionNode;
      readonly right: ConditionNode;
      readonly span: Span;
    }
  | { readonly kind: 'not'; readonly operand: ConditionNode; readonly span: Span }
  | {
      readonly kind: 'compare';
      readonly operator: ComparisonOperator;
      readonly left: Expression;
      readonly right: Expression;
      readonly span: Span;
    }
  | {
      readonly kind: 'membership';
      readonly negated: boolean;
      readonly subject: Expression;
      readonly collection: Collection;
      readonly span: Span;
    };

/** Collection is the right side of `in`: a literal set or a list param. */
export type Collection =
  | { readonly kind: 'set'; readonly elements: readonly Expression[]; readonly span: Span }
  | { readonly kind: 'list'; readonly reference: Reference; readonly span: Span };

/** BinaryOperator is an arithmetic or bitwise operator between two values. */
export type BinaryOperator = '|' | '^' | '&' | '<<' | '>>' | '+' | '-' | '*' | '/' | '%';

/** UnaryOperator is negation or bitwise complement. */
export type UnaryOperator = '-' | '~';

/** Reference is a name with optional record fields: `epoll`, `b.fd`. */
export interface Reference {
  readonly kind: 'reference';
  readonly name: Identifier;
  readonly fields: readonly Identifier[];
  readonly span: Span;
}

/** Expression is a value expression. */
export type Expression =
  | { readonly kind: 'integer'; readonly value: bigint; readonly span: Span }
  | Reference
  | {
      readonly kind: 'binary';
      readonly operator: BinaryOperator;
      readonly left: Expression;
      readonly right: Expression;
      readonly span: Span;
    }
  | { readonly kind: 'unary'; readonly operator: UnaryOperator; readonly operand: Expression; readonly span: Span };
