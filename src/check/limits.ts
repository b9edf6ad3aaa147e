/**
 * The rule-count limit, shared by `check` (rules as written) and `bind`
 * (rules once `for` loops are expanded over bound lists).
 */
import { tooManyRules, type Diagnostic } from '../diagnostics.js';
import type { Statement } from '../syntax/ast.js';

/**
 * RULE_COUNT_LIMIT is how many rules a policy may hold, each syscall of a
 * rule counting once: in the text, and for one architecture once its loops
 * are expanded. A filter holds at most 4096 instructions, so a policy past
 * this many rules could not compile anyway; the limit stops it before the
 * work grows with it.
 */
export const RULE_COUNT_LIMIT = 4096;

/**
 * checkRuleCount counts the rules written in `statements` (blocks included,
 * each loop body once) and returns E_RULE_COUNT at the rule that passes the
 * limit, or undefined.
 */
export function checkRuleCount(statements: readonly Statement[]): Diagnostic | undefined {
  let count = 0;
  const pending: Statement[] = [...statements].reverse();
  while (pending.length > 0) {
    const statement = pending.pop()!;
    if (statement.kind !== 'rule') {
      pending.push(...[...statement.body].reverse());
      continue;
    }
    count += statement.syscalls.length;
    if (count > RULE_COUNT_LIMIT) return tooManyRules(RULE_COUNT_LIMIT, 'text', statement.span);
  }
  return undefined;
}
