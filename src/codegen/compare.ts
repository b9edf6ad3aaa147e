/**
 * Comparisons of one argument against a constant, lowered to the decision
 * graph. Every comparison goes through one helper per operator; 64-bit
 * arguments split into high and low words at the offsets `seccomp_data`
 * gives them (little-endian: low word first). Comparisons that the mask or
 * the constant decide without looking at the argument fold to their answer.
 */
import { SeccompDataOffset } from '../bpf/seccomp.js';
import type { Compare } from '../ir/model.js';
import type { Graph, NodeId } from './graph.js';

const WORD = 0xffff_ffffn;
const ALL_ONES = 0xffff_ffff_ffff_ffffn;

// The word splits below run for every comparison at every bind: values that
// fit one word, and the all-ones mask, skip the BigInt arithmetic.

/** lowWord is the low 32 bits of a value of up to 64 bits. */
export function lowWord(value: bigint): number {
  if (value <= WORD) return Number(value);
  return value === ALL_ONES ? 0xffff_ffff : Number(value & WORD);
}

/** highWord is the high 32 bits of a value of up to 64 bits. */
export function highWord(value: bigint): number {
  if (value <= WORD) return 0;
  return value === ALL_ONES ? 0xffff_ffff : Number(value >> 32n);
}

/** The machine-level question asked of one 32-bit word. */
type WordOp = 'eq' | 'gt' | 'ge';

/**
 * wordTest returns a node that loads the word at `offset`, masks it and
 * branches on `(word & mask) op value`, or the answer itself when it is fixed.
 */
function wordTest(g: Graph, offset: number, mask: number, op: WordOp, value: number, ifTrue: NodeId, ifFalse: NodeId): NodeId {
  // The masked word lies in [0, mask]: questions outside that interval answer themselves.
  switch (op) {
    case 'eq':
      if ((value & ~mask) >>> 0 !== 0) return ifFalse;
      if (mask === 0) return ifTrue;
      break;
    case 'gt':
      if (value >= mask) return ifFalse;
      break;
    case 'ge':
      if (value === 0) return ifTrue;
      if (value > mask) return ifFalse;
      break;
  }
  return g.load(offset, g.mask(mask, g.branch(op, value, ifTrue, ifFalse)));
}

/** The words a comparison reads: its argument's, its mask's and its value's, low and high. */
interface Words {
  readonly index: number;
  readonly wide: boolean;
  readonly maskLow: number;
  readonly maskHigh: number;
  readonly valueLow: number;
  readonly valueHigh: number;
}

/**
 * orderedTest decides `(arg & mask) > value` (strict) or `>=` on a 32- or
 * 64-bit argument: high words first, the low words only on a tie.
 */
function orderedTest(g: Graph, w: Words, strict: boolean, ifTrue: NodeId, ifFalse: NodeId): NodeId {
  const onLow = wordTest(g, SeccompDataOffset.argLow(w.index), w.maskLow, strict ? 'gt' : 'ge', w.valueLow, ifTrue, ifFalse);
  if (!w.wide) return onLow;
  const { maskHigh: highMask, valueHigh: highValue } = w;
  if (highValue > highMask) return ifFalse;
  if (highMask === 0) return highValue === 0 ? onLow : ifFalse;
  let decideHigh: NodeId;
  if (highValue === 0) {
    // high > 0 means true; high == 0 leaves it to the low word.
    decideHigh = g.branch('eq', 0, onLow, ifTrue);
  } else {
    const tie = g.branch('eq', highValue, onLow, ifFalse);
    decideHigh = highValue === highMask ? tie : g.branch('gt', highValue, ifTrue, tie);
  }
  return g.load(SeccompDataOffset.argHigh(w.index), g.mask(highMask, decideHigh));
}

/** equalTest decides `(arg & mask) == value` on a 32- or 64-bit argument. */
function equalTest(g: Graph, w: Words, ifTrue: NodeId, ifFalse: NodeId): NodeId {
  const onLow = wordTest(g, SeccompDataOffset.argLow(w.index), w.maskLow, 'eq', w.valueLow, ifTrue, ifFalse);
  if (!w.wide) return onLow;
  return wordTest(g, SeccompDataOffset.argHigh(w.index), w.maskHigh, 'eq', w.valueHigh, onLow, ifFalse);
}

/** wordsOf splits a comparison's mask and value into words; the all-ones mask of an unmasked one costs no BigInt arithmetic. */
function wordsOf(c: Compare): Words {
  const wide = c.arg.width === 64;
  const unmasked = c.mask === (wide ? ALL_ONES : WORD);
  const value = c.value;
  const small = value <= WORD;
  return {
    index: c.arg.index,
    wide,
    maskLow: unmasked ? 0xffff_ffff : lowWord(c.mask),
    maskHigh: unmasked ? (wide ? 0xffff_ffff : 0) : highWord(c.mask),
    valueLow: small ? Number(value) : lowWord(value),
    valueHigh: small ? 0 : highWord(value),
  };
}

/** lowerCompare returns a node deciding one comparison: `ifTrue` when it holds, else `ifFalse`. */
export function lowerCompare(g: Graph, c: Compare, ifTrue: NodeId, ifFalse: NodeId): NodeId {
  const w = wordsOf(c);
  switch (c.op) {
    case 'eq':
      return equalTest(g, w, ifTrue, ifFalse);
    case 'ne':
      return equalTest(g, w, ifFalse, ifTrue);
    case 'gt':
      return orderedTest(g, w, true, ifTrue, ifFalse);
    case 'le':
      return orderedTest(g, w, true, ifFalse, ifTrue);
    case 'ge':
      return orderedTest(g, w, false, ifTrue, ifFalse);
    case 'lt':
      return orderedTest(g, w, false, ifFalse, ifTrue);
  }
}
