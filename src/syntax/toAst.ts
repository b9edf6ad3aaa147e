/**
 * The `toAst` semantics: turn an ohm match of grammar/policy.ohm into the
 * syntax tree of ast.ts. These actions build nodes and nothing else; names,
 * types and ranges are checked later, in src/check.
 */
import type { Grammar, Node, NonterminalNode, MatchResult } from 'ohm-js';
import type { PolicyActionDict, PolicyGrammar } from './generated/policy.ohm-bundle.js';
import grammarBundle from './generated/policy-grammar.js';
import type { Span } from '../ir/model.js';
import type * as Ast from './ast.js';

const typedGrammar = grammarBundle as PolicyGrammar;

/** policyGrammar is the compiled grammar of the policy language (grammar/policy.ohm). */
export const policyGrammar: Grammar = typedGrammar;

/** SpanMaker maps string indices of one source text to spans with byte offsets. */
export interface SpanMaker {
  span(startIndex: number, endIndex: number): Span;
}

/** spanMaker builds the index-to-byte mapping for one text (identity for ASCII). */
export function spanMaker(text: string, file: string): SpanMaker {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) {
    return { span: (start, end) => ({ file, start, end }) };
  }
  const byteAt = new Uint32Array(text.length + 1);
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    byteAt[index] = bytes;
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) bytes += 4; // high surrogate: the pair is 4 bytes
    else if (code >= 0xdc00 && code <= 0xdfff) bytes += 0; // low surrogate: counted with its pair
    else bytes += 3;
  }
  byteAt[text.length] = bytes;
  return { span: (start, end) => ({ file, start: byteAt[start]!, end: byteAt[end]! }) };
}

// The span maker of the parse in progress. Parsing is synchronous, so one
// module-level slot is enough; `buildAst` sets and clears it.
let currentSpans: SpanMaker | undefined;

function spanOf(node: Node): Span {
  if (!currentSpans) throw new Error('toAst used outside buildAst');
  return currentSpans.span(node.source.startIdx, node.source.endIdx);
}

function build<T>(node: Node): T {
  return (node as NonterminalNode)['toAst']() as T;
}

function buildList<T>(node: Node): T[] {
  return node.asIteration().children.map((child) => build<T>(child));
}

function buildOptional<T>(node: Node): T | undefined {
  const child = node.children[0];
  return child ? build<T>(child) : undefined;
}

function identifier(node: Node): Ast.Identifier {
  return { name: node.sourceString, span: spanOf(node) };
}

function binary(this: NonterminalNode, left: Node, operator: Node, right: Node): Ast.Expression {
  return {
    kind: 'binary',
    operator: operator.sourceString as Ast.BinaryOperator,
    left: build(left),
    right: build(right),
    span: spanOf(this),
  };
}

function passThrough(this: NonterminalNode, child: Node): unknown {
  return build(child);
}

const actions: PolicyActionDict<unknown> = {
  Program(statements) {
    return { kind: 'program', statements: statements.children.map((s) => build(s)), span: spanOf(this) };
  },
  PolicyDeclaration(_keyword, name) {
    return { kind: 'policy', name: identifier(name), span: spanOf(this) };
  },
  ArchDeclaration(_keyword, arches) {
    return { kind: 'arch', arches: arches.asIteration().children.map(identifier), span: spanOf(this) };
  },
  ParamDeclaration(_keyword, name, _colon, type, defaultValue) {
    const value = buildOptional<Ast.ValueNode>(defaultValue);
    const base = { kind: 'param', name: identifier(name), type: build<Ast.TypeNode>(type), span: spanOf(this) };
    return value ? { ...base, defaultValue: value } : base;
  },
  ParamDefault(_equals, value) {
    return build(value);
  },
  ConstDeclaration(_keyword, name, _equals, value) {
    return { kind: 'const', name: identifier(name), value: build(value), span: spanOf(this) };
  },
  DefaultDeclaration(_keyword, actionNode) {
    return { kind: 'default', action: build(actionNode), span: spanOf(this) };
  },
  BadarchDeclaration(_keyword, actionNode) {
    return { kind: 'badarch', action: build(actionNode), span: spanOf(this) };
  },
  IncludeDeclaration(_keyword, path) {
    return { kind: 'include', path: build(path), span: spanOf(this) };
  },
  Type_list(_open, element, _close) {
    return { kind: 'listType', element: build(element), span: spanOf(this) };
  },
  Type_record(_open, fields, _close) {
    return { kind: 'recordType', fields: buildList(fields), span: spanOf(this) };
  },
  Type_scalar(name) {
    return { kind: 'scalarType', name: identifier(name), span: spanOf(this) };
  },
  FieldType(name, _colon, type) {
    return { name: identifier(name), type: build(type), span: spanOf(this) };
  },
  Value_list(_open, elements, _close) {
    return { kind: 'listValue', elements: buildList(elements), span: spanOf(this) };
  },
  Value_record(_open, fields, _close) {
    return { kind: 'recordValue', fields: buildList(fields), span: spanOf(this) };
  },
  FieldValue(name, _colon, value) {
    return { name: identifier(name), value: build(value), span: spanOf(this) };
  },
  WhenBlock(_when, _arch, arches, body) {
    return { kind: 'when', arches: arches.asIteration().children.map(identifier), body: build(body), span: spanOf(this) };
  },
  ForBlock(_for, variable, _in, list, body) {
    return { kind: 'for', variable: identifier(variable), list: build(list), body: build(body), span: spanOf(this) };
  },
  Block(_open, statements, _close) {
    return statements.children.map((s) => build(s));
  },
  Rule(actionNode, syscalls, where) {
    const condition = buildOptional<Ast.ConditionNode>(where);
    const base = { kind: 'rule', action: build(actionNode), syscalls: buildList(syscalls), span: spanOf(this) };
    return condition ? { ...base, condition } : base;
  },
  WhereClause(_where, condition) {
    return build(condition);
  },
  Action(name, data) {
    const value = buildOptional<Ast.Expression>(data);
    const base = { kind: 'action', name: identifier(name), span: spanOf(this) };
    return value ? { ...base, data: value } : base;
  },
  ActionData(_open, value, _close) {
    return build(value);
  },
  SyscallReference_number(_keyword, _open, value, _close) {
    return { kind: 'syscallNumber', number: build(value), span: spanOf(this) };
  },
  SyscallReference_name(name) {
    return { kind: 'syscallName', name: identifier(name), span: spanOf(this) };
  },
  Condition_or(left, _operator, right) {
    return { kind: 'logical', operator: 'or', left: build(left), right: build(right), span: spanOf(this) };
  },
  Conjunction_and(left, _operator, right) {
    return { kind: 'logical', operator: 'and', left: build(left), right: build(right), span: spanOf(this) };
  },
  Negation_not(_operator, operand) {
    return { kind: 'not', operand: build(operand), span: spanOf(this) };
  },
  Test_notIn(subject, _not, _in, collection) {
    return { kind: 'membership', negated: true, subject: build(subject), collection: build(collection), span: spanOf(this) };
  },
  Test_in(subject, _in, collection) {
    return { kind: 'membership', negated: false, subject: build(subject), collection: build(collection), span: spanOf(this) };
  },
  Test_compare(left, operator, right) {
    return {
      kind: 'compare',
      operator: operator.sourceString as Ast.ComparisonOperator,
      left: build(left),
      right: build(right),
      span: spanOf(this),
    };
  },
  Test_paren(_open, condition, _close) {
    return build(condition);
  },
  Collection_set(_open, elements, _close) {
    return { kind: 'set', elements: buildList(elements), span: spanOf(this) };
  },
  Collection_list(reference) {
    return { kind: 'list', reference: build(reference), span: spanOf(this) };
  },
  BitOr_or: binary,
  BitXor_xor: binary,
  BitAnd_and: binary,
  Shift_left: binary,
  Shift_right: binary,
  Additive_add: binary,
  Additive_subtract: binary,
  Multiplicative_multiply: binary,
  Multiplicative_divide: binary,
  Multiplicative_remainder: binary,
  Unary_negate(_operator, operand) {
    return { kind: 'unary', operator: '-', operand: build(operand), span: spanOf(this) };
  },
  Unary_complement(_operator, operand) {
    return { kind: 'unary', operator: '~', operand: build(operand), span: spanOf(this) };
  },
  Primary_paren(_open, value, _close) {
    return build(value);
  },
  Primary_integer: passThrough,
  Primary_reference: passThrough,
  Reference(name, fields) {
    return {
      kind: 'reference',
      name: identifier(name),
      fields: fields.children.map((field) => identifier(field.child(1))),
      span: spanOf(this),
    };
  },
  integer(_form) {
    return { kind: 'integer', value: BigInt(this.sourceString.replaceAll('_', '')), span: spanOf(this) };
  },
  string(_open, characters, _close) {
    return characters.children.map((c) => build<string>(c)).join('');
  },
  stringCharacter_escaped(_backslash, character) {
    return character.sourceString;
  },
  stringCharacter_plain(character) {
    return character.sourceString;
  },
};

const semantics = typedGrammar.createSemantics().addOperation<unknown>('toAst', actions);

/** buildAst turns a successful match into a Program whose spans name `file`. */
export function buildAst(match: MatchResult, text: string, file: string): Ast.Program {
  currentSpans = spanMaker(text, file);
  try {
    return semantics(match)['toAst']() as Ast.Program;
  } finally {
    currentSpans = undefined;
  }
}
