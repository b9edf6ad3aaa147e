/**
 * The text output of lint: one block per finding with its place, rule and
 * message, the source line and a caret under the span, then a summary line.
 * Colours come from util.styleText and only when the caller asks for them
 * (the stream check is off: the caller has already judged its stream).
 */
import { styleText } from 'node:util';
import { formatDiagnostic, positionOf, type SourceTexts } from '../../diagnostics.js';
import type { Span } from '../../ir/model.js';
import type { Finding } from '../catalogue.js';
import type { LintReport } from '../lint.js';

type Style = Parameters<typeof styleText>[0];

/** LintCounts totals the outcome of one or more reports. */
export interface LintCounts {
  readonly files: number;
  /** Policy errors (the policy did not check) plus error findings. */
  readonly errors: number;
  readonly warnings: number;
  readonly suppressed: number;
}

/** countFindings totals errors, warnings and suppressed findings over reports. */
export function countFindings(reports: readonly LintReport[]): LintCounts {
  let errors = 0;
  let warnings = 0;
  let suppressed = 0;
  for (const report of reports) {
    errors += report.errors.length;
    for (const found of report.findings) {
      if (found.suppressed) suppressed++;
      else if (found.severity === 'error') errors++;
      else warnings++;
    }
  }
  return { files: reports.length, errors, warnings, suppressed };
}

/** summaryLine renders the totals, e.g. `2 files: 1 error, 3 warnings (2 suppressed)`. */
export function summaryLine(counts: LintCounts): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const files = plural(counts.files, 'file');
  const suppressed = counts.suppressed > 0 ? ` (${counts.suppressed} suppressed)` : '';
  if (counts.errors === 0 && counts.warnings === 0) return `${files}: no problems${suppressed}`;
  return `${files}: ${plural(counts.errors, 'error')}, ${plural(counts.warnings, 'warning')}${suppressed}`;
}

function frame(span: Span, sources: SourceTexts, paint: (style: Style, text: string) => string, style: Style): string {
  const text = sources.get(span.file);
  if (text === undefined) return '';
  const start = positionOf(text, span.start);
  const end = positionOf(text, Math.max(span.start, span.end));
  const characters = [...start.lineText];
  const width = Math.max(1, end.line === start.line ? end.column - start.column : characters.length - start.column + 1);
  const gutter = String(start.line);
  const lead = characters.slice(0, start.column - 1).map((c) => (c === '\t' ? '\t' : ' ')).join('');
  const caret = paint(style, `^${'~'.repeat(width - 1)}`);
  return `\n  ${gutter} | ${start.lineText}\n  ${' '.repeat(gutter.length)} | ${lead}${caret}`;
}

/** formatFinding renders one finding with its code frame. */
export function formatFinding(found: Finding, sources: SourceTexts, color: boolean): string {
  const paint = (style: Style, text: string) => (color ? styleText(style, text, { validateStream: false }) : text);
  const style: Style = found.severity === 'error' ? 'red' : 'yellow';
  let place = '';
  if (found.span) {
    const text = sources.get(found.span.file);
    const position = text === undefined ? undefined : positionOf(text, found.span.start);
    place = position ? `${found.span.file}:${position.line}:${position.column}: ` : `${found.span.file}: `;
  }
  const label = paint(['bold', style], `${found.severity}[${found.rule}]`);
  return `${place}${label}: ${paint('bold', found.message)}${found.span ? frame(found.span, sources, paint, style) : ''}`;
}

/** formatText renders reports for people: policy errors, unsuppressed findings, and the summary line. */
export function formatText(reports: readonly LintReport[], color: boolean): string {
  const blocks: string[] = [];
  for (const report of reports) {
    for (const error of report.errors) blocks.push(formatDiagnostic(error, report.sources, { color }));
    for (const found of report.findings) if (!found.suppressed) blocks.push(formatFinding(found, report.sources, color));
  }
  const counts = countFindings(reports);
  const summary = summaryLine(counts);
  const style: Style = counts.errors > 0 ? 'red' : counts.warnings > 0 ? 'yellow' : 'green';
  return [...blocks, color ? styleText(['bold', style], summary, { validateStream: false }) : summary].map((block) => `${block}\n`).join('');
}
