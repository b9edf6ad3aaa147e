/**
 * Helpers for the installer's tests. Every filter is installed in a child
 * process, never in the test runner: a Node child that runs a script against
 * the built package in dist/, or the exec command through a small runner.
 */
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ROOT is the package root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** DIST is the built package the children import. */
export const DIST = join(ROOT, 'dist');
/** FIXTURES holds the policies the exec tests run under. */
export const FIXTURES = join(ROOT, 'test/install/fixtures');

/** requireBuild fails loudly when the package has not been built (npm test builds it first). */
export function requireBuild(): void {
  for (const file of ['install/index.js', 'install/stage.js', 'cli/exec.js']) {
    if (!existsSync(join(DIST, file))) throw new Error(`dist/${file} is missing: run \`npm run build\` before these tests`);
  }
}

/** temporaryDirectory makes a fresh directory under the system's temp dir. */
export function temporaryDirectory(): string {
  return mkdtempSync(join(tmpdir(), 'nabla-install-'));
}

/**
 * PRELUDE is prepended to every child script: the imports it needs and
 * `filterOf(rules, fallback)`, which builds an x86_64 filter from syscall
 * names mapped to actions.
 */
const PRELUDE = `
import { archTable } from '${DIST}/arch/index.js';
import { compileModel } from '${DIST}/codegen/index.js';
import { action, argument, compare, rule, ruleModel, TRUE } from '${DIST}/ir/model.js';
import * as install from '${DIST}/install/index.js';
const table = archTable('x86_64');
const nr = (name) => table.byName.get(name).number;
const filterOf = (rules, fallback = action('allow')) => compileModel(ruleModel({
  defaultAction: fallback,
  badArchAction: action('kill_process'),
  arches: [{ arch: 'x86_64', syscalls: new Map(Object.entries(rules).map(([name, value]) =>
    [nr(name), Array.isArray(value) ? value : [rule(value, TRUE)]])) }],
})).bytes;
const print = (value) => process.stdout.write(JSON.stringify(value, (k, v) => typeof v === 'bigint' ? String(v) : v) + '\\n');
const errorFields = (error) => ({ name: error.name, code: error.code, step: error.step, errno: error.errno,
  tsyncFailedTid: error.tsyncFailedTid, flag: error.flag, message: error.message });
`;

/** runChild runs an ES module script (after the prelude) in a fresh Node process. */
export function runChild(
  script: string,
  options: { nodeArguments?: readonly string[]; cwd?: string; timeout?: number } = {},
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [...(options.nodeArguments ?? []), '--input-type=module', '-e', PRELUDE + script], {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: options.timeout ?? 30_000,
  });
}

/** lastJson parses the last line a child printed. */
export function lastJson<T>(result: SpawnSyncReturns<string>): T {
  const lines = result.stdout.trim().split('\n');
  const last = lines[lines.length - 1];
  if (!last) throw new Error(`the child printed nothing; stderr:\n${result.stderr}`);
  return JSON.parse(last) as T;
}

/** The installed command, run from the built package. */
const BIN = join(ROOT, 'bin', 'nabla-seccomp.js');

/** runExec runs the exec command in a child and returns what it did. */
export function runExec(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; nodeArguments?: readonly string[]; timeout?: number } = {},
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [...(options.nodeArguments ?? []), BIN, 'exec', ...args], {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: options.timeout ?? 30_000,
  });
}

/**
 * runExecInShell runs the exec command under `sh` and returns the status the
 * shell saw (128+N for a signal N), with core dumps off.
 */
export function runExecInShell(args: readonly string[], cwd: string = ROOT): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(
    '/bin/sh',
    ['-c', 'ulimit -c 0; "$0" "$@"; echo "status=$?"', process.execPath, BIN, 'exec', ...args],
    { cwd, encoding: 'utf8', timeout: 30_000 },
  );
  const match = /status=(\d+)\s*$/.exec(result.stdout);
  if (!match) throw new Error(`the shell printed no status; stdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return { status: Number(match[1]), stdout: result.stdout.slice(0, match.index), stderr: result.stderr };
}
