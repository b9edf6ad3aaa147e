/**
 * Lint: findings about a policy beyond what the checker rejects, in the
 * spirit of ESLint and of seccomp-tools' audit. `lintFile`/`lintText` give
 * a LintReport; the formatters render reports as text, JSON or SARIF 2.1.0.
 */
export { lintFile, lintLoaded, lintText, type LintOptions, type LintReport } from './lint.js';
export { RULES, RULE_IDS, type Finding, type LintSeverity, type RuleId, type RuleInfo, type Suppression } from './catalogue.js';
export { countFindings, formatFinding, formatText, summaryLine, type LintCounts } from './format/text.js';
export { formatJson, locate, type Location } from './format/json.js';
export { formatSarif, SARIF_SCHEMA, type SarifOptions } from './format/sarif.js';
export { parseSuppressions, type SuppressionComment } from './suppressions.js';
