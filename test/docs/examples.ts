/**
 * Examples in Markdown: the fenced ```policy blocks of a document and the
 * HTML comments right above each one, which say how the example is checked.
 *
 *     <!-- arch: aarch64 -->                      compile-time arch (--arch)
 *     <!-- params: {"epoll": 4} -->               bindings, as JSON
 *     <!-- file: lib/common.policy -->            the block is this file (for include)
 *     <!-- error: E_UNKNOWN_SYSCALL -->           must fail with exactly these error codes
 *     <!-- warning: W_SYSCALL_MISSING -->         must compile with exactly these warnings
 *     <!-- decides: x86_64 write(1) allow; write(2) errno(1) -->
 *
 * `decides` holds `;`-separated items `[ARCH] CALL ACTION`: ARCH (one of the
 * supported arches) applies to this item and the following ones (x86_64 at
 * first); CALL is `NAME(ARGS)` with a syscall name of ARCH's table, or
 * `#N(ARGS)` with a raw number; ARGS are integers (decimal, 0x, 0o, 0b, `_`
 * separators, a leading `-` taken modulo 2^64); ACTION is an action name
 * with its data in parentheses (no parentheses: data 0).
 */
import type { ActionName } from '../../src/bpf/seccomp.js';
import { ARCH_NAMES, type ArchName } from '../../src/ir/model.js';

/** Example is one ```policy block with its annotations. */
export interface Example {
  /** The 1-based line of the opening fence. */
  readonly line: number;
  readonly text: string;
  readonly annotations: Annotations;
}

/** Annotations are the checking instructions of one example. */
export interface Annotations {
  readonly arch?: ArchName;
  readonly params?: Record<string, unknown>;
  readonly file?: string;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  readonly decides: readonly Decision[];
}

/** Decision is one expected verdict: a call on an arch and the action the filter returns. */
export interface Decision {
  readonly arch: ArchName;
  /** A syscall name of the arch's table, or a raw number. */
  readonly syscall: string | number;
  readonly args: readonly bigint[];
  readonly action: ActionName;
  readonly data: number;
  /** The item as written, for messages. */
  readonly source: string;
}

const ANNOTATION = /^<!--\s*(\w+):\s*(.*?)\s*-->$/;
const KEYS = new Set(['arch', 'params', 'file', 'error', 'warning', 'decides']);
const ACTIONS: readonly ActionName[] = ['allow', 'log', 'errno', 'trap', 'trace', 'notify', 'kill_thread', 'kill_process'];
const INTEGER = /^-?(?:0x[0-9a-f](?:_?[0-9a-f])*|0o[0-7](?:_?[0-7])*|0b[01](?:_?[01])*|[0-9](?:_?[0-9])*)$/i;
const ITEM = /^(?:(\w+)\s+)?(#?[\w]+)\(([^)]*)\)\s+(\w+)(?:\((\d+)\))?$/;

function isArch(word: string): word is ArchName {
  return (ARCH_NAMES as readonly string[]).includes(word);
}

/** parseInteger reads an annotation integer; a leading `-` wraps modulo 2^64. */
export function parseInteger(text: string): bigint {
  const trimmed = text.trim();
  if (!INTEGER.test(trimmed)) throw new Error(`not an integer: ${text}`);
  const negative = trimmed.startsWith('-');
  const value = BigInt((negative ? trimmed.slice(1) : trimmed).replaceAll('_', ''));
  return BigInt.asUintN(64, negative ? -value : value);
}

/** parseDecides reads the items of a `decides` annotation. */
export function parseDecides(text: string, start: ArchName = 'x86_64'): Decision[] {
  let arch = start;
  return text
    .split(';')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const match = ITEM.exec(item);
      if (!match) throw new Error(`decides: cannot read "${item}"`);
      const [, archWord, call, argText, action, data] = match;
      if (archWord !== undefined) {
        if (!isArch(archWord)) throw new Error(`decides: unknown arch ${archWord} in "${item}"`);
        arch = archWord;
      }
      if (!(ACTIONS as readonly string[]).includes(action!)) throw new Error(`decides: unknown action ${action} in "${item}"`);
      const syscall = call!.startsWith('#') ? Number(parseInteger(call!.slice(1))) : call!;
      const args = argText!.trim() === '' ? [] : argText!.split(',').map(parseInteger);
      return { arch, syscall, args, action: action as ActionName, data: data === undefined ? 0 : Number(data), source: item };
    });
}

function codes(text: string): string[] {
  return text.split(/[\s,]+/).filter((code) => code !== '');
}

/** parseAnnotations turns the comment lines above a block into Annotations. */
export function parseAnnotations(lines: readonly string[]): Annotations {
  let arch: ArchName | undefined;
  let params: Record<string, unknown> | undefined;
  let file: string | undefined;
  const errors: string[] = [];
  const warnings: string[] = [];
  const decides: Decision[] = [];
  for (const line of lines) {
    const [, key, value] = ANNOTATION.exec(line)!;
    switch (key) {
      case 'arch':
        if (!isArch(value!)) throw new Error(`arch: unknown arch ${value}`);
        arch = value;
        break;
      case 'params':
        params = JSON.parse(value!) as Record<string, unknown>;
        break;
      case 'file':
        file = value;
        break;
      case 'error':
        errors.push(...codes(value!));
        break;
      case 'warning':
        warnings.push(...codes(value!));
        break;
      case 'decides':
        decides.push(...parseDecides(value!, decides[decides.length - 1]?.arch));
        break;
    }
  }
  return {
    ...(arch === undefined ? {} : { arch }),
    ...(params === undefined ? {} : { params }),
    ...(file === undefined ? {} : { file }),
    errors,
    warnings,
    decides,
  };
}

/** isAnnotation tells whether a line is a checking annotation (a known key). */
export function isAnnotation(line: string): boolean {
  const match = ANNOTATION.exec(line.trim());
  return match !== null && KEYS.has(match[1]!);
}

/**
 * extractExamples returns every ```policy block of a Markdown text with the
 * annotations on the lines directly above its fence.
 */
export function extractExamples(markdown: string): Example[] {
  const lines = markdown.split('\n');
  const examples: Example[] = [];
  for (let index = 0; index < lines.length; index++) {
    if (lines[index]!.trim() !== '```policy') continue;
    const above: string[] = [];
    for (let back = index - 1; back >= 0 && isAnnotation(lines[back]!); back--) above.unshift(lines[back]!.trim());
    const end = lines.indexOf('```', index + 1);
    if (end < 0) throw new Error(`unclosed policy block at line ${index + 1}`);
    examples.push({ line: index + 1, text: `${lines.slice(index + 1, end).join('\n')}\n`, annotations: parseAnnotations(above) });
    index = end;
  }
  return examples;
}

/** strayAnnotations lists the lines (1-based) of annotations that no policy block follows. */
export function strayAnnotations(markdown: string): number[] {
  const lines = markdown.split('\n');
  const stray: number[] = [];
  lines.forEach((line, index) => {
    if (!isAnnotation(line)) return;
    let next = index + 1;
    while (next < lines.length && isAnnotation(lines[next]!)) next++;
    if (lines[next]?.trim() !== '```policy') stray.push(index + 1);
  });
  return stray;
}
