/**
 * JSON files the CLI reads (`--params FILE.json`, profiles to import): a
 * syntax error is shown like a policy error, with file:line:col, the line and
 * a caret, instead of JSON.parse's bare character position.
 */
import { positionOf } from '../diagnostics.js';

/**
 * jsonErrorFrame describes where JSON.parse failed on `text`, or returns
 * undefined when the error carries no position.
 */
export function jsonErrorFrame(file: string, text: string, error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const found = /at position (\d+)/.exec(message);
  // V8 gives a position for some errors only; find the others by scanning.
  const index = found ? Number(found[1]) : /Unexpected end of JSON input/.test(message) ? text.length : firstJsonError(text);
  if (index === undefined) return undefined;
  const { line, column, lineText } = positionOf(text, Buffer.byteLength(text.slice(0, index)));
  const reason = index >= text.length
    ? 'the JSON ends too soon'
    : message.replace(/ in JSON at position \d+.*$/s, '').replace(/, \.\.\..*$/s, '').replace(/ is not valid JSON$/, '');
  const gutter = String(line).length;
  return [
    `${file}:${line}:${column}: error[E_JSON]: ${reason}`,
    `  ${line} | ${lineText}`,
    `  ${' '.repeat(gutter)} | ${' '.repeat(Math.max(0, column - 1))}^`,
    '',
  ].join('\n');
}

/** parseJsonText parses JSON, or returns the framed error to show. */
export function parseJsonText(file: string, text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { error: jsonErrorFrame(file, text, error) ?? `${file}: error[E_JSON]: ${(error as Error).message}\n` };
  }
}

/**
 * firstJsonError returns the index of the first character at which `text`
 * stops being JSON, or undefined when it is JSON. A plain recursive-descent
 * scan, used only to place an error JSON.parse reported without a position.
 */
export function firstJsonError(text: string): number | undefined {
  let at = 0;
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, at)) at += word.length;
    else throw at;
  };
  const string = () => {
    literal('"');
    while (at < text.length && text[at] !== '"') {
      if (text[at]! < ' ') throw at;
      at += text[at] === '\\' ? 2 : 1;
    }
    literal('"');
  };
  const value = (): void => {
    space();
    const c = text[at];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      at++;
      space();
      if (text[at] === close) return void at++;
      for (;;) {
        if (c === '{') {
          space();
          string();
          space();
          literal(':');
        }
        value();
        space();
        if (text[at] === ',') at++;
        else return literal(close);
      }
    }
    if (c === '"') return string();
    const number = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(at));
    if (number) return void (at += number[0].length);
    for (const word of ['true', 'false', 'null']) if (text.startsWith(word, at)) return literal(word);
    throw at;
  };
  try {
    value();
    space();
    return at < text.length ? at : undefined;
  } catch (index) {
    return Math.min(index as number, text.length);
  }
}
