/**
 * docs/api.md is true to the package:
 *
 * - its table of entry points is the `exports` map of package.json;
 * - every ```ts example type-checks against the sources (with the repository's
 *   tsconfig, its `nabla-seccomp…` imports pointed at src/) and runs: each is
 *   compiled to JavaScript and run by node in a child process, importing the
 *   built package by its own name (so through the exports map, after
 *   `npm run build`), from a directory holding `policies/` and `hello.spt`;
 *   its assertions state the results;
 * - every name the "Exports" tables list is exported by its entry point (a
 *   type-checked import of each), and every export of each entry point is
 *   listed there.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, test } from 'vitest';
import { buildGuest } from '../fixtures/guests/build.js';
import { nativeTenderProblem, seccompProblem } from './environment.js';

const root = join(import.meta.dirname, '..', '..');
const markdown = readFileSync(join(root, 'docs/api.md'), 'utf8');

/** ENTRIES maps each import of the package to its source module. */
const ENTRIES: Readonly<Record<string, string>> = {
  'nabla-seccomp': 'src/index.ts',
  'nabla-seccomp/bpf': 'src/bpf/index.ts',
  'nabla-seccomp/arch': 'src/arch/index.ts',
  'nabla-seccomp/install': 'src/install/index.ts',
  'nabla-seccomp/tender': 'src/tender/index.ts',
};

/** Example is one ```ts block. */
interface Example {
  readonly line: number;
  readonly source: string;
}

function extractExamples(text: string): Example[] {
  const lines = text.split('\n');
  const examples: Example[] = [];
  for (let index = 0; index < lines.length; index++) {
    if (lines[index]!.trim() !== '```ts') continue;
    const end = lines.findIndex((line, at) => at > index && line.trim() === '```');
    examples.push({ line: index + 1, source: `${lines.slice(index + 1, end).join('\n')}\n` });
    index = end;
  }
  return examples;
}

/** documentedExports reads the "### `ENTRY`" tables under "## Exports": every backticked name in a row's first cell. */
function documentedExports(text: string): Map<string, Set<string>> {
  const section = text.slice(text.indexOf('\n## Exports\n'));
  const result = new Map<string, Set<string>>();
  let current: Set<string> | undefined;
  for (const line of section.split('\n')) {
    const heading = /^### `([^`]+)`$/.exec(line);
    if (heading) result.set(heading[1]!, (current = new Set()));
    else if (current && line.startsWith('| `')) {
      const firstCell = line.split('|')[1]!;
      for (const match of firstCell.matchAll(/`([A-Za-z_$][\w$]*)/g)) current.add(match[1]!);
    }
  }
  return result;
}

const examples = extractExamples(markdown);
const documented = documentedExports(markdown);
const workDirectory = join(root, 'test/.tmp/docs-api');
const usesFfi = (example: Example) => /from 'nabla-seccomp\/(install|tender)'/.test(example.source);

function environmentProblem(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `the examples are written for x86_64 Linux, not ${process.platform}/${process.arch}`;
  return seccompProblem() ?? nativeTenderProblem(root);
}
const ffiProblem = environmentProblem();

afterAll(() => rmSync(workDirectory, { recursive: true, force: true }));

describe('docs/api.md', () => {
  test('lists exactly the entry points of the exports map', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const fromManifest = Object.keys(manifest.exports)
      .filter((key) => key !== './package.json')
      .map((key) => (key === '.' ? 'nabla-seccomp' : `nabla-seccomp${key.slice(1)}`));
    const table = markdown.slice(0, markdown.indexOf('\n## '));
    const fromDoc = [...table.matchAll(/^\| `(nabla-seccomp[^`]*)` \|/gm)].map((m) => m[1]!);
    expect(fromDoc).toEqual(fromManifest);
    expect(Object.keys(ENTRIES)).toEqual(fromManifest);
    expect([...documented.keys()]).toEqual(fromManifest);
  });

  test('has examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
  });

  // One TypeScript program holds every example and, per entry point, a file
  // importing each documented name; it also answers what each entry exports.
  mkdirSync(workDirectory, { recursive: true });
  const toSource = (text: string): string =>
    text.replace(/from '(nabla-seccomp(?:\/\w+)?)'/g, (whole, name: string) => {
      const entry = ENTRIES[name];
      if (entry === undefined) return whole;
      const path = relative(workDirectory, join(root, entry)).replace(/\.ts$/, '.js');
      return `from '${path.startsWith('.') ? path : `./${path}`}'`;
    });
  const exampleFiles = examples.map((example) => {
    const file = join(workDirectory, `example-${example.line}.ts`);
    writeFileSync(file, toSource(example.source));
    return file;
  });
  const nameFiles = [...documented].map(([entry, names], index) => {
    const file = join(workDirectory, `names-${index}.ts`);
    writeFileSync(file, toSource(`export type { ${[...names].join(', ')} } from '${entry}';\n`));
    return file;
  });
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram([...exampleFiles, ...nameFiles, ...Object.values(ENTRIES).map((e) => join(root, e))], {
    ...parsed.options,
    noEmit: true,
    // A documentation example may show an import on its own.
    noUnusedLocals: false,
    noUnusedParameters: false,
  });
  const problems = (file: string): string[] => {
    const sourceFile = program.getSourceFile(file)!;
    return [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)].map((d) => {
      const where = d.start === undefined ? '' : `line ${sourceFile.getLineAndCharacterOfPosition(d.start).line + 1}: `;
      return `${where}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  };

  /** exportsOf lists an entry point's exports, values and types. */
  function exportsOf(entry: string): string[] {
    const checker = program.getTypeChecker();
    const symbol = checker.getSymbolAtLocation(program.getSourceFile(join(root, entry))!)!;
    return checker.getExportsOfModule(symbol).map((s) => s.name);
  }

  for (const [index, [entry]] of [...documented].entries()) {
    test(`every name listed for ${entry} is exported by it`, () => {
      expect(problems(nameFiles[index]!)).toEqual([]);
    });
    test(`every export of ${entry} is listed`, () => {
      const names = documented.get(entry)!;
      // The package root re-exports nabla-seccomp/bpf, documented in its own table.
      const also = entry === 'nabla-seccomp' ? (documented.get('nabla-seccomp/bpf') ?? new Set<string>()) : new Set<string>();
      const missing = exportsOf(ENTRIES[entry]!).filter((name) => !names.has(name) && !also.has(name));
      expect(missing, `exports of ${entry} that docs/api.md does not list`).toEqual([]);
    });
  }

  test('nabla-seccomp re-exports every value of nabla-seccomp/bpf', async () => {
    const rootModule = (await import('../../src/index.js')) as Record<string, unknown>;
    const bpfModule = (await import('../../src/bpf/index.js')) as Record<string, unknown>;
    for (const name of Object.keys(bpfModule)) expect(rootModule[name], name).toBe(bpfModule[name]);
  });

  const runDirectory = mkdtempSync(join(tmpdir(), 'nabla-api-'));
  afterAll(() => rmSync(runDirectory, { recursive: true, force: true }));
  symlinkSync(join(root, 'policies'), join(runDirectory, 'policies'));
  let guestProblem: string | undefined;
  try {
    copyFileSync(buildGuest('hello'), join(runDirectory, 'hello.spt'));
  } catch (error) {
    guestProblem = `the test guest cannot be built: ${(error as Error).message.split('\n')[0]}`;
  }

  examples.forEach((example, index) => {
    const title = `line ${example.line}: ${example.source.split('\n').find((l) => l.trim() !== '' && !l.startsWith('import')) ?? ''}`;
    test(`the example at line ${example.line} type-checks against the sources`, () => {
      expect(problems(exampleFiles[index]!)).toEqual([]);
    });
    const skip = usesFfi(example) ? (ffiProblem ?? guestProblem) : undefined;
    if (skip !== undefined) {
      test.skip(`${title} runs (skipped: ${skip})`, () => {});
      return;
    }
    test(`${title} runs`, async () => {
      // Beside the package.json, so `nabla-seccomp/…` resolves through the package's own exports.
      const file = join(workDirectory, `example-${example.line}.mjs`);
      const { outputText } = ts.transpileModule(example.source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
      writeFileSync(file, outputText);
      const { status, output } = await runNode(file, runDirectory);
      expect(output, `docs/api.md:${example.line}: the example failed`).toBe('');
      expect(status).toBe(0);
    });
  });
});

/** runNode runs a module in a child process and returns its status and what it printed. */
function runNode(file: string, cwd: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}
