/**
 * Parsing: policy text to syntax tree, or a `PolicySyntaxError` whose one
 * diagnostic says what was expected where.
 */
import { DiagnosticError, parserExhausted, syntaxError, type Diagnostic, type SourceTexts } from '../diagnostics.js';
import type { Program } from './ast.js';
import type { MatchResult } from 'ohm-js';
import { checkShapeLimits } from './limits.js';
import { buildAst, policyGrammar, spanMaker } from './toAst.js';

/** PolicySyntaxError is thrown by `parse` for text the grammar does not accept. */
export class PolicySyntaxError extends DiagnosticError {
  override readonly name = 'PolicySyntaxError';
  /** The diagnostic (code E_SYNTAX) with the position of the failure. */
  readonly diagnostic: Diagnostic;
  /** The text that failed, keyed by file, so the error can be printed alone. */
  readonly sources: SourceTexts;

  constructor(diagnostic: Diagnostic, sources: SourceTexts) {
    super([diagnostic]);
    this.diagnostic = diagnostic;
    this.sources = sources;
  }
}

/**
 * parse reads one policy file into its syntax tree. `file` names the text in
 * spans and messages. `include` statements are kept as they are (see
 * `loadPolicy` to expand them).
 *
 *     const program = parse('allow read where fd == 0', 'p.policy');
 */
export function parse(text: string, file: string): Program {
  const sources = new Map([[file, text]]);
  const tooDeep = checkShapeLimits(text, file);
  if (tooDeep) throw new PolicySyntaxError(tooDeep, sources);
  try {
    const match = policyGrammar.match(text);
    if (match.failed()) {
      let index = match.getRightmostFailurePosition();
      let expected = expectedText(match);
      // Only "end of input" means nothing here could start a statement.
      if (expected === 'end of input') expected = 'a declaration or a rule';
      // A policy cut short fails past its last line: point at where its text
      // ends instead of at an empty line after it.
      const end = text.trimEnd().length;
      if (index >= end && text.slice(end, index).includes('\n')) {
        index = end;
        expected += ' at the end of the file';
      }
      const span = spanMaker(text, file).span(index, index);
      throw new PolicySyntaxError(syntaxError(expected, span), sources);
    }
    return buildAst(match, text, file);
  } catch (error) {
    // The shape limits keep ordinary calls far from the stack's end; this
    // covers a parse begun with little stack left.
    if (!(error instanceof RangeError) || !error.message.includes('call stack')) throw error;
    throw new PolicySyntaxError(parserExhausted({ file, start: 0, end: 0 }), sources);
  }
}

// The part of ohm's failure record this module reads (present in ohm-js 17,
// absent from its type declarations).
interface FailureRecord {
  isFluffy(): boolean;
  toString(): string;
}

const GROUPS: readonly { readonly members: readonly string[]; readonly name: string; readonly least: number }[] = [
  {
    members: ['"policy"', '"arch"', '"param"', '"const"', '"default"', '"badarch"', '"include"'],
    name: 'a declaration',
    least: 7,
  },
  { members: ['an action', '"for"', '"when"'], name: 'a rule', least: 3 },
  {
    members: ['"|"', '"^"', '"&"', '"<<"', '">>"', '"+"', '"-"', '"*"', '"/"', '"%"', '"||"', '"or"', '"&&"', '"and"'],
    name: 'an operator',
    least: 3,
  },
  { members: ['"syscall"'], name: '', least: 1 },
];

// expectedText lists what the grammar would have accepted at the failure,
// with long families of keywords and operators folded into one phrase.
function expectedText(match: MatchResult): string {
  const failures = (match as unknown as { getRightmostFailures(): FailureRecord[] }).getRightmostFailures();
  let items = [...new Set(failures.filter((f) => !f.isFluffy()).map((f) => f.toString()))];
  for (const group of GROUPS) {
    const present = items.filter((item) => group.members.includes(item));
    if (present.length < group.least) continue;
    if (group.name === '' && !items.includes('a syscall name')) continue;
    const first = items.indexOf(present[0]!);
    items = items.filter((item) => !group.members.includes(item));
    if (group.name) items.splice(first, 0, group.name);
  }
  if (items.length <= 1) return items[0] ?? 'something else';
  return `${items.slice(0, -1).join(', ')}${items.length > 2 ? ',' : ''} or ${items[items.length - 1]}`;
}
