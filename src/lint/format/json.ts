/**
 * The JSON output of lint: one object with every file's policy errors and
 * findings (suppressed ones marked, with their reason) and the totals.
 */
import { positionOf, type SourceTexts } from '../../diagnostics.js';
import type { Span } from '../../ir/model.js';
import type { LintReport } from '../lint.js';
import { countFindings } from './text.js';

/** Location is a span as lines and columns (1-based; the end column is just past the span). */
export interface Location {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/** locate turns a span into lines and columns, or undefined when its text is unknown. */
export function locate(span: Span | undefined, sources: SourceTexts): Location | undefined {
  const text = span && sources.get(span.file);
  if (!span || text === undefined) return undefined;
  const start = positionOf(text, span.start);
  const end = positionOf(text, Math.max(span.start, span.end));
  return { file: span.file, line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
}

/** formatJson renders reports as one JSON document (with a final newline). */
export function formatJson(reports: readonly LintReport[]): string {
  const files = reports.map((report) => ({
    file: report.file,
    errors: report.errors.map((error) => ({
      code: error.code,
      severity: error.severity,
      message: error.message,
      location: locate(error.span, report.sources) ?? null,
    })),
    findings: report.findings.map((found) => ({
      rule: found.rule,
      severity: found.severity,
      message: found.message,
      location: locate(found.span, report.sources) ?? null,
      ...(found.suppressed ? { suppressed: { reason: found.suppressed.reason } } : {}),
    })),
  }));
  return `${JSON.stringify({ version: 1, files, summary: countFindings(reports) }, null, 2)}\n`;
}
