/**
 * Policy arithmetic, shared by constant folding in `check` and evaluation in
 * `bind`. Values are integers in -2^63 .. 2^64-1: non-negative values are
 * unsigned, negative ones come only from unary `-` and `~` and are reduced
 * modulo 2^width when compared with an argument.
 *
 * `+ - * / % <<` must give a result in 0 .. 2^64-1: below zero is an
 * underflow, above is an overflow (a wrapped `capacity - block_size` would
 * allow everything). `& | ^ ~` work on two's complement.
 */
import {
  divisionByZero,
  overflow,
  shiftRange,
  underflow,
  valueTooWide,
  type Diagnostic,
} from '../diagnostics.js';
import type { Span } from '../ir/model.js';
import type { BinaryOperator, UnaryOperator } from '../syntax/ast.js';

/** MAX_VALUE is the largest value, 2^64-1. */
export const MAX_VALUE = (1n << 64n) - 1n;
/** MIN_VALUE is the most negative value, -2^63. */
export const MIN_VALUE = -(1n << 63n);

/** ArithmeticResult is a value, or the diagnostic that explains why there is none. */
export type ArithmeticResult = { readonly value: bigint } | { readonly diagnostic: Diagnostic };

function bounded(value: bigint, span: Span, lowest: bigint): ArithmeticResult {
  if (value > MAX_VALUE) return { diagnostic: overflow(span) };
  if (value < lowest) return { diagnostic: lowest === 0n ? underflow(span) : overflow(span) };
  return { value };
}

/** applyBinary computes `left operator right`, or the fault with the span of the expression. */
export function applyBinary(operator: BinaryOperator, left: bigint, right: bigint, span: Span): ArithmeticResult {
  switch (operator) {
    case '+':
      return bounded(left + right, span, 0n);
    case '-':
      return bounded(left - right, span, 0n);
    case '*':
      return bounded(left * right, span, 0n);
    case '/':
      if (right === 0n) return { diagnostic: divisionByZero(span) };
      return bounded(left / right, span, 0n);
    case '%':
      if (right === 0n) return { diagnostic: divisionByZero(span) };
      return bounded(left % right, span, 0n);
    case '<<':
      if (right < 0n || right > 63n) return { diagnostic: shiftRange(right, span) };
      return bounded(left << right, span, 0n);
    case '>>':
      if (right < 0n || right > 63n) return { diagnostic: shiftRange(right, span) };
      return { value: left >> right };
    case '&':
      return bounded(left & right, span, MIN_VALUE);
    case '|':
      return bounded(left | right, span, MIN_VALUE);
    case '^':
      return bounded(left ^ right, span, MIN_VALUE);
  }
}

/** applyUnary computes `-operand` or `~operand`. */
export function applyUnary(operator: UnaryOperator, operand: bigint, span: Span): ArithmeticResult {
  return bounded(operator === '-' ? -operand : ~operand, span, MIN_VALUE);
}

/** The number of values of an argument of each width. */
const WIDTH_SIZE = { 32: 1n << 32n, 64: 1n << 64n } as const;

/** fitsWidth tells whether a value is already what an argument of `width` bits is compared with (no reduction needed). */
export function fitsWidth(value: bigint, width: 32 | 64): boolean {
  return value >= 0n && value < WIDTH_SIZE[width];
}

/**
 * reduceToWidth turns a value into the unsigned value an argument of `width`
 * bits is compared with: non-negative values must fit; negative values down
 * to -2^(width-1) are taken modulo 2^width.
 */
export function reduceToWidth(value: bigint, width: 32 | 64, span: Span): ArithmeticResult {
  const size = WIDTH_SIZE[width];
  if (value >= 0n) return value < size ? { value } : { diagnostic: valueTooWide(value, width, span) };
  if (value >= -(size >> 1n)) return { value: value + size };
  return { diagnostic: valueTooWide(value, width, span) };
}
