/**
 * Gathering findings: passes note which syscalls of a statement a rule
 * flags, and one finding per statement lists them all; findings from the
 * synthetic models are kept only where every model agrees.
 */
import type { Span } from '../ir/model.js';
import type { RuleStatement } from '../syntax/ast.js';
import { finding, type Finding, type RuleId } from './catalogue.js';
import { spanKey, syscallSpan } from './context.js';

/** Gathered collects, per rule and statement, the syscall names a pass flagged. */
export class Gathered {
  private readonly entries = new Map<string, { rule: RuleId; span: Span; names: Set<string>; detail: string }>();

  constructor(private readonly statements: ReadonlyMap<string, RuleStatement>) {}

  /** note records that `rule` flags syscall `name` of the statement at `span`; `detail` joins the message. */
  note(rule: RuleId, span: Span, name: string, detail = ''): void {
    const key = `${rule}|${spanKey(span)}|${detail}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { rule, span, names: new Set(), detail };
      this.entries.set(key, entry);
    }
    entry.names.add(name);
  }

  /** findings turns the notes into findings, pointing at the flagged syscall named first in the statement. */
  findings(message: (rule: RuleId, names: string, detail: string) => string): Finding[] {
    return [...this.entries.values()].map(({ rule, span, names, detail }) => {
      const sorted = [...names].sort();
      const statement = this.statements.get(spanKey(span));
      const spans = sorted.map((name) => syscallSpan(statement, name)).filter((s): s is Span => s !== undefined);
      const at = spans.sort((a, b) => a.start - b.start)[0] ?? span;
      return finding(rule, message(rule, sorted.join(', '), detail), at, span);
    });
  }
}

/** findingKey identifies a finding for comparison between models and for deduplication. */
export function findingKey(found: Finding): string {
  const span = found.span ? spanKey(found.span) : '';
  return `${found.rule}|${span}|${found.message}`;
}

/** agreed keeps the findings of the first list that every other list also has. */
export function agreed(lists: readonly (readonly Finding[])[]): Finding[] {
  if (lists.length === 0) return [];
  const others = lists.slice(1).map((list) => new Set(list.map(findingKey)));
  return unique(lists[0]!.filter((found) => others.every((keys) => keys.has(findingKey(found)))));
}

/** unique drops repeated findings. */
export function unique(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((found) => {
    const key = findingKey(found);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
