/**
 * Every ```console transcript in README.md and docs/*.md runs as written and
 * prints what it shows (the format is described in ./transcripts.ts), and
 * docs/cli.md documents, with a tested example, every command and every flag
 * the CLI's own help lists.
 *
 * The blocks of one document run in order in one bash process, in a fresh
 * directory; in the documents of SECTIONS_APART, each `## ` section runs
 * apart, in a directory of its own. The directory holds `policies` (a link to the repository's policies/),
 * `hello.spt` and `blk.spt` (test guests from test/fixtures/guests), with
 * `nabla-seccomp` on PATH running bin/nabla-seccomp.js (so the suite needs
 * `npm run build` first), LC_ALL=C and NO_COLOR=1. Documents run in
 * parallel. Blocks that exec a program or run a unikernel are skipped, with
 * the reason in the test's name, where the machine cannot install filters.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import { buildGuest } from '../fixtures/guests/build.js';
import { nativeTenderProblem, seccompProblem } from './environment.js';
import { extractTranscripts, matchOutput, splitLines, type Transcript, type TranscriptCommand } from './transcripts.js';

const root = join(import.meta.dirname, '..', '..');
/** Documents with a checked format of their own, tested by their own suites. */
const OWN_FORMAT = new Set(['language.md', 'errors.md', 'lint-rules.md']);
/** Documents whose `## ` sections do not depend on each other, run in parallel to keep the suite fast. */
const SECTIONS_APART = new Set(['docs/cli.md']);
const documents = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md') && !OWN_FORMAT.has(f)).sort().map((f) => `docs/${f}`)];

// What the machine lacks, found before any test runs; undefined when nothing is missing.
function hostProblem(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `the transcripts are recorded on x86_64 Linux, not ${process.platform}/${process.arch}`;
  return undefined;
}
const guests = new Map<string, string>();
function tenderProblem(seccomp: string | undefined): string | undefined {
  if (seccomp !== undefined) return seccomp;
  const unbuilt = nativeTenderProblem(root);
  if (unbuilt !== undefined) return unbuilt;
  try {
    for (const name of ['hello', 'blk'] as const) guests.set(`${name}.spt`, buildGuest(name));
  } catch (error) {
    return `the test guests cannot be built: ${(error as Error).message.split('\n')[0]}`;
  }
  return undefined;
}
const host = hostProblem();
const seccomp = host ?? seccompProblem();
const tender = tenderProblem(seccomp);

/** skipReason says why a transcript cannot run here, or undefined when it can. */
function skipReason(transcript: Transcript): string | undefined {
  if (host !== undefined) return host;
  const sources = transcript.commands.map((c) => c.source).filter((s) => !/--help\b/.test(s));
  if (sources.some((s) => /\bnabla-seccomp\s+run\b/.test(s)) && tender !== undefined) return tender;
  if (sources.some((s) => /\bnabla-seccomp\s+exec\b/.test(s)) && seccomp !== undefined) return seccomp;
  return undefined;
}

/** CommandResult is what one command printed and its exit status. */
interface CommandResult {
  readonly output: string;
  readonly status: number;
}

const scratch: string[] = [];
afterAll(() => scratch.forEach((directory) => rmSync(directory, { recursive: true, force: true })));

/** prepareDirectory makes a document's scratch directory: bin/ for PATH and work/ to run in. */
function prepareDirectory(): { bin: string; work: string } {
  const base = mkdtempSync(join(tmpdir(), 'nabla-docs-'));
  scratch.push(base);
  const bin = join(base, 'bin');
  const work = join(base, 'work');
  mkdirSync(bin);
  mkdirSync(work);
  writeFileSync(join(bin, 'nabla-seccomp'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(root, 'bin/nabla-seccomp.js'))} "$@"\n`);
  chmodSync(join(bin, 'nabla-seccomp'), 0o755);
  symlinkSync(join(root, 'policies'), join(work, 'policies'));
  for (const [name, path] of guests) copyFileSync(path, join(work, name));
  return { bin, work };
}

const START = '\x1e';
/** script is one bash program running the commands in order, each between markers carrying its index and status. */
function script(work: string, commands: readonly TranscriptCommand[]): string {
  const lines = ['exec </dev/null 2>&1', `cd ${JSON.stringify(work)} || exit 99`];
  commands.forEach((command, index) => {
    lines.push(`printf '\\036B${index}\\036\\n'`, command.source, `printf '\\036E${index}:%d\\036\\n' "$?"`);
  });
  return `${lines.join('\n')}\n`;
}

/** runCommands runs a document's commands in one bash process and returns each one's result (missing if it never ended). */
function runCommands(commands: readonly TranscriptCommand[]): Promise<(CommandResult | undefined)[]> {
  const { bin, work } = prepareDirectory();
  const env = { PATH: `${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: work, LC_ALL: 'C', NO_COLOR: '1', TERM: 'dumb' };
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script(work, commands)], { env, stdio: ['ignore', 'pipe', 'inherit'], timeout: 60_000 });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const results: (CommandResult | undefined)[] = commands.map(() => undefined);
      const marker = new RegExp(`${START}B(\\d+)${START}\\n([\\s\\S]*?)${START}E\\1:(\\d+)${START}\\n`, 'g');
      for (const match of text.matchAll(marker)) results[Number(match[1])] = { output: match[2]!, status: Number(match[3]) };
      resolve(results);
    });
  });
}

interface DocumentRun {
  readonly transcripts: readonly { transcript: Transcript; skip: string | undefined }[];
  readonly results: Promise<Map<TranscriptCommand, CommandResult | undefined>>;
}

/** sectionOf gives the line of the `## ` heading a line falls under (0 before the first). */
function sectionOf(markdown: string, line: number): number {
  const lines = markdown.split('\n');
  for (let index = line - 1; index >= 0; index--) if (lines[index]!.startsWith('## ')) return index + 1;
  return 0;
}

/** runGroups runs each group of commands in its own shell and directory, all at once. */
async function runGroups(groups: readonly (readonly TranscriptCommand[])[]): Promise<Map<TranscriptCommand, CommandResult | undefined>> {
  const results = new Map<TranscriptCommand, CommandResult | undefined>();
  const lists = await Promise.all(groups.map((commands) => runCommands(commands)));
  groups.forEach((commands, group) => commands.forEach((command, index) => results.set(command, lists[group]![index])));
  return results;
}

// Every document starts at once; each test awaits its own document's run.
const runs = new Map<string, DocumentRun>(
  documents.map((document) => {
    const markdown = readFileSync(join(root, document), 'utf8');
    const transcripts = extractTranscripts(markdown).map((transcript) => ({ transcript, skip: skipReason(transcript) }));
    const groups = new Map<number, TranscriptCommand[]>();
    for (const { transcript, skip } of transcripts) {
      if (skip !== undefined) continue;
      const key = SECTIONS_APART.has(document) ? sectionOf(markdown, transcript.line) : 0;
      groups.set(key, [...(groups.get(key) ?? []), ...transcript.commands]);
    }
    const results = runGroups([...groups.values()]);
    results.catch(() => {});
    return [document, { transcripts, results }];
  }),
);

test('the CLI is built (npm run build) so the transcripts can run it', () => {
  expect(existsSync(join(root, 'dist/cli/main.js'))).toBe(true);
});

for (const [document, run] of runs) {
  if (run.transcripts.length === 0) continue;
  describe(document, () => {
    for (const { transcript, skip } of run.transcripts) {
      const first = transcript.commands[0]?.source.split('\n')[0] ?? '';
      const title = `line ${transcript.line}: $ ${first}`;
      if (skip !== undefined) {
        test.skip(`${title} (skipped: ${skip})`, () => {});
        continue;
      }
      test(title, async () => {
        const results = await run.results;
        for (const command of transcript.commands) {
          const result = results.get(command);
          const where = `${document}:${command.line}: $ ${command.source}`;
          expect(result, `${where}\nnever finished (an earlier command ended the shell, or the document timed out)`).toBeDefined();
          const actual = splitLines(result!.output);
          if (!matchOutput(command.expected, actual)) {
            // Compared as text so the failure shows a diff of what the document says against what was printed.
            expect(actual.join('\n'), `${where}\nprinted something else than the document shows`).toBe(command.expected.join('\n'));
          }
          expect(result!.status, `${where}\nexited ${result!.status}; show a failure's status in its output (; echo "exit $?")`).toBe(0);
        }
      });
    }
  });
}

/** helpOf runs the CLI in this process and returns what it prints on stdout. */
async function helpOf(argv: readonly string[]): Promise<string> {
  let text = '';
  const io: Io = { stdout: { write: (chunk) => void (text += String(chunk)) }, stderr: { write: () => {} }, env: {}, cwd: root };
  expect(await main(argv, io)).toBe(0);
  return text;
}

/** flagsOf reads the options a help text lists: `--name`, `-x`, and `--kind:` for run's device options. */
function flagsOf(help: string): string[][] {
  const options = help.slice(help.indexOf('\nOptions:'));
  return [...options.matchAll(/^ {2}(?:(-[A-Za-z]), )?(--[a-z][a-z0-9-]*:?)/gm)].map((m) => [m[2]!, ...(m[1] ? [m[1]] : [])]);
}

describe('docs/cli.md covers the CLI', () => {
  const cliTranscripts = extractTranscripts(readFileSync(join(root, 'docs/cli.md'), 'utf8'));
  const tested = cliTranscripts.flatMap((t) => t.commands.map((c) => c.source));
  const uses = (command: string | undefined, flag: string): boolean => {
    const pattern = flag.endsWith(':') ? `\\s${flag}` : `\\s${flag}(?=[=\\s]|$)`;
    const prefix = command === undefined ? 'nabla-seccomp' : `nabla-seccomp ${command}\\b[^\\n]*?`;
    return tested.some((source) => new RegExp(`${prefix}${pattern}`, 'm').test(source.replaceAll('\\\n', ' ')));
  };

  test('the top-level options have tested examples', async () => {
    for (const names of flagsOf(await helpOf(['--help']))) {
      expect(names.some((flag) => uses(undefined, flag)), `no tested example uses ${names.join(' or ')}`).toBe(true);
    }
  });

  test('every command has a section, a tested --help transcript and a tested example', async () => {
    const commands = [...(await helpOf(['--help'])).matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]!);
    expect(commands.length).toBeGreaterThanOrEqual(6);
    const markdown = readFileSync(join(root, 'docs/cli.md'), 'utf8');
    for (const command of commands) {
      expect(markdown, `no "## ${command}" section`).toMatch(new RegExp(`^## ${command}$`, 'm'));
      expect(tested, `no tested "nabla-seccomp ${command} --help"`).toContain(`nabla-seccomp ${command} --help`);
      const examples = tested.filter((s) => new RegExp(`nabla-seccomp ${command}\\b`).test(s) && !s.includes('--help'));
      expect(examples.length, `no tested example of ${command}`).toBeGreaterThan(0);
    }
  });

  test('every flag of every command has a tested example', async () => {
    const commands = [...(await helpOf(['--help'])).matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]!);
    for (const command of commands) {
      const flags = flagsOf(await helpOf([command, '--help']));
      expect(flags.length, `${command} --help lists no options`).toBeGreaterThan(0);
      for (const names of flags) {
        expect(names.some((flag) => uses(command, flag)), `no tested example of ${command} ${names.join(' or ')}`).toBe(true);
      }
    }
  });
});
