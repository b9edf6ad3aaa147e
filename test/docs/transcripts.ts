/**
 * Shell transcripts in Markdown: the fenced ```console blocks of a document,
 * read as commands and the output each is expected to print.
 *
 *     ```console
 *     $ nabla-seccomp simulate spt.bpf --arch x86_64 --syscall write --args 2
 *     write(0x2) on x86_64: kill_process  [ret 0x80000000, 8 instructions]
 *     $ nabla-seccomp lint loose.policy --strict; echo "exit $?"
 *     …
 *     exit 1
 *     ```
 *
 * A line starting with `$ ` is a command. A command continues on the next
 * line while its last line ends with `\`, and a here-document (`<<'EOF'`)
 * takes the lines up to its terminator. The lines after a command, up to the
 * next `$ ` line or the end of the block, are what it prints on stdout and
 * stderr together, exactly, except that a line holding only `…` matches any
 * number of lines (none included). Empty lines at the end of an output are
 * not compared. A command must exit 0: one that is expected to fail shows its
 * status in its output (`; echo "exit $?"`).
 */

/** TranscriptCommand is one `$ ` command of a transcript with its expected output. */
export interface TranscriptCommand {
  /** The 1-based line of the `$ ` line in the document. */
  readonly line: number;
  /** The shell source: the command without its `$ `, with continuation and here-document lines. */
  readonly source: string;
  /** The expected output lines (`…` is a wildcard line). */
  readonly expected: readonly string[];
}

/** Transcript is one ```console block. */
export interface Transcript {
  /** The 1-based line of the opening fence. */
  readonly line: number;
  readonly commands: readonly TranscriptCommand[];
}

/** WILDCARD is the output line that matches any number of lines. */
export const WILDCARD = '…';

const HEREDOC = /<<(-?)\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

/** heredocTerminators lists the terminators of the here-documents a command line opens, in order. */
export function heredocTerminators(line: string): { word: string; stripTabs: boolean }[] {
  return [...line.matchAll(HEREDOC)].map((match) => ({ word: match[3]!, stripTabs: match[1] === '-' }));
}

/** parseTranscript reads the lines of one ```console block (without its fences). */
export function parseTranscript(lines: readonly string[], firstLine: number): TranscriptCommand[] {
  const commands: { line: number; source: string[]; expected: string[] }[] = [];
  let index = 0;
  while (index < lines.length) {
    const text = lines[index]!;
    if (!text.startsWith('$ ')) {
      const current = commands[commands.length - 1];
      if (current === undefined) throw new Error(`line ${firstLine + index}: a console block must start with a "$ " command`);
      current.expected.push(text);
      index++;
      continue;
    }
    const source = [text.slice(2)];
    const line = firstLine + index;
    index++;
    while (source[source.length - 1]!.endsWith('\\')) {
      if (index >= lines.length) throw new Error(`line ${line}: the command continues past the end of its block`);
      source.push(lines[index++]!);
    }
    for (const { word, stripTabs } of source.flatMap(heredocTerminators)) {
      for (;;) {
        if (index >= lines.length) throw new Error(`line ${line}: here-document ${word} is not closed in its block`);
        const body = lines[index++]!;
        source.push(body);
        if ((stripTabs ? body.replace(/^\t+/, '') : body) === word) break;
      }
    }
    commands.push({ line, source, expected: [] });
  }
  return commands.map(({ line, source, expected }) => ({ line, source: source.join('\n'), expected }));
}

/** extractTranscripts returns every ```console block of a Markdown text. */
export function extractTranscripts(markdown: string): Transcript[] {
  const lines = markdown.split('\n');
  const transcripts: Transcript[] = [];
  for (let index = 0; index < lines.length; index++) {
    if (lines[index]!.trim() !== '```console') continue;
    const end = lines.findIndex((line, at) => at > index && line.trim() === '```');
    if (end < 0) throw new Error(`line ${index + 1}: unclosed console block`);
    transcripts.push({ line: index + 1, commands: parseTranscript(lines.slice(index + 1, end), index + 2) });
    index = end;
  }
  return transcripts;
}

function withoutTrailingEmpty(lines: readonly string[]): readonly string[] {
  let end = lines.length;
  while (end > 0 && lines[end - 1] === '') end--;
  return lines.slice(0, end);
}

/**
 * matchOutput tells whether actual output lines match expected ones, where an
 * expected line `…` stands for any number of lines. Trailing empty lines of
 * either side are ignored.
 */
export function matchOutput(expected: readonly string[], actual: readonly string[]): boolean {
  const want = withoutTrailingEmpty(expected);
  const have = withoutTrailingEmpty(actual);
  // matches[i][j]: want[i..] matches have[j..], computed from the ends backwards.
  let next: boolean[] = Array.from({ length: have.length + 1 }, (_, j) => j === have.length);
  for (let i = want.length - 1; i >= 0; i--) {
    const current: boolean[] = new Array<boolean>(have.length + 1).fill(false);
    for (let j = have.length; j >= 0; j--) {
      if (want[i] === WILDCARD) current[j] = next[j]! || (j < have.length && current[j + 1]!);
      else current[j] = j < have.length && want[i] === have[j] && next[j + 1]!;
    }
    next = current;
  }
  return next[0]!;
}

/** splitLines turns command output into lines, without the empty string after a final newline. */
export function splitLines(output: string): string[] {
  if (output === '') return [];
  const lines = output.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
