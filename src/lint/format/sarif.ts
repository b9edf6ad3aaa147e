/**
 * The SARIF 2.1.0 output of lint, for CI code scanning: one run whose tool
 * lists every lint rule, and one result per finding or policy error, with
 * its region in lines and code-point columns. Suppressed findings are kept,
 * marked with an in-source suppression and its reason, so code scanning
 * shows them as dismissed rather than losing them.
 */
import { isAbsolute } from 'node:path';
import type { SourceTexts } from '../../diagnostics.js';
import type { Span } from '../../ir/model.js';
import { RULES } from '../catalogue.js';
import type { LintReport } from '../lint.js';
import { locate } from './json.js';

/** SARIF_SCHEMA is the schema address the log names. */
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** SarifOptions: the tool's version, printed in the log. */
export interface SarifOptions {
  readonly toolVersion: string;
}

/** artifactUri turns a file name into a URI reference: relative paths stay relative. */
export function artifactUri(file: string): string {
  const slashed = file.replaceAll('\\', '/');
  const encoded = slashed.split('/').map(encodeURIComponent).join('/');
  return isAbsolute(file) ? `file://${encoded}` : encoded;
}

function physicalLocation(span: Span | undefined, sources: SourceTexts) {
  const location = locate(span, sources);
  if (!location) return undefined;
  return {
    physicalLocation: {
      artifactLocation: { uri: artifactUri(location.file) },
      region: {
        startLine: location.line,
        startColumn: location.column,
        endLine: location.endLine,
        endColumn: Math.max(location.endColumn, location.line === location.endLine ? location.column + 1 : 1),
      },
    },
  };
}

/** formatSarif renders reports as a SARIF 2.1.0 log (with a final newline). */
export function formatSarif(reports: readonly LintReport[], options: SarifOptions): string {
  const rules: { id: string; name: string; shortDescription: { text: string }; defaultConfiguration: { level: string }; properties: Record<string, unknown> }[] = [];
  const ruleIndex = new Map<string, number>();
  const describe = (id: string, text: string, level: string, properties: Record<string, unknown>): number => {
    let index = ruleIndex.get(id);
    if (index === undefined) {
      index = rules.length;
      ruleIndex.set(id, index);
      const name = id.toLowerCase().split(/[-_]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
      rules.push({ id, name, shortDescription: { text }, defaultConfiguration: { level }, properties });
    }
    return index;
  };
  for (const rule of RULES.values()) {
    describe(rule.id, rule.summary, rule.severity, { group: rule.group, precision: rule.exact ? 'very-high' : 'medium' });
  }
  const results: Record<string, unknown>[] = [];
  for (const report of reports) {
    for (const error of report.errors) {
      const index = describe(error.code, `policy error ${error.code} (see docs/errors.md)`, 'error', { group: 'policy' });
      const location = physicalLocation(error.span, report.sources);
      results.push({ ruleId: error.code, ruleIndex: index, level: 'error', message: { text: error.message }, ...(location ? { locations: [location] } : {}) });
    }
    for (const found of report.findings) {
      const location = physicalLocation(found.span, report.sources);
      const related = found.related && physicalLocation(found.related, report.sources);
      results.push({
        ruleId: found.rule,
        ruleIndex: ruleIndex.get(found.rule)!,
        level: found.severity,
        message: { text: found.message },
        ...(location ? { locations: [location] } : {}),
        ...(related ? { relatedLocations: [{ id: 1, ...related, message: { text: 'the earlier rule' } }] } : {}),
        ...(found.suppressed ? { suppressions: [{ kind: 'inSource', status: 'accepted', justification: found.suppressed.reason }] } : {}),
      });
    }
  }
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'nabla-seccomp', version: options.toolVersion, rules } },
        columnKind: 'unicodeCodePoints',
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
