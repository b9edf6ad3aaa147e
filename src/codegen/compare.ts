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

/** The machine-level question asked of one 32-bit word. */
type WordOp = 'eq' | 'gt' | 'ge';

interface Word {
  readonly offset: number;
  readonly mask: number;
}

/**
 * wordTest returns a node that loads a word, masks it and branches on
 * `(word & mask) op value`, or the answer itself when it is fixed.
 */
function wordTest(g: Graph, word: Word, op: WordOp, value: number, ifTrue: NodeId, ifFalse: NodeId): NodeId {
  const { mask } = word;
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
  return g.load(word.offset, g.mask(mask, g.branch(op, value, ifTrue, ifFalse)));
}

/**
 * orderedTest decides `(arg & mask) > value` (strict) or `>=` on a 32- or
 * 64-bit argument: high words first, the low words only on a tie.
 */
function orderedTest(
  g: Graph,
  c: Compare,
  strict: boolean,
  ifTrue: NodeId,
  ifFalse: NodeId,
): NodeId {
  const low: Word = { offset: SeccompDataOffset.argLow(c.arg.index), mask: Number(c.mask & WORD) };
  const lowValue = Number(c.value & WORD);
  const onLow = wordTest(g, low, strict ? 'gt' : 'ge', lowValue, ifTrue, ifFalse);
  if (c.arg.width === 32) return onLow;
  const highMask = Number(c.mask >> 32n);
  const highValue = Number(c.value >> 32n);
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
  return g.load(SeccompDataOffset.argHigh(c.arg.index), g.mask(highMask, decideHigh));
}

/** equalTest decides `(arg & mask) == value` on a 32- or 64-bit argument. */
function equalTest(g: Graph, c: Compare, ifTrue: NodeId, ifFalse: NodeId): NodeId {
  const low: Word = { offset: SeccompDataOffset.argLow(c.arg.index), mask: Number(c.mask & WORD) };
  const onLow = wordTest(g, low, 'eq', Number(c.value & WORD), ifTrue, ifFalse);
  if (c.arg.width === 32) return onLow;
  const high: Word = { offset: SeccompDataOffset.argHigh(c.arg.index), mask: Number(c.mask >> 32n) };
  return wordTest(g, high, 'eq', Number(c.value >> 32n), onLow, ifFalse);
}

/** lowerCompare returns a node deciding one comparison: `ifTrue` when it holds, else `ifFalse`. */
export function lowerCompare(g: Graph, c: Compare, ifTrue: NodeId, ifFalse: NodeId): NodeId {
  switch (c.op) {
    case 'eq':
      return equalTest(g, c, ifTrue, ifFalse);
    case 'ne':
      return equalTest(g, c, ifFalse, ifTrue);
    case 'gt':
      return orderedTest(g, c, true, ifTrue, ifFalse);
    case 'le':
      return orderedTest(g, c, true, ifFalse, ifTrue);
    case 'ge':
      return orderedTest(g, c, false, ifTrue, ifFalse);
    case 'lt':
      return orderedTest(g, c, false, ifFalse, ifTrue);
  }
}
