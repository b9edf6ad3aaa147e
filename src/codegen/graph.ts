/**
 * The decision graph: the code generator's working form.
 *
 * A filter is built as a directed acyclic graph of four kinds of node: load a
 * word of `seccomp_data` into A, mask A with a constant, branch on A against
 * a constant, and return. Nodes are hash-consed, so two identical subgraphs
 * are one node: identical return blocks and identical argument-check blocks
 * are shared for free. Construction also drops work that cannot matter (a
 * branch whose targets agree, a load whose value is overwritten before use).
 *
 * The nodes live in flat arrays of numbers and are interned through an
 * open-addressing table of node numbers, not strings: a graph is built at every
 * bind, so building one allocates almost nothing per node.
 */

/** Index of a node in its graph. */
export type NodeId = number;

/** The machine's own jump conditions; negations are expressed by swapping targets. */
export type MachineCondition = 'eq' | 'gt' | 'ge' | 'set';

/** What a node does. */
export type NodeKind = 'return' | 'load' | 'mask' | 'branch';

/** The kinds by the number a node's tag holds in its low two bits. */
const KINDS: readonly NodeKind[] = ['return', 'load', 'mask', 'branch'];
const RETURN = 0;
const LOAD = 1;
const MASK = 2;
const BRANCH = 3;

const CONDITIONS: readonly MachineCondition[] = ['eq', 'gt', 'ge', 'set'];

/** conditionCode numbers a condition as its index in CONDITIONS. */
function conditionCode(condition: MachineCondition): number {
  switch (condition) {
    case 'eq':
      return 0;
    case 'gt':
      return 1;
    case 'ge':
      return 2;
    case 'set':
      return 3;
  }
}

/** A node's tag packs its kind (low two bits) and, for a branch, its condition. */
const tagOf = (kind: number, condition = 0): number => kind | (condition << 2);

/** Room for 2048 nodes before the first rehash; a zeroed Int32Array this size costs about as little as a small one. */
const INITIAL_TABLE = 4096;
/** How much the table grows when it is half full: a few big steps rehash less than many small ones. */
const GROWTH = 4;

/** mix hashes a node's four fields into 32 bits. */
function mix(tag: number, value: number, first: number, second: number): number {
  let h = Math.imul(tag + 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ value, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h ^ first, 0x85ebca6b);
  h = Math.imul(h ^ second, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Graph holds hash-consed decision nodes; every constructor returns a NodeId. */
export class Graph {
  private readonly tags: number[] = [];
  /** A return's value, a load's offset, a mask's mask, a branch's constant. */
  private readonly values: number[] = [];
  /** A load's or mask's next node, a branch's true target. */
  private readonly firsts: number[] = [];
  /** A branch's false target; -1 for the other kinds. */
  private readonly seconds: number[] = [];
  /** The instructions on the longest path from each node to a return, the return included. */
  private readonly longest: number[] = [];
  /** Open-addressing table of node ids plus one; 0 marks an empty slot. */
  private table = new Int32Array(INITIAL_TABLE);

  /** size is the number of distinct nodes built so far. */
  get size(): number {
    return this.tags.length;
  }

  /** kind tells what a node does. */
  kind(id: NodeId): NodeKind {
    return KINDS[this.tags[this.check(id)]! & 3]!;
  }

  /** value is a return's value, a load's offset, a mask's mask or a branch's constant. */
  value(id: NodeId): number {
    return this.values[this.check(id)]!;
  }

  /** next is the node after a load or a mask, or a branch's true target. */
  next(id: NodeId): NodeId {
    return this.firsts[this.check(id)]!;
  }

  /** ifFalse is a branch's false target. */
  ifFalse(id: NodeId): NodeId {
    return this.seconds[this.check(id)]!;
  }

  /** condition is a branch's jump condition. */
  condition(id: NodeId): MachineCondition {
    return CONDITIONS[this.tags[this.check(id)]! >> 2]!;
  }

  /** longestPath counts the instructions on the longest path from a node to a return (the return included). */
  longestPath(id: NodeId): number {
    return this.longest[this.check(id)]!;
  }

  /**
   * differsOnlyInBranchConstants tells whether another graph has the same
   * nodes under the same numbers, alike in everything but the constants of
   * branches (as a graph built again from a model differing only in values
   * usually is).
   */
  differsOnlyInBranchConstants(other: Graph): boolean {
    if (other.size !== this.size) return false;
    for (let id = 0; id < this.size; id++) {
      const tag = this.tags[id]!;
      if (tag !== other.tags[id] || this.firsts[id] !== other.firsts[id] || this.seconds[id] !== other.seconds[id]) return false;
      if ((tag & 3) !== BRANCH && this.values[id] !== other.values[id]) return false;
    }
    return true;
  }

  /** ret returns the node `return value`. */
  ret(value: number): NodeId {
    return this.intern(tagOf(RETURN), value >>> 0, -1, -1);
  }

  /** load returns `A = data[offset]; then next`, or just `next` when next ignores A. */
  load(offset: number, next: NodeId): NodeId {
    if (this.overwritesA(next)) return next;
    return this.intern(tagOf(LOAD), offset, next, -1);
  }

  /** mask returns `A &= mask; then next`, or `next` when the mask is all ones or next ignores A. */
  mask(mask: number, next: NodeId): NodeId {
    const m = mask >>> 0;
    if (m === 0xffffffff || this.overwritesA(next)) return next;
    return this.intern(tagOf(MASK), m, next, -1);
  }

  /** branch returns `if (A cond value) ifTrue else ifFalse`, or the target when both agree. */
  branch(condition: MachineCondition, value: number, ifTrue: NodeId, ifFalse: NodeId): NodeId {
    if (ifTrue === ifFalse) return ifTrue;
    return this.intern(tagOf(BRANCH, conditionCode(condition)), value >>> 0, ifTrue, ifFalse);
  }

  /** overwritesA tells whether a node never reads A before replacing or ignoring it. */
  private overwritesA(id: NodeId): boolean {
    const kind = this.tags[this.check(id)]! & 3;
    return kind === RETURN || kind === LOAD;
  }

  private check(id: NodeId): NodeId {
    if (!(id >= 0 && id < this.tags.length)) throw new RangeError(`no graph node ${id}`);
    return id;
  }

  private intern(tag: number, value: number, first: NodeId, second: NodeId): NodeId {
    const table = this.table;
    const mask = table.length - 1;
    let slot = mix(tag, value, first, second) & mask;
    for (let entry = table[slot]!; entry !== 0; entry = table[slot]!) {
      const id = entry - 1;
      if (this.tags[id] === tag && this.values[id] === value && this.firsts[id] === first && this.seconds[id] === second) return id;
      slot = (slot + 1) & mask;
    }
    const id = this.tags.length;
    this.tags.push(tag);
    this.values.push(value);
    this.firsts.push(first);
    this.seconds.push(second);
    const below = first < 0 ? 0 : Math.max(this.longest[first]!, second < 0 ? 0 : this.longest[second]!);
    this.longest.push(1 + below);
    if (2 * this.tags.length > table.length) this.rehash();
    else table[slot] = id + 1;
    return id;
  }

  /** rehash grows the table and enters every node again. */
  private rehash(): void {
    const table = new Int32Array(GROWTH * this.table.length);
    const mask = table.length - 1;
    for (let id = 0; id < this.tags.length; id++) {
      let slot = mix(this.tags[id]!, this.values[id]!, this.firsts[id]!, this.seconds[id]!) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = id + 1;
    }
    this.table = table;
  }
}
