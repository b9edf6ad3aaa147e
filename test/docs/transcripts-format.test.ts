/**
 * The transcript reader and matcher the documentation tests rely on
 * (./transcripts.ts): commands, continuations, here-documents, and the `…`
 * wildcard.
 */
import { describe, expect, test } from 'vitest';
import { extractTranscripts, heredocTerminators, matchOutput, parseTranscript, splitLines } from './transcripts.js';

describe('parseTranscript', () => {
  test('splits commands and their expected output', () => {
    expect(parseTranscript(['$ echo a', 'a', '$ true', '$ printf "b\\nc\\n"', 'b', 'c'], 10)).toEqual([
      { line: 10, source: 'echo a', expected: ['a'] },
      { line: 12, source: 'true', expected: [] },
      { line: 13, source: 'printf "b\\nc\\n"', expected: ['b', 'c'] },
    ]);
  });

  test('joins continuation lines and takes here-documents whole, even lines that start with "$ "', () => {
    const commands = parseTranscript(['$ echo one \\', '    two', 'one two', "$ cat > f <<'EOF'", '$ not a command', 'EOF', '$ cat f', 'x'], 1);
    expect(commands.map((c) => c.source)).toEqual(['echo one \\\n    two', "cat > f <<'EOF'\n$ not a command\nEOF", 'cat f']);
    expect(commands.map((c) => c.expected)).toEqual([['one two'], [], ['x']]);
  });

  test('refuses output before the first command and unclosed here-documents', () => {
    expect(() => parseTranscript(['orphan'], 1)).toThrow(/must start with/);
    expect(() => parseTranscript(['$ cat <<EOF', 'text'], 1)).toThrow(/not closed/);
  });

  test('finds here-document terminators, quoted or not, with <<-', () => {
    expect(heredocTerminators(`cat <<'A' <<"B" <<-C <<D`)).toEqual([
      { word: 'A', stripTabs: false },
      { word: 'B', stripTabs: false },
      { word: 'C', stripTabs: true },
      { word: 'D', stripTabs: false },
    ]);
  });

  test('extractTranscripts reads only console blocks', () => {
    const markdown = ['```sh', '$ ignored', '```', '```console', '$ echo x', 'x', '```'].join('\n');
    expect(extractTranscripts(markdown)).toEqual([{ line: 4, commands: [{ line: 5, source: 'echo x', expected: ['x'] }] }]);
  });
});

describe('matchOutput', () => {
  test('matches exactly without a wildcard', () => {
    expect(matchOutput(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(matchOutput(['a', 'b'], ['a', 'c'])).toBe(false);
    expect(matchOutput(['a'], ['a', 'b'])).toBe(false);
    expect(matchOutput(['a', 'b'], ['a'])).toBe(false);
  });

  test('… matches any number of lines, none included', () => {
    expect(matchOutput(['a', '…', 'z'], ['a', 'z'])).toBe(true);
    expect(matchOutput(['a', '…', 'z'], ['a', 'b', 'c', 'z'])).toBe(true);
    expect(matchOutput(['a', '…', 'z'], ['a', 'b', 'c'])).toBe(false);
    expect(matchOutput(['…'], [])).toBe(true);
    expect(matchOutput(['…', 'x', '…'], ['a', 'x', 'b'])).toBe(true);
    expect(matchOutput(['…', 'x', '…'], ['a', 'b'])).toBe(false);
  });

  test('a … inside a line is literal', () => {
    expect(matchOutput(['fd == …'], ['fd == …'])).toBe(true);
    expect(matchOutput(['fd == …'], ['fd == 3'])).toBe(false);
  });

  test('trailing empty lines are not compared', () => {
    expect(matchOutput(['a', ''], ['a'])).toBe(true);
    expect(matchOutput(['a'], ['a', '', ''])).toBe(true);
    expect(matchOutput([''], [])).toBe(true);
  });

  test('splitLines drops only the empty string after a final newline', () => {
    expect(splitLines('')).toEqual([]);
    expect(splitLines('a\n')).toEqual(['a']);
    expect(splitLines('a\n\n')).toEqual(['a', '']);
    expect(splitLines('a')).toEqual(['a']);
  });
});
