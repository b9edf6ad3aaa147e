/**
 * Policies as the CLI reads them: files read once (so every diagnostic can
 * show its source line), `--param`/`--params` bindings, and each stage's
 * error turned into an InputError carrying the formatted diagnostics.
 */
import { readFileSync } from 'node:fs';
import { styleText } from 'node:util';
import { CodegenError } from '../codegen/errors.js';
import type { CodegenOptions } from '../codegen/index.js';
import type { Diagnostic, SourceTexts } from '../diagnostics.js';
import { DiagnosticError, formatDiagnostic } from '../diagnostics.js';
import type { ArchName, RuleModel } from '../ir/model.js';
import { archTable } from '../arch/index.js';
import { Policy } from '../policy.js';
import type { Program } from '../policy.js';
import { PolicySyntaxError } from '../syntax/parse.js';
import { InputError, UsageError } from './errors.js';
import { parseJsonText } from './json.js';
import type { Io } from './io.js';
import { readText } from './io.js';
import { parseBinding } from './values.js';

/** The options every command that binds a policy accepts. */
export const bindingOptions = {
  param: { type: 'string', multiple: true },
  params: { type: 'string' },
} as const;

/** readBindings merges `--params FILE.json` and the `--param NAME=JSON` flags (flags win). */
export function readBindings(values: { param?: string[] | undefined; params?: string | undefined }): Record<string, unknown> {
  const bindings: Record<string, unknown> = {};
  if (values.params !== undefined) {
    const result = parseJsonText(values.params, readText(values.params));
    if ('error' in result) throw new InputError(`--params ${values.params}: not valid JSON`, result.error);
    const parsed = result.value;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new UsageError(`--params ${values.params}: must hold a JSON object of param names to values`);
    }
    Object.assign(bindings, parsed);
  }
  for (const text of values.param ?? []) {
    const [name, value] = parseBinding(text);
    bindings[name] = value;
  }
  return bindings;
}

/** colorFor tells whether output to a sink should be coloured (a terminal, and NO_COLOR unset). */
export function colorFor(io: Io, sink: 'stdout' | 'stderr'): boolean {
  return io[sink].isTTY === true && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb';
}

/** formatAll renders diagnostics for the terminal, one block each. */
export function formatAll(diagnostics: readonly Diagnostic[], sources: SourceTexts, color: boolean): string {
  return diagnostics.map((d) => `${formatDiagnostic(d, sources, { color })}\n`).join('');
}

/** A compiled policy with what the output formats need. */
export interface CompiledPolicy {
  readonly name: string;
  readonly arches: readonly ArchName[];
  readonly program: Program;
  readonly instructions: Program['instructions'];
  readonly bytes: Uint8Array;
  /** The policy's own filter, before `transform` (the same program without one). */
  readonly untransformed: Program;
}

/** What compilePolicyFile needs besides the file. */
export interface CompileFileOptions {
  readonly arch?: ArchName | undefined;
  readonly bindings: Readonly<Record<string, unknown>>;
  readonly io: Io;
  /** Code generator options (a syscall frequency profile). */
  readonly codegen?: CodegenOptions | undefined;
  /** A last change to the bound model before code generation (e.g. exec --log). */
  readonly transform?: (model: RuleModel) => RuleModel;
}

/**
 * loadPolicyFile reads and checks a policy, printing its warnings to stderr.
 * Every failure becomes a CliError with the diagnostics formatted.
 */
export function loadPolicyFile(file: string, options: { arch?: ArchName | undefined; io: Io; codegen?: CodegenOptions | undefined }): {
  policy: Policy;
  sources: Map<string, string>;
} {
  const sources = new Map<string, string>();
  const readFile = (path: string): string => {
    const text = path === file ? readText(path) : readFileSync(path, 'utf8');
    sources.set(path, text);
    return text;
  };
  const color = colorFor(options.io, 'stderr');
  try {
    const policy = Policy.load(file, readFile, {
      ...(options.arch === undefined ? {} : { arch: options.arch }),
      ...(options.codegen === undefined ? {} : { codegen: options.codegen }),
    });
    if (policy.warnings.length > 0) options.io.stderr.write(formatAll(policy.warnings, sources, color));
    return { policy, sources };
  } catch (error) {
    throw asInputError(error, error instanceof PolicySyntaxError ? new Map([...sources, ...error.sources]) : sources, color);
  }
}

/** compilePolicyFile reads, checks, binds and compiles a policy file. */
export function compilePolicyFile(file: string, options: CompileFileOptions): CompiledPolicy {
  const { policy, sources } = loadPolicyFile(file, options);
  try {
    const bound = policy.model(options.bindings);
    const untransformed = policy.bindModel(bound);
    const model = options.transform ? options.transform(bound) : bound;
    const program = options.transform ? policy.bindModel(model) : untransformed;
    return {
      untransformed,
      name: model.name ?? file.replace(/^.*\//, '').replace(/\.policy$/, ''),
      arches: model.arches.map((a) => a.arch),
      program,
      instructions: program.instructions,
      bytes: program.bytes,
    };
  } catch (error) {
    throw asInputError(error, sources, colorFor(options.io, 'stderr'));
  }
}

function asInputError(error: unknown, sources: SourceTexts, color: boolean): unknown {
  if (error instanceof DiagnosticError) {
    const errors = error.diagnostics.filter((d) => d.severity === 'error').length;
    const summary = `${errors} error${errors === 1 ? '' : 's'}`;
    const text = formatAll(error.diagnostics, sources, color);
    return new InputError(summary, `${text}${color ? styleText('red', summary) : summary}\n`);
  }
  if (error instanceof CodegenError) return new InputError(error.message, `error[${error.code}]: ${error.message}\n`);
  return error;
}

/**
 * readProfile reads `--profile FILE.json`: a JSON object of syscall names to
 * relative frequencies (counts from strace -c, say). Frequent syscalls are
 * decided nearer the root of the number tree; unlisted ones weigh 1.
 */
export function readProfile(path: string): CodegenOptions {
  const result = parseJsonText(path, readText(path));
  if ('error' in result) throw new InputError(`${path}: not valid JSON`, result.error);
  const profile = result.value;
  if (profile === null || typeof profile !== 'object' || Array.isArray(profile)) {
    throw new InputError(`${path}: a profile is a JSON object of syscall names to frequencies`);
  }
  const weights = new Map<string, number>();
  for (const [name, value] of Object.entries(profile)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new InputError(`${path}: the frequency of ${name} must be a positive number, not ${JSON.stringify(value)}`);
    }
    weights.set(name, value);
  }
  return {
    weight: (arch, nr) => {
      const name = archTable(arch).byNumber.get(nr)?.name;
      return name === undefined ? undefined : weights.get(name);
    },
  };
}
