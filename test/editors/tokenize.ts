/**
 * A small TextMate tokenizer for the grammar test: enough of the engine
 * (match and begin/end rules, captures, includes, one line at a time with a
 * rule stack carried across lines) to check the grammar's scopes with plain
 * JavaScript regular expressions. The grammar avoids Oniguruma-only syntax,
 * so every pattern compiles here as it does in VS Code.
 */

/** One rule of a TextMate grammar, as far as this tokenizer reads it. */
export interface GrammarRule {
  readonly name?: string;
  readonly match?: string;
  readonly begin?: string;
  readonly end?: string;
  readonly include?: string;
  readonly captures?: Readonly<Record<string, GrammarCapture>>;
  readonly beginCaptures?: Readonly<Record<string, GrammarCapture>>;
  readonly patterns?: readonly GrammarRule[];
}

interface GrammarCapture {
  readonly name?: string;
  readonly patterns?: readonly GrammarRule[];
}

/** A TextMate grammar file. */
export interface Grammar {
  readonly scopeName: string;
  readonly patterns: readonly GrammarRule[];
  readonly repository: Readonly<Record<string, GrammarRule>>;
}

/** One token: its text, place and scopes (innermost last). */
export interface Token {
  readonly line: number;
  readonly start: number;
  readonly text: string;
  readonly scopes: readonly string[];
}

const compiled = new Map<string, RegExp>();

/** regex compiles a grammar pattern once, global and with match indices. */
export function regex(source: string): RegExp {
  let found = compiled.get(source);
  if (found === undefined) {
    found = new RegExp(source, 'gd');
    compiled.set(source, found);
  }
  return found;
}

/** flatten resolves includes into the list of match and begin rules. */
function flatten(grammar: Grammar, rules: readonly GrammarRule[]): GrammarRule[] {
  return rules.flatMap((rule) => {
    if (rule.include !== undefined) return flatten(grammar, [grammar.repository[rule.include.replace(/^#/, '')]!]);
    if (rule.match === undefined && rule.begin === undefined) return flatten(grammar, rule.patterns ?? []);
    return [rule];
  });
}

interface Frame {
  readonly rule: GrammarRule;
  readonly scopes: readonly string[];
}

/** tokenizeLine scopes one line from a rule stack, updating the stack. */
function tokenizeLine(grammar: Grammar, text: string, line: number, stack: Frame[], tokens: Token[]): void {
  let position = 0;
  const emit = (start: number, end: number, scopes: readonly string[]) => {
    if (end > start) tokens.push({ line, start, text: text.slice(start, end), scopes });
  };
  while (position <= text.length) {
    const top = stack[stack.length - 1]!;
    const candidates: { rule: GrammarRule | undefined; pattern: string }[] = [];
    if (top.rule.end !== undefined) candidates.push({ rule: undefined, pattern: top.rule.end });
    for (const rule of flatten(grammar, top.rule.patterns ?? [])) candidates.push({ rule, pattern: rule.match ?? rule.begin! });
    let best: { rule: GrammarRule | undefined; match: RegExpExecArray } | undefined;
    for (const candidate of candidates) {
      const expression = regex(candidate.pattern);
      expression.lastIndex = position;
      const match = expression.exec(text);
      if (match !== null && (best === undefined || match.index < best.match.index)) best = { rule: candidate.rule, match };
    }
    if (best === undefined) {
      emit(position, text.length, top.scopes);
      return;
    }
    const { rule, match } = best;
    emit(position, match.index, top.scopes);
    const end = match.index + match[0].length;
    if (rule === undefined) {
      emit(match.index, end, top.scopes);
      stack.pop();
      position = end;
      continue;
    }
    const scopes = rule.name === undefined ? top.scopes : [...top.scopes, rule.name];
    emitCaptures(grammar, text, line, match, (rule.match !== undefined ? rule.captures : rule.beginCaptures) ?? {}, scopes, tokens);
    if (rule.begin !== undefined) stack.push({ rule, scopes });
    if (end === position && rule.begin === undefined) {
      emit(position, position + 1, top.scopes);
      position++;
    } else position = end;
  }
}

/** emitCaptures scopes a match: each capture by its name or its patterns, the rest by the rule's scopes. */
function emitCaptures(
  grammar: Grammar,
  text: string,
  line: number,
  match: RegExpExecArray,
  captures: Readonly<Record<string, GrammarCapture>>,
  scopes: readonly string[],
  tokens: Token[],
): void {
  let position = match.index;
  const end = match.index + match[0].length;
  const indices = match.indices!;
  for (let group = 1; group < indices.length; group++) {
    const span = indices[group];
    const capture = captures[String(group)];
    if (span === undefined || capture === undefined || span[0] < position) continue;
    if (span[0] > position) tokens.push({ line, start: position, text: text.slice(position, span[0]), scopes });
    const inner = capture.name === undefined ? scopes : [...scopes, capture.name];
    if (capture.patterns !== undefined) {
      const nested: Token[] = [];
      tokenizeLine(grammar, text.slice(span[0], span[1]), line, [{ rule: { patterns: capture.patterns }, scopes: inner }], nested);
      tokens.push(...nested.map((token) => ({ ...token, start: token.start + span[0] })));
    } else if (span[1] > span[0]) tokens.push({ line, start: span[0], text: text.slice(span[0], span[1]), scopes: inner });
    position = span[1];
  }
  if (end > position) tokens.push({ line, start: position, text: text.slice(position, end), scopes });
}

/** tokenize scopes a whole text, line by line. */
export function tokenize(grammar: Grammar, text: string): Token[] {
  const tokens: Token[] = [];
  const stack: Frame[] = [{ rule: { patterns: grammar.patterns }, scopes: [grammar.scopeName] }];
  text.split('\n').forEach((line, index) => tokenizeLine(grammar, line, index + 1, stack, tokens));
  return tokens;
}
