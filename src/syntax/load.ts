/**
 * Loading: read a policy file and expand its `include "PATH"` statements in
 * place, each path relative to the file that names it. The file reader is
 * injected, so this module itself never touches the filesystem.
 */
import { posix } from 'node:path';
import { includeCycle, includeTooDeep, includeUnreadable, type Diagnostic } from '../diagnostics.js';
import type { Program, TopStatement } from './ast.js';
import { parse } from './parse.js';

/** ReadFile returns the text of a file, or throws if it cannot. */
export type ReadFile = (path: string) => string;

/** INCLUDE_DEPTH_LIMIT is how deep includes may nest. */
export const INCLUDE_DEPTH_LIMIT = 16;

/** LoadedPolicy is a program with its includes expanded, the texts it came from, and include problems. */
export interface LoadedPolicy {
  readonly program: Program;
  /** Every file read, by the name spans use, for printing diagnostics. */
  readonly sources: ReadonlyMap<string, string>;
  /** Include cycles, depth and read failures; `check` reports these with its own. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * loadPolicy reads `entryPath` with `readFile`, parses it and every file it
 * includes, and returns one program. A syntax error anywhere throws
 * `PolicySyntaxError`; the entry file failing to read throws what `readFile`
 * threw. Include problems become diagnostics.
 *
 *     const loaded = loadPolicy('policies/spt.policy', (p) => readFileSync(p, 'utf8'));
 */
export function loadPolicy(entryPath: string, readFile: ReadFile): LoadedPolicy {
  const sources = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  const entry = posix.normalize(entryPath);
  const text = readFile(entry);
  sources.set(entry, text);
  const root = parse(text, entry);

  function expand(program: Program, file: string, chain: readonly string[]): TopStatement[] {
    const out: TopStatement[] = [];
    for (const statement of program.statements) {
      if (statement.kind !== 'include') {
        out.push(statement);
        continue;
      }
      const target = posix.isAbsolute(statement.path)
        ? posix.normalize(statement.path)
        : posix.join(posix.dirname(file), statement.path);
      if (chain.includes(target)) {
        diagnostics.push(includeCycle(statement.path, statement.span));
        continue;
      }
      if (chain.length > INCLUDE_DEPTH_LIMIT) {
        diagnostics.push(includeTooDeep(INCLUDE_DEPTH_LIMIT, statement.span));
        continue;
      }
      let included: string;
      try {
        included = sources.get(target) ?? readFile(target);
      } catch (cause) {
        const reason = cause instanceof Error ? cause.message : String(cause);
        diagnostics.push(includeUnreadable(statement.path, reason, statement.span));
        continue;
      }
      sources.set(target, included);
      out.push(...expand(parse(included, target), target, [...chain, target]));
    }
    return out;
  }

  const statements = expand(root, entry, [entry]);
  return { program: { ...root, statements }, sources, diagnostics };
}
