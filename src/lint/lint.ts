/**
 * lint: a policy's findings, from the checker, the checked policy, its
 * syntax tree and rule models bound with synthetic params. A policy that
 * does not check gives its diagnostics instead.
 *
 *     const report = lintText('default allow\n', { file: 'p.policy', arch: 'x86_64' });
 *     report.findings.map((f) => f.rule);   // ['permissive-default', ...]
 */
import { check } from '../check/check.js';
import type { Diagnostic, SourceTexts } from '../diagnostics.js';
import { hasErrors } from '../diagnostics.js';
import type { Span } from '../ir/model.js';
import { loadPolicy, type LoadedPolicy, type ReadFile } from '../syntax/load.js';
import { parse, PolicySyntaxError } from '../syntax/parse.js';
import type { Finding } from './catalogue.js';
import { collectStatements, type LintContext } from './context.js';
import { agreed, unique } from './gather.js';
import { allowPass } from './passes/allows.js';
import { conditionPass } from './passes/conditions.js';
import { coveragePass } from './passes/coverage.js';
import { deadPass } from './passes/dead.js';
import { hygienePass } from './passes/hygiene.js';
import { applySuppressions } from './suppressions.js';
import { bindSynthetic } from './synthetic.js';

/** LintOptions: the arch to lint for (as `--arch`); default the policy's arches, or the host's. */
export interface LintOptions {
  readonly arch?: string;
}

/** LintReport is the outcome of linting one policy file. */
export interface LintReport {
  readonly file: string;
  /** The text of every file read, for printing. */
  readonly sources: SourceTexts;
  /** The checker's errors (syntax, names, types); when present there are no findings. */
  readonly errors: readonly Diagnostic[];
  /** Lint findings in source order, suppressed ones included (marked). */
  readonly findings: readonly Finding[];
}

function order(sources: SourceTexts, findings: readonly Finding[]): Finding[] {
  const files = [...sources.keys()];
  const place = (span: Span | undefined): [number, number] => (span ? [files.indexOf(span.file), span.start] : [-1, 0]);
  return [...findings].sort((a, b) => {
    const [fileA, startA] = place(a.span);
    const [fileB, startB] = place(b.span);
    return fileA - fileB || startA - startB || a.rule.localeCompare(b.rule);
  });
}

/** lintLoaded lints a loaded policy (its includes expanded). */
export function lintLoaded(loaded: LoadedPolicy, options: LintOptions = {}): LintReport {
  const file = loaded.program.span.file;
  const result = check(loaded, options.arch === undefined ? {} : { arch: options.arch });
  if (!result.policy || hasErrors(result.diagnostics)) {
    return { file, sources: loaded.sources, errors: result.diagnostics.filter((d) => d.severity === 'error'), findings: [] };
  }
  const synthetic = bindSynthetic(result.policy);
  const context: LintContext = {
    checked: result.policy,
    program: loaded.program,
    sources: loaded.sources,
    checkerWarnings: result.diagnostics,
    models: synthetic.models,
    ...(synthetic.problem === undefined ? {} : { bindingProblem: synthetic.problem }),
    statements: collectStatements(loaded.program),
  };
  const perModel = (pass: typeof allowPass) => agreed(context.models.map((model) => pass(context, model)));
  const findings = unique([
    ...perModel(allowPass),
    ...perModel(deadPass),
    ...conditionPass(context),
    ...coveragePass(context),
    ...hygienePass(context),
  ]);
  return { file, sources: loaded.sources, errors: [], findings: order(loaded.sources, applySuppressions(findings, loaded.sources)) };
}

/** lintFile reads a policy and its includes with `readFile` and lints it; syntax errors become `errors`. */
export function lintFile(path: string, readFile: ReadFile, options: LintOptions = {}): LintReport {
  const sources = new Map<string, string>();
  const reading: ReadFile = (name) => {
    const text = readFile(name);
    sources.set(name, text);
    return text;
  };
  try {
    return lintLoaded(loadPolicy(path, reading), options);
  } catch (error) {
    if (!(error instanceof PolicySyntaxError)) throw error;
    return { file: path, sources: new Map([...sources, ...error.sources]), errors: error.diagnostics, findings: [] };
  }
}

/** lintText lints a policy given as text (no includes). */
export function lintText(text: string, options: LintOptions & { file?: string } = {}): LintReport {
  const file = options.file ?? '<policy>';
  const sources = new Map([[file, text]]);
  try {
    return lintLoaded({ program: parse(text, file), sources, diagnostics: [] }, options);
  } catch (error) {
    if (!(error instanceof PolicySyntaxError)) throw error;
    return { file, sources, errors: error.diagnostics, findings: [] };
  }
}
