/**
 * Inline suppressions. The grammar treats comments as blanks, so lint reads
 * them from the source lines:
 *
 *     # lint-disable-next-line unpinned-io, executable-memory -- V8 compiles to machine code
 *     allow read, write, mmap, mprotect
 *
 * A suppression applies to the next line that is neither blank nor a
 * comment, and silences the named rules for findings that start on that
 * line or whose statement starts there. A suppression must give a reason
 * after `--`; one that names an unknown rule or silences nothing is itself
 * a finding.
 */
import type { SourceTexts } from '../diagnostics.js';
import type { Span } from '../ir/model.js';
import { finding, RULES, type Finding, type RuleId } from './catalogue.js';
import { findingKey } from './gather.js';

const DIRECTIVE = /^(\s*)#\s*lint-disable-next-line\b(.*)$/;

/** SuppressionComment is one parsed `lint-disable-next-line` comment. */
export interface SuppressionComment {
  readonly file: string;
  /** The comment's own span, for findings about it. */
  readonly span: Span;
  /** The 1-based line it applies to (0 when no line follows). */
  readonly target: number;
  readonly rules: readonly string[];
  readonly reason: string;
}

/** parseSuppressions finds the suppression comments of one file. */
export function parseSuppressions(file: string, text: string): SuppressionComment[] {
  const lines = text.split('\n');
  const found: SuppressionComment[] = [];
  let offset = 0;
  lines.forEach((line, index) => {
    const lineBytes = Buffer.byteLength(line, 'utf8') + 1;
    const match = DIRECTIVE.exec(line.replace(/\r$/, ''));
    if (match) {
      const [list = '', ...reasonParts] = match[2]!.split(' --');
      const reason = reasonParts.join(' --').trim();
      const rules = list.split(/[\s,]+/).filter((rule) => rule.length > 0);
      let target = index + 1;
      while (target < lines.length && /^\s*(#.*)?\r?$/.test(lines[target]!)) target++;
      const start = offset + Buffer.byteLength(match[1]!, 'utf8');
      found.push({
        file,
        span: { file, start, end: offset + Buffer.byteLength(line.replace(/\r$/, ''), 'utf8') },
        target: target < lines.length ? target + 1 : 0,
        rules,
        reason,
      });
    }
    offset += lineBytes;
  });
  return found;
}

function lineAt(text: string, byteOffset: number): number {
  return Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8').split('\n').length;
}

/**
 * applySuppressions marks the findings each comment silences and adds the
 * findings about the comments themselves (no reason, unknown rule, unused).
 */
export function applySuppressions(findings: readonly Finding[], sources: SourceTexts): Finding[] {
  const comments = [...sources].flatMap(([file, text]) => parseSuppressions(file, text));
  const used = new Set<string>();
  const place = (span: Span | undefined): string[] => {
    const text = span && sources.get(span.file);
    return span && text !== undefined ? [`${span.file}:${lineAt(text, span.start)}`] : [];
  };
  const result = findings.map((found) => {
    const places = [found.span, found.statement, found.related].flatMap(place);
    const comment = comments.find((c) => places.includes(`${c.file}:${c.target}`) && c.rules.includes(found.rule));
    if (!comment) return found;
    used.add(`${comment.span.start}|${comment.file}|${found.rule}`);
    return Object.freeze({ ...found, suppressed: { reason: comment.reason, span: comment.span } });
  });
  const problems: Finding[] = [];
  for (const comment of comments) {
    if (comment.reason === '') {
      problems.push(finding('suppression-without-reason', 'give the reason for this suppression after `--`', comment.span));
    }
    if (comment.rules.length === 0) {
      problems.push(finding('unknown-rule-suppressed', 'name the rules to suppress, as in `# lint-disable-next-line unpinned-io -- reason`', comment.span));
    }
    for (const rule of comment.rules) {
      if (!RULES.has(rule as RuleId)) {
        problems.push(finding('unknown-rule-suppressed', `no lint rule is called ${rule}`, comment.span));
      } else if (!used.has(`${comment.span.start}|${comment.file}|${rule}`)) {
        problems.push(finding('unused-suppression', `nothing on the next line needs ${rule} suppressed`, comment.span));
      }
    }
  }
  return [...result, ...problems.filter((p, i) => problems.findIndex((q) => findingKey(q) === findingKey(p)) === i)];
}
