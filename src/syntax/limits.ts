/**
 * Limits on the shape of a policy text, checked by one linear scan before
 * the grammar runs. The parser and the semantics that build the syntax tree
 * recurse once per bracket, per prefix operator and per operator in a chain
 * (`a && b && c` is a left-deep tree), so a hostile text of a few kilobytes
 * could otherwise exhaust the stack. The scan is lexical and errs on the side
 * of counting too much: it never lets through a text deeper than the limits.
 */
import { expressionTooDeep, nestingTooDeep, type Diagnostic } from '../diagnostics.js';
import { spanMaker } from './toAst.js';

/** NESTING_DEPTH_LIMIT is how deep brackets `(`, `[` and `{` may nest. */
export const NESTING_DEPTH_LIMIT = 32;

/**
 * EXPRESSION_DEPTH_LIMIT is how many operators one expression may stack:
 * prefix operators (`!`, `not`, `-`, `~`) plus chained binary operators
 * (`&&`, `||`, comparisons, arithmetic, `in`), summed over the enclosing
 * brackets. Commas, `:` and `=` start a new expression.
 */
export const EXPRESSION_DEPTH_LIMIT = 256;

/** One open bracket (or the top level): the operators counted inside it so far. */
interface Group {
  chained: number;
  prefixed: number;
}

const BINARY_WORDS: ReadonlySet<string> = new Set(['and', 'or', 'in']);
const TWO_CHARACTER_OPERATORS: ReadonlySet<string> = new Set(['==', '!=', '<=', '>=', '<<', '>>', '&&', '||']);
const ONE_CHARACTER_OPERATORS = '<>|^&+*/%';
const IDENTIFIER_START = /[A-Za-z_]/;
const WORD_PART = /[A-Za-z0-9_]/;

/**
 * checkShapeLimits scans a policy text and returns the diagnostic of the
 * first limit it passes (E_NESTING_DEPTH or E_EXPRESSION_DEPTH), or
 * undefined when the text stays within them.
 *
 *     checkShapeLimits('allow read where ' + '('.repeat(40) + 'fd == 0' + ')'.repeat(40), 'p.policy');
 *     // → E_NESTING_DEPTH at the 33rd '('
 */
export function checkShapeLimits(text: string, file: string): Diagnostic | undefined {
  const groups: Group[] = [{ chained: 0, prefixed: 0 }];
  let depth = 0; // operators counted over all open groups
  let afterOperand = false; // the previous token ended a value (a name, a number, a closing bracket)
  const at = (start: number, end: number) => spanMaker(text, file).span(start, end);
  const top = () => groups[groups.length - 1]!;
  const resetTop = () => {
    depth -= top().chained + top().prefixed;
    top().chained = 0;
    top().prefixed = 0;
  };
  const count = (kind: 'chained' | 'prefixed', start: number, end: number): Diagnostic | undefined => {
    top()[kind]++;
    depth++;
    afterOperand = false;
    return depth > EXPRESSION_DEPTH_LIMIT ? expressionTooDeep(EXPRESSION_DEPTH_LIMIT, at(start, end)) : undefined;
  };
  const operand = () => {
    if (afterOperand) resetTop(); // two values in a row: a new statement or clause began
    depth -= top().prefixed;
    top().prefixed = 0;
    afterOperand = true;
  };

  let index = 0;
  while (index < text.length) {
    const character = text[index]!;
    const start = index;
    let found: Diagnostic | undefined;
    if (character === '#') {
      while (index < text.length && text[index] !== '\n') index++;
      continue;
    }
    if (character === '"') {
      index++;
      while (index < text.length && text[index] !== '"' && text[index] !== '\n') index += text[index] === '\\' ? 2 : 1;
      index++;
      operand();
      continue;
    }
    if (WORD_PART.test(character)) {
      while (index < text.length && WORD_PART.test(text[index]!)) index++;
      const word = text.slice(start, index);
      if (!IDENTIFIER_START.test(character)) operand();
      else if (BINARY_WORDS.has(word)) found = count('chained', start, index);
      else if (word === 'not') found = count('prefixed', start, index);
      else operand();
    } else if (character === '(' || character === '[' || character === '{') {
      index++;
      if (afterOperand && character === '{') resetTop(); // `when arch x {`, `for x in xs {`
      groups.push({ chained: 0, prefixed: 0 });
      afterOperand = false;
      if (groups.length - 1 > NESTING_DEPTH_LIMIT) found = nestingTooDeep(NESTING_DEPTH_LIMIT, at(start, index));
    } else if (character === ')' || character === ']' || character === '}') {
      index++;
      if (groups.length > 1) {
        resetTop();
        groups.pop();
      }
      afterOperand = false; // the bracket closes one value: it does not follow the value inside it
      operand();
    } else if (character === ',' || character === ':' || (character === '=' && text[index + 1] !== '=')) {
      index++;
      resetTop();
      afterOperand = false;
    } else if (TWO_CHARACTER_OPERATORS.has(text.slice(index, index + 2))) {
      index += 2;
      found = count('chained', start, index);
    } else if (character === '!' || character === '~' || (character === '-' && !afterOperand)) {
      index++;
      found = count('prefixed', start, index);
    } else if (character === '-' || ONE_CHARACTER_OPERATORS.includes(character)) {
      index++;
      found = count('chained', start, index);
    } else {
      index++; // spaces, `.` and anything the grammar will refuse
    }
    if (found) return found;
  }
  return undefined;
}
