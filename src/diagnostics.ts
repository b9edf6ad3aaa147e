/**
 * Diagnostics: every message the front end gives about a policy, made by the
 * named factories below, plus the code that prints them with file:line:col,
 * the source line and a caret. Positions stay byte offsets (a `Span`) until
 * printing. docs/errors.md catalogues each code with an example and a fix.
 */
import type { Span } from './ir/model.js';

/** Severity of a diagnostic: errors stop compilation, warnings do not. */
export type Severity = 'error' | 'warning';

/** Diagnostic is one finding about a policy: a stable code, a one-sentence message, a place. */
export interface Diagnostic {
  readonly code: `E_${string}` | `W_${string}`;
  readonly severity: Severity;
  readonly message: string;
  readonly span?: Span;
}

function error(code: `E_${string}`, message: string, span?: Span): Diagnostic {
  return Object.freeze(span ? { code, severity: 'error', message, span } : { code, severity: 'error', message });
}

function warning(code: `W_${string}`, message: string, span?: Span): Diagnostic {
  return Object.freeze(span ? { code, severity: 'warning', message, span } : { code, severity: 'warning', message });
}

/** DiagnosticError is the base of the typed errors each stage throws: it carries all its diagnostics. */
export class DiagnosticError extends Error {
  constructor(
    readonly diagnostics: readonly Diagnostic[],
    options?: { cause?: unknown },
  ) {
    super(diagnostics.map((d) => `${d.code}: ${d.message}`).join('\n'), options);
  }
}

/** hasErrors tells whether any diagnostic is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

// ---- Syntax and include ----

/** syntaxError: the text does not follow the grammar (E_SYNTAX). */
export const syntaxError = (expected: string, span: Span) => error('E_SYNTAX', `expected ${expected}`, span);
/** includeCycle: a file includes itself, directly or not (E_INCLUDE_CYCLE). */
export const includeCycle = (path: string, span: Span) =>
  error('E_INCLUDE_CYCLE', `include of "${path}" forms a cycle`, span);
/** includeTooDeep: includes nest deeper than the limit (E_INCLUDE_DEPTH). */
export const includeTooDeep = (limit: number, span: Span) =>
  error('E_INCLUDE_DEPTH', `includes are nested more than ${limit} deep`, span);
/** includeUnreadable: the reader failed on an included file (E_INCLUDE_READ). */
export const includeUnreadable = (path: string, reason: string, span: Span) =>
  error('E_INCLUDE_READ', `cannot read included file "${path}": ${reason}`, span);
/** nestingTooDeep: brackets nest deeper than the limit (E_NESTING_DEPTH). */
export const nestingTooDeep = (limit: number, span: Span) =>
  error('E_NESTING_DEPTH', `brackets are nested more than ${limit} deep`, span);
/** parserExhausted: the text is too deeply nested for the parser's stack (E_NESTING_DEPTH). */
export const parserExhausted = (span: Span) =>
  error('E_NESTING_DEPTH', `the policy is nested too deeply to parse`, span);
/** expressionTooDeep: one expression stacks more operators than the limit (E_EXPRESSION_DEPTH). */
export const expressionTooDeep = (limit: number, span: Span) =>
  error('E_EXPRESSION_DEPTH', `an expression stacks more than ${limit} operators (split it, or use a set: x in { … })`, span);
/** tooManyRules: the policy has more rules than the limit, in the text or once loops are expanded (E_RULE_COUNT). */
export const tooManyRules = (limit: number, where: 'text' | 'bound', span: Span) =>
  error(
    'E_RULE_COUNT',
    where === 'text'
      ? `the policy has more than ${limit} rules`
      : `the policy expands to more than ${limit} rules for one architecture once its loops are bound`,
    span,
  );
/** includeNotLoaded: an include reached check without loadPolicy (E_INCLUDE_NOT_LOADED). */
export const includeNotLoaded = (path: string, span: Span) =>
  error('E_INCLUDE_NOT_LOADED', `include of "${path}" needs the policy to be read with loadPolicy`, span);

// ---- Declarations ----

/** duplicateDeclaration: `policy`, `arch`, `default` or `badarch` given twice (E_DUPLICATE_DECLARATION). */
export const duplicateDeclaration = (what: string, span: Span) =>
  error('E_DUPLICATE_DECLARATION', `\`${what}\` is declared more than once`, span);
/** unknownArch: an arch name the project has no tables for (E_UNKNOWN_ARCH). */
export const unknownArch = (name: string, known: readonly string[], span?: Span) =>
  error('E_UNKNOWN_ARCH', `unknown architecture ${name} (known: ${known.join(', ')})`, span);
/** duplicateArch: an arch listed twice (E_DUPLICATE_ARCH). */
export const duplicateArch = (name: string, span: Span) =>
  error('E_DUPLICATE_ARCH', `architecture ${name} is listed twice`, span);
/** archNotDeclared: the compile-time arch is outside the declared ones (E_ARCH_NOT_DECLARED). */
export const archNotDeclared = (name: string, declared: readonly string[], span?: Span) =>
  error('E_ARCH_NOT_DECLARED', `the policy serves ${declared.join(', ')}, not ${name}`, span);
/** whenArchNotInPolicy: `when arch` names an arch the policy does not serve (E_WHEN_ARCH). */
export const whenArchNotInPolicy = (name: string, arches: readonly string[], span: Span) =>
  error('E_WHEN_ARCH', `when arch ${name} names an architecture the policy does not serve (${arches.join(', ')})`, span);
/** duplicateName: a param, const or loop variable reuses a name (E_DUPLICATE_NAME). */
export const duplicateName = (name: string, span: Span) =>
  error('E_DUPLICATE_NAME', `the name ${name} is already defined`, span);
/** duplicateParam reports a param whose name is already taken. */
export const duplicateParam = duplicateName;
/** unknownType: a param type that is not fd, u32, u64, a list or a record (E_UNKNOWN_TYPE). */
export const unknownType = (name: string, span: Span) =>
  error('E_UNKNOWN_TYPE', `unknown type ${name} (use fd, u32, u64, [T] or { f: T })`, span);
/** duplicateField: a record type or value names a field twice (E_DUPLICATE_FIELD). */
export const duplicateField = (name: string, span: Span) =>
  error('E_DUPLICATE_FIELD', `field ${name} is given twice`, span);
/** constCycle: a const defined in terms of itself (E_CONST_CYCLE). */
export const constCycle = (name: string, span: Span) =>
  error('E_CONST_CYCLE', `const ${name} is defined in terms of itself`, span);
/** notConstant: a value that must be known without params uses one (E_NOT_CONSTANT). */
export const notConstant = (what: string, span: Span) =>
  error('E_NOT_CONSTANT', `${what} must be known without params`, span);
/** shadowsConstant: a param or const hides a kernel constant (W_SHADOWS_CONSTANT). */
export const shadowsConstant = (name: string, span: Span) =>
  warning('W_SHADOWS_CONSTANT', `${name} hides the kernel constant of the same name`, span);

// ---- Actions ----

/** actionDataMissing: errno or trace without data (E_ACTION_DATA). */
export const actionDataMissing = (action: string, span: Span) =>
  error('E_ACTION_DATA', `${action} needs data, as in ${action}(N)`, span);
/** actionDataUnexpected: data on an action that takes none (E_ACTION_DATA). */
export const actionDataUnexpected = (action: string, span: Span) =>
  error('E_ACTION_DATA', `${action} takes no data`, span);
/** actionDataRange: action data out of range (E_ACTION_DATA). */
export const actionDataRange = (action: string, value: bigint, low: number, high: number, span: Span) =>
  error('E_ACTION_DATA', `${action} data must be in ${low}..${high}, not ${value}`, span);

// ---- Syscalls ----

/** unknownSyscall: no arch the rule applies to has the syscall (E_UNKNOWN_SYSCALL). */
export const unknownSyscall = (name: string, arch: string, span: Span) =>
  error('E_UNKNOWN_SYSCALL', `unknown syscall ${name} on ${arch}`, span);
/** syscallMissingOnArch: the syscall is missing on one arch and skipped there (W_SYSCALL_MISSING). */
export const syscallMissingOnArch = (name: string, arch: string, span: Span) =>
  warning('W_SYSCALL_MISSING', `syscall ${name} does not exist on ${arch}; the rule is skipped there`, span);
/** syscallNumberRange: `syscall(N)` outside 32 bits (E_SYSCALL_NUMBER). */
export const syscallNumberRange = (value: bigint, span: Span) =>
  error('E_SYSCALL_NUMBER', `syscall number ${value} is not in 0..4294967295`, span);

// ---- Conditions and values ----

/** unknownArgument: a condition tests a name the syscall does not have (E_UNKNOWN_ARGUMENT). */
export const unknownArgument = (name: string, syscall: string, arch: string, span: Span) =>
  error('E_UNKNOWN_ARGUMENT', `${syscall} has no argument ${name} on ${arch}`, span);
/** argumentPastPrototype: `argN` beyond the prototype (E_ARG_PAST_PROTOTYPE). */
export const argumentPastPrototype = (name: string, syscall: string, count: number, span: Span) =>
  error(
    'E_ARG_PAST_PROTOTYPE',
    `${syscall} takes ${count} argument${count === 1 ? '' : 's'}, so ${name} is ignored by the kernel (use syscall(N) for raw registers)`,
    span,
  );
/** argumentInExpression: an argument inside arithmetic (E_ARG_EXPRESSION). */
export const argumentInExpression = (name: string, span: Span) =>
  error('E_ARG_EXPRESSION', `argument ${name} may only be compared alone or masked with &`, span);
/** twoArguments: a comparison between two arguments (E_ARG_EXPRESSION). */
export const twoArguments = (span: Span) =>
  error('E_ARG_EXPRESSION', `a comparison may test only one argument, against a value`, span);
/** noArgument: a comparison that tests no argument (E_NO_ARGUMENT). */
export const noArgument = (span: Span) =>
  error('E_NO_ARGUMENT', `this comparison does not test any syscall argument`, span);
/** unknownName: a value name that resolves to nothing (E_UNKNOWN_NAME). */
export const unknownName = (name: string, arch: string, span: Span) =>
  error('E_UNKNOWN_NAME', `unknown name ${name} on ${arch} (not an argument, param, const or kernel constant)`, span);
/** unknownConstant reports a name that resolves to nothing. */
export const unknownConstant = unknownName;
/** unknownField: a record has no such field (E_UNKNOWN_FIELD). */
export const unknownField = (field: string, type: string, span: Span) =>
  error('E_UNKNOWN_FIELD', `${type} has no field ${field}`, span);
/** typeMismatch: a value of the wrong shape (E_TYPE_MISMATCH). */
export const typeMismatch = (expected: string, actual: string, span: Span) =>
  error('E_TYPE_MISMATCH', `expected ${expected}, found ${actual}`, span);
/** integerTooLarge: a literal above 2^64-1 (E_INTEGER_RANGE). */
export const integerTooLarge = (span: Span) =>
  error('E_INTEGER_RANGE', `integer does not fit 64 bits`, span);
/** valueTooWide: a value that does not fit its argument (E_VALUE_WIDTH). */
export const valueTooWide = (value: bigint, width: number, span: Span) =>
  error('E_VALUE_WIDTH', `value ${value} does not fit a ${width}-bit argument`, span);
/** overflow: arithmetic above 2^64-1 (E_OVERFLOW). */
export const overflow = (span: Span) => error('E_OVERFLOW', `arithmetic overflows 64 bits`, span);
/** underflow: arithmetic below zero (E_UNDERFLOW). */
export const underflow = (span: Span) => error('E_UNDERFLOW', `arithmetic goes below zero`, span);
/** divisionByZero: `/` or `%` by zero (E_DIVISION_BY_ZERO). */
export const divisionByZero = (span: Span) => error('E_DIVISION_BY_ZERO', `division by zero`, span);
/** shiftRange: a shift count outside 0..63 (E_SHIFT_RANGE). */
export const shiftRange = (count: bigint, span: Span) =>
  error('E_SHIFT_RANGE', `shift count ${count} is not in 0..63`, span);

// ---- Binding ----

/** missingParam: a param with neither a value nor a default (E_MISSING_PARAM). */
export const missingParam = (name: string, span: Span) =>
  error('E_MISSING_PARAM', `param ${name} has no value and no default`, span);
/** unknownParam: a binding for a param the policy lacks (E_UNKNOWN_PARAM). */
export const unknownParam = (name: string) => error('E_UNKNOWN_PARAM', `the policy has no param ${name}`);
/** paramType: a bound value of the wrong shape (E_PARAM_TYPE). */
export const paramType = (path: string, expected: string, span: Span) =>
  error('E_PARAM_TYPE', `param ${path} must be ${expected}`, span);
/** paramField: a bound record with a field its type lacks (E_PARAM_TYPE). */
export const paramField = (path: string, field: string, span: Span) =>
  error('E_PARAM_TYPE', `param ${path} has no field ${field}`, span);
/** paramRange: an integer outside its param type (E_PARAM_RANGE). */
export const paramRange = (path: string, type: string, value: string, span: Span) =>
  error('E_PARAM_RANGE', `param ${path} is ${value}, outside the range of ${type}`, span);

// ---- Printing ----

/** SourceTexts maps each file name of a span to the text it was parsed from. */
export type SourceTexts = ReadonlyMap<string, string>;

/** Position is a 1-based line and column (in characters), with the text of that line. */
export interface Position {
  readonly line: number;
  readonly column: number;
  readonly lineText: string;
}

/** positionOf turns a byte offset of `text` into its line, column and line text. */
export function positionOf(text: string, byteOffset: number): Position {
  const index = stringIndex(text, byteOffset);
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  let lineEnd = text.indexOf('\n', index);
  if (lineEnd < 0) lineEnd = text.length;
  let line = 1;
  for (let at = text.indexOf('\n'); at >= 0 && at < lineStart; at = text.indexOf('\n', at + 1)) line++;
  const column = [...text.slice(lineStart, index)].length + 1;
  return { line, column, lineText: text.slice(lineStart, lineEnd).replace(/\r$/, '') };
}

// stringIndex finds the UTF-16 index of a UTF-8 byte offset.
function stringIndex(text: string, byteOffset: number): number {
  let bytes = 0;
  let index = 0;
  while (index < text.length && bytes < byteOffset) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      index++;
    } else bytes += 3;
    index++;
  }
  return Math.min(index, text.length);
}

/** shortMessage renders `file:line:col: message` (or just the message without a known place). */
export function shortMessage(diagnostic: Diagnostic, sources: SourceTexts): string {
  return `${place(diagnostic.span, sources)}${diagnostic.message}`;
}

function place(span: Span | undefined, sources: SourceTexts): string {
  if (!span) return '';
  const text = sources.get(span.file);
  if (text === undefined) return `${span.file}: `;
  const { line, column } = positionOf(text, span.start);
  return `${span.file}:${line}:${column}: `;
}

/** FormatOptions: `color` adds ANSI colours for terminals. */
export interface FormatOptions {
  readonly color?: boolean;
}

/**
 * formatDiagnostic renders a diagnostic for people:
 *
 *     p.policy:2:7: error[E_UNKNOWN_SYSCALL]: unknown syscall reed on x86_64
 *         2 | allow reed
 *           |       ^~~~
 */
export function formatDiagnostic(diagnostic: Diagnostic, sources: SourceTexts, options: FormatOptions = {}): string {
  const paint = (code: string, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const label = paint(diagnostic.severity === 'error' ? '1;31' : '1;33', `${diagnostic.severity}[${diagnostic.code}]`);
  const head = `${place(diagnostic.span, sources)}${label}: ${paint('1', diagnostic.message)}`;
  const span = diagnostic.span;
  const text = span ? sources.get(span.file) : undefined;
  if (!span || text === undefined) return head;
  const start = positionOf(text, span.start);
  const end = positionOf(text, Math.max(span.start, span.end));
  const lineLength = [...start.lineText].length;
  const width = Math.max(1, end.line === start.line ? end.column - start.column : lineLength - start.column + 1);
  const gutter = String(start.line);
  const pad = ' '.repeat(gutter.length);
  const lead = [...start.lineText].slice(0, start.column - 1).map((c) => (c === '\t' ? '\t' : ' ')).join('');
  const caret = paint(diagnostic.severity === 'error' ? '1;31' : '1;33', `^${'~'.repeat(width - 1)}`);
  return `${head}\n  ${gutter} | ${start.lineText}\n  ${pad} | ${lead}${caret}`;
}

/** formatDiagnostics renders several diagnostics, one block each. */
export function formatDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: SourceTexts,
  options: FormatOptions = {},
): string {
  return diagnostics.map((d) => formatDiagnostic(d, sources, options)).join('\n');
}
