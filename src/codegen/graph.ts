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
 * The nodes live in one flat typed array of 32-bit fields, with the
 * open-addressing table they are interned through (node numbers, not
 * strings): a graph is built at every bind, so building one allocates
 * nothing per node, and one array for the whole graph when its size is
 * known beforehand (CodegenCache remembers the last graph's size).
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

/** The fields of a node in the store, in order: its tag, value, first and second successors, and longest path. */
const STRIDE = 5;
const VALUE = 1;
const FIRST = 2;
const SECOND = 3;
const LONGEST = 4;
/** The fewest nodes a store has room for. */
const MINIMUM_CAPACITY = 64;
/** How much the store grows when it is full: a few big steps copy less than many small ones. */
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
  private count = 0;
  /** How many nodes the store has room for: a power of two. */
  private capacity: number;
  /**
   * The nodes, STRIDE fields each (a value is a return's value, a load's
   * offset, a mask's mask or a branch's constant, its 32 bits as a signed
   * number; the first successor is a load's or mask's next node or a branch's
   * true target; the second a branch's false target, -1 for the others; the
   * longest path counts the instructions from the node to a return, the
   * return included), then the intern table: 2 * capacity slots, each a node
   * id plus one, 0 for an empty slot. One typed array, so a graph costs one
   * allocation however many fields it has.
   */
  private store: Int32Array;

  /** `expectedSize` sizes the store for that many nodes (it grows as needed). */
  constructor(expectedSize = 0) {
    let capacity = MINIMUM_CAPACITY;
    while (capacity <= expectedSize) capacity *= 2;
    this.capacity = capacity;
    this.store = new Int32Array((STRIDE + 2) * capacity);
  }

  /** size is the number of distinct nodes built so far. */
  get size(): number {
    return this.count;
  }

  /** kind tells what a node does. */
  kind(id: NodeId): NodeKind {
    return KINDS[this.store[this.check(id) * STRIDE]! & 3]!;
  }

  /** value is a return's value, a load's offset, a mask's mask or a branch's constant. */
  value(id: NodeId): number {
    return this.store[this.check(id) * STRIDE + VALUE]! >>> 0;
  }

  /** next is the node after a load or a mask, or a branch's true target. */
  next(id: NodeId): NodeId {
    return this.store[this.check(id) * STRIDE + FIRST]!;
  }

  /** ifFalse is a branch's false target. */
  ifFalse(id: NodeId): NodeId {
    return this.store[this.check(id) * STRIDE + SECOND]!;
  }

  /** condition is a branch's jump condition. */
  condition(id: NodeId): MachineCondition {
    return CONDITIONS[this.store[this.check(id) * STRIDE]! >> 2]!;
  }

  /** longestPath counts the instructions on the longest path from a node to a return (the return included). */
  longestPath(id: NodeId): number {
    return this.store[this.check(id) * STRIDE + LONGEST]!;
  }

  /**
   * differsOnlyInBranchConstants tells whether another graph has the same
   * nodes under the same numbers, alike in everything but the constants of
   * branches (as a graph built again from a model differing only in values
   * usually is).
   */
  differsOnlyInBranchConstants(other: Graph): boolean {
    const size = this.count;
    if (other.count !== size) return false;
    const a = this.store;
    const b = other.store;
    for (let at = 0; at < size * STRIDE; at += STRIDE) {
      const tag = a[at]!;
      if (tag !== b[at] || a[at + FIRST] !== b[at + FIRST] || a[at + SECOND] !== b[at + SECOND]) return false;
      if ((tag & 3) !== BRANCH && a[at + VALUE] !== b[at + VALUE]) return false;
    }
    return true;
  }

  /** ret returns the node `return value`. */
  ret(value: number): NodeId {
    return this.intern(tagOf(RETURN), value | 0, -1, -1);
  }

  /** load returns `A = data[offset]; then next`, or just `next` when next ignores A. */
  load(offset: number, next: NodeId): NodeId {
    if (this.overwritesA(next)) return next;
    return this.intern(tagOf(LOAD), offset | 0, next, -1);
  }

  /** mask returns `A &= mask; then next`, or `next` when the mask is all ones or next ignores A. */
  mask(mask: number, next: NodeId): NodeId {
    const m = mask | 0;
    if (m === -1 || this.overwritesA(next)) return next;
    return this.intern(tagOf(MASK), m, next, -1);
  }

  /** branch returns `if (A cond value) ifTrue else ifFalse`, or the target when both agree. */
  branch(condition: MachineCondition, value: number, ifTrue: NodeId, ifFalse: NodeId): NodeId {
    if (ifTrue === ifFalse) return ifTrue;
    return this.intern(tagOf(BRANCH, conditionCode(condition)), value | 0, ifTrue, ifFalse);
  }

  /** overwritesA tells whether a node never reads A before replacing or ignoring it. */
  private overwritesA(id: NodeId): boolean {
    const kind = this.store[this.check(id) * STRIDE]! & 3;
    return kind === RETURN || kind === LOAD;
  }

  private check(id: NodeId): NodeId {
    if (!(id >= 0 && id < this.count)) throw new RangeError(`no graph node ${id}`);
    return id;
  }

  /** intern returns the node with these fields, made when there is none yet. `value` is the 32 bits as a signed number. */
  private intern(tag: number, value: number, first: NodeId, second: NodeId): NodeId {
    const store = this.store;
    const table = this.capacity * STRIDE;
    const mask = 2 * this.capacity - 1;
    let slot = mix(tag, value, first, second) & mask;
    for (let entry = store[table + slot]!; entry !== 0; entry = store[table + slot]!) {
      const at = (entry - 1) * STRIDE;
      if (store[at] === tag && store[at + VALUE] === value && store[at + FIRST] === first && store[at + SECOND] === second) return entry - 1;
      slot = (slot + 1) & mask;
    }
    const id = this.count;
    const at = id * STRIDE;
    store[at] = tag;
    store[at + VALUE] = value;
    store[at + FIRST] = first;
    store[at + SECOND] = second;
    store[at + LONGEST] = 1 + (first < 0 ? 0 : Math.max(store[first * STRIDE + LONGEST]!, second < 0 ? 0 : store[second * STRIDE + LONGEST]!));
    store[table + slot] = id + 1;
    this.count = id + 1;
    // Grown when full, the table is never more than half full.
    if (this.count === this.capacity) this.grow();
    return id;
  }

  /** grow moves the nodes to a store GROWTH times larger and enters every node in its table. */
  private grow(): void {
    const capacity = GROWTH * this.capacity;
    const store = new Int32Array((STRIDE + 2) * capacity);
    store.set(this.store.subarray(0, this.count * STRIDE));
    const table = capacity * STRIDE;
    const mask = 2 * capacity - 1;
    for (let id = 0, at = 0; id < this.count; id++, at += STRIDE) {
      let slot = mix(store[at]!, store[at + VALUE]!, store[at + FIRST]!, store[at + SECOND]!) & mask;
      while (store[table + slot] !== 0) slot = (slot + 1) & mask;
      store[table + slot] = id + 1;
    }
    this.capacity = capacity;
    this.store = store;
  }
}
