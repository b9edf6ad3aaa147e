/**
 * Layout: the decision graph laid out as a straight BPF program.
 *
 * 1. Redundant loads and masks are skipped: a forward pass over the graph
 *    tracks what A holds on entry to each node (the meet over all the paths
 *    that reach it), and a load of a word A already holds is bypassed.
 * 2. Nodes are ordered by reverse post-order, so every jump goes forward and
 *    a node's last successor usually follows it directly.
 * 3. Jumps are symbolic until the end: late passes turn them into offsets
 *    and, where a conditional target is more than 255 instructions ahead,
 *    route it through an island: a copy of the target when it is a return
 *    (as short as a `ja` to it, and one instruction less to run), a `ja` to
 *    it otherwise. An island goes as far ahead as the branch can reach, after
 *    an instruction that never falls through, so that every later branch in
 *    reach of it with the same target shares it: a long filter whose checks
 *    all fail to one return needs a few copies of it, not one per branch.
 *
 * Layout runs at every bind, so its tables are flat arrays indexed by node
 * or slot number, the bytes are written straight from the slots, and the
 * typed instructions are made only when someone asks for them.
 */
import { sockFilterBytes, withConstants } from '../bpf/assemble.js';
import { op } from '../bpf/instructions.js';
import type { Instruction } from '../bpf/instructions.js';
import { BPF_ABS, BPF_ALU, BPF_AND, BPF_JA, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W, JUMP_CONDITION } from '../bpf/opcodes.js';
import { SECCOMP_DATA_SIZE } from '../bpf/seccomp.js';
import type { Graph, MachineCondition, NodeId } from './graph.js';

const MAX_CONDITIONAL_SKIP = 255;

// The opcodes of the five instructions a layout writes.
const JA = BPF_JMP | BPF_JA;
const RET_K = BPF_RET | BPF_K;
const LD_W_ABS = BPF_LD | BPF_W | BPF_ABS;
const AND_K = BPF_ALU | BPF_AND | BPF_K;
const JUMP_K: Readonly<Record<MachineCondition, number>> = {
  eq: BPF_JMP | JUMP_CONDITION.eq.operation | BPF_K,
  gt: BPF_JMP | JUMP_CONDITION.gt.operation | BPF_K,
  ge: BPF_JMP | JUMP_CONDITION.ge.operation | BPF_K,
  set: BPF_JMP | JUMP_CONDITION.set.operation | BPF_K,
};

/**
 * What A holds, as a number: UNKNOWN where paths disagree, a word's offset
 * when A holds that word of seccomp_data, and a number from `Accumulators`
 * for a word masked one or more times.
 */
type Accumulator = number;
const UNKNOWN = -1;
/** No path has reached the node yet. */
const UNSEEN = -2;
/** Masked words are numbered from here up, above every seccomp_data offset. */
const FIRST_MASKED = SECCOMP_DATA_SIZE;

/** Accumulators numbers each masked state (what A held, then the mask) once, so equal states get equal numbers. */
class Accumulators {
  private readonly masked = new Map<number, Accumulator>();

  /** after returns what A holds once `node` runs with `before` in A. */
  after(g: Graph, node: NodeId, before: Accumulator): Accumulator {
    switch (g.kind(node)) {
      case 'load':
        return g.value(node);
      case 'mask': {
        if (before === UNKNOWN) return UNKNOWN;
        const key = before * 0x1_0000_0000 + g.value(node);
        let state = this.masked.get(key);
        if (state === undefined) {
          state = FIRST_MASKED + this.masked.size;
          this.masked.set(key, state);
        }
        return state;
      }
      default:
        return before;
    }
  }
}

/** successorCount is how many nodes a node can go to next. */
function successorCount(g: Graph, id: NodeId): number {
  const kind = g.kind(id);
  return kind === 'return' ? 0 : kind === 'branch' ? 2 : 1;
}

/** successor returns a node's successor number `which` (0: next or true target, 1: false target). */
function successor(g: Graph, id: NodeId, which: number): NodeId {
  return which === 0 ? g.next(id) : g.ifFalse(id);
}

/** order returns the nodes reachable from root in reverse post-order. */
function order(g: Graph, root: NodeId): NodeId[] {
  const visited = new Array<boolean>(g.size).fill(false);
  const post: NodeId[] = [];
  // The path being explored, and for each node on it the next successor to visit.
  const stack: NodeId[] = [root];
  const position: number[] = [0];
  visited[root] = true;
  while (stack.length > 0) {
    const top = stack.length - 1;
    const id = stack[top]!;
    const which = position[top]!;
    if (which < successorCount(g, id)) {
      position[top] = which + 1;
      const child = successor(g, id, which);
      if (!visited[child]) {
        visited[child] = true;
        stack.push(child);
        position.push(0);
      }
    } else {
      post.push(id);
      stack.pop();
      position.pop();
    }
  }
  return post.reverse();
}

/**
 * redundantNodes marks the loads and masks that leave A as it already is on
 * every path that reaches them.
 */
function redundantNodes(g: Graph, sequence: readonly NodeId[]): boolean[] {
  const entry = new Array<Accumulator>(g.size).fill(UNSEEN);
  const redundant = new Array<boolean>(g.size).fill(false);
  const accumulators = new Accumulators();
  entry[sequence[0]!] = UNKNOWN;
  for (const id of sequence) {
    const seen = entry[id]!;
    const before = seen === UNSEEN ? UNKNOWN : seen;
    const after = accumulators.after(g, id, before);
    const kind = g.kind(id);
    if ((kind === 'load' || kind === 'mask') && before !== UNKNOWN && after === before) redundant[id] = true;
    for (let which = 0; which < successorCount(g, id); which++) {
      const s = successor(g, id, which);
      const known = entry[s]!;
      entry[s] = known === UNSEEN || known === after ? after : UNKNOWN;
    }
  }
  return redundant;
}

/**
 * The program as slots. A slot is either a node or a `ja` to a node; slots
 * are numbered in the order they are made, and `sequence` lists them in
 * program order.
 */
class Slots {
  /** The node a slot emits, or -1 for a `ja`. */
  readonly nodes: NodeId[] = [];
  /** The node a `ja` slot jumps to. */
  readonly targets: NodeId[] = [];
  /** The island slot a branch slot's true (false) target goes through, or -1. */
  readonly viaTrue: number[] = [];
  readonly viaFalse: number[] = [];
  /** Whether a `ja` slot is an island (rather than the continuation of a load or mask). */
  readonly island: boolean[] = [];
  sequence: number[] = [];

  /** add makes a slot and returns its number. */
  add(node: NodeId, target: NodeId, island = false): number {
    this.nodes.push(node);
    this.targets.push(target);
    this.viaTrue.push(-1);
    this.viaFalse.push(-1);
    this.island.push(island);
    return this.nodes.length - 1;
  }

  /** barrier tells whether control never falls through a slot to the next one (so an island may follow it). */
  barrier(g: Graph, slot: number): boolean {
    const id = this.nodes[slot]!;
    if (id < 0) return true;
    const kind = g.kind(id);
    return kind === 'return' || kind === 'branch';
  }
}

/** placeNodes lists the slots of the graph under root, before any jump is resolved. */
function placeNodes(g: Graph, root: NodeId): { slots: Slots; resolved: NodeId[] } {
  const sequence = order(g, root);
  const redundant = redundantNodes(g, sequence);
  const resolved = new Array<NodeId>(g.size).fill(-1);
  for (let i = sequence.length - 1; i >= 0; i--) {
    const id = sequence[i]!;
    // Successors come later in the sequence, so theirs are already resolved.
    resolved[id] = redundant[id] ? resolved[g.next(id)]! : id;
  }
  const slots = new Slots();
  const kept = sequence.filter((id) => !redundant[id]);
  kept.forEach((id, i) => {
    slots.sequence.push(slots.add(id, -1));
    const kind = g.kind(id);
    if (kind === 'load' || kind === 'mask') {
      const next = resolved[g.next(id)]!;
      if (kept[i + 1] !== next) slots.sequence.push(slots.add(-1, next));
    }
  });
  return { slots, resolved };
}

/** How far short of the reach limit a new island is placed, for the islands the same pass adds before it. */
const ISLAND_SLACK = 32;
/** After this many passes islands go right after their branch, which always settles. */
const SHARED_ISLAND_PASSES = 12;

/** An island of some target: where it is (a new one: the index it follows + 0.5) and its slot. */
interface Island {
  readonly position: number;
  readonly slot: number;
}

/**
 * islandsNeeded routes every branch whose target (or island) lies out of
 * reach through an island of that target in reach: one already there, or a
 * new one placed after the last instruction in reach that never falls
 * through (`adjacent`: right after the branch). Islands added in one pass
 * shift what follows them, so passes repeat until one adds nothing. Returns
 * whether this pass added any.
 */
function islandsNeeded(g: Graph, slots: Slots, at: (id: NodeId) => number, adjacent: boolean): boolean {
  const sequence = slots.sequence;
  const length = sequence.length;
  const indexOfSlot = new Int32Array(slots.nodes.length).fill(-1);
  const lastBarrier = new Int32Array(length);
  const islands = new Map<NodeId, Island[]>();
  for (let i = 0; i < length; i++) {
    const slot = sequence[i]!;
    indexOfSlot[slot] = i;
    lastBarrier[i] = slots.barrier(g, slot) ? i : i > 0 ? lastBarrier[i - 1]! : -1;
    if (slots.nodes[slot]! < 0) islandsOf(islands, slots.targets[slot]!).push({ position: i, slot });
  }
  const inReach = (from: number, to: number, limit: number): boolean => to > from && to - (from + 1) <= limit;
  const inserts = new Map<number, number[]>();
  const route = (i: number, target: NodeId, via: number): number => {
    if (inReach(i, via >= 0 ? indexOfSlot[via]! : at(target), MAX_CONDITIONAL_SKIP)) return via;
    const known = islandsOf(islands, target);
    const near = adjacent ? undefined : known.find((island) => inReach(i, island.position, MAX_CONDITIONAL_SKIP - ISLAND_SLACK));
    if (near !== undefined) return near.slot;
    const after = adjacent ? i : lastBarrier[Math.min(i + MAX_CONDITIONAL_SKIP - ISLAND_SLACK, length - 1)]!;
    const slot = slots.add(-1, target, true);
    let list = inserts.get(after);
    if (list === undefined) inserts.set(after, (list = []));
    list.push(slot);
    known.push({ position: after + 0.5, slot });
    return slot;
  };
  for (let i = 0; i < length; i++) {
    const slot = sequence[i]!;
    const id = slots.nodes[slot]!;
    if (id < 0 || g.kind(id) !== 'branch') continue;
    slots.viaTrue[slot] = route(i, g.next(id), slots.viaTrue[slot]!);
    slots.viaFalse[slot] = route(i, g.ifFalse(id), slots.viaFalse[slot]!);
  }
  if (inserts.size === 0) return false;
  const next: number[] = [];
  for (let i = 0; i < length; i++) {
    next.push(sequence[i]!);
    const list = inserts.get(i);
    if (list) next.push(...list);
  }
  slots.sequence = next;
  return true;
}

/** islandsOf is the list of a target's islands, made on first use. */
function islandsOf(islands: Map<NodeId, Island[]>, target: NodeId): Island[] {
  let list = islands.get(target);
  if (list === undefined) islands.set(target, (list = []));
  return list;
}

/** dropUnusedIslands removes the islands no branch goes through any more (removing only shortens jumps). */
function dropUnusedIslands(slots: Slots): void {
  const used = new Uint8Array(slots.nodes.length);
  for (const slot of slots.sequence) {
    if (slots.viaTrue[slot]! >= 0) used[slots.viaTrue[slot]!] = 1;
    if (slots.viaFalse[slot]! >= 0) used[slots.viaFalse[slot]!] = 1;
  }
  slots.sequence = slots.sequence.filter((slot) => !slots.island[slot] || used[slot] === 1);
}

/** Emitter makes one instruction of each kind a layout writes: the bytes, or typed instructions. */
interface Emitter<T> {
  ret(value: number): T;
  load(offset: number): T;
  and(mask: number): T;
  jump(offset: number): T;
  jumpIf(condition: MachineCondition, value: number, skipTrue: number, skipFalse: number): T;
}

/**
 * Layout is the graph under a root laid out as a program with every jump
 * resolved (far conditional jumps through islands, see islandsNeeded).
 */
export class Layout {
  private readonly slots: Slots;
  /** Each node, or the node it stands for when it is skipped as redundant. */
  private readonly resolved: readonly NodeId[];
  /** Where each node's slot is in the program. */
  private readonly position: number[];
  /** Where each slot is in the program. */
  private readonly indexOf: number[];
  /** The branches, made by branchesInOrder when first patched. */
  private branches: number[] | undefined;

  constructor(
    private readonly g: Graph,
    root: NodeId,
  ) {
    const { slots, resolved } = placeNodes(g, root);
    this.slots = slots;
    this.resolved = resolved;
    this.position = new Array<number>(g.size).fill(-1);
    const at = (id: NodeId): number => this.at(id);
    const place = (): void =>
      slots.sequence.forEach((slot, i) => {
        const id = slots.nodes[slot]!;
        if (id >= 0) this.position[id] = i;
      });
    let passes = 0;
    do place();
    while (islandsNeeded(g, slots, at, ++passes > SHARED_ISLAND_PASSES));
    dropUnusedIslands(slots);
    place();
    this.indexOf = new Array<number>(slots.nodes.length).fill(-1);
    slots.sequence.forEach((slot, i) => (this.indexOf[slot] = i));
  }

  /** length is the number of instructions. */
  get length(): number {
    return this.slots.sequence.length;
  }

  /** bytes writes the program as `struct sock_filter[]`. */
  bytes(): Uint8Array {
    const fields: number[] = [];
    const write = (code: number, jt: number, jf: number, k: number): void => void fields.push(code, jt, jf, k);
    this.emit<void>({
      ret: (value) => write(RET_K, 0, 0, value),
      load: (offset) => write(LD_W_ABS, 0, 0, offset),
      and: (mask) => write(AND_K, 0, 0, mask),
      jump: (offset) => write(JA, 0, 0, offset),
      jumpIf: (condition, value, skipTrue, skipFalse) => write(JUMP_K[condition], skipTrue, skipFalse, value),
    });
    return sockFilterBytes(fields);
  }

  /** instructions returns the program as typed instructions. */
  instructions(): Instruction[] {
    return this.emit<Instruction>({
      ret: (value) => op.ret(value),
      load: (offset) => op.load(offset),
      and: (mask) => op.alu('and', mask),
      jump: (offset) => op.jump(offset),
      jumpIf: (condition, value, skipTrue, skipFalse) => op.jumpIf(condition, value, skipTrue, skipFalse),
    });
  }

  /** emit makes each instruction of the program, in order, with `make`. */
  private emit<T>(make: Emitter<T>): T[] {
    const { g, slots } = this;
    return slots.sequence.map((slot, i) => {
      const id = slots.nodes[slot]!;
      if (id < 0) {
        // An island or a continuation: a copy of the return it reaches, or a jump to its target.
        const target = slots.targets[slot]!;
        return g.kind(target) === 'return' ? make.ret(g.value(target)) : make.jump(this.at(target) - (i + 1));
      }
      switch (g.kind(id)) {
        case 'return':
          return make.ret(g.value(id));
        case 'load':
          return make.load(g.value(id));
        case 'mask':
          return make.and(g.value(id));
        case 'branch':
          return make.jumpIf(g.condition(id), g.value(id), this.skipTrue(slot, i), this.skipFalse(slot, i));
      }
    });
  }

  /**
   * patchedBytes returns a copy of `bytes` (this layout's bytes) with each
   * branch's constant replaced by `constantOf` of its node.
   */
  patchedBytes(bytes: Uint8Array, constantOf: (id: NodeId) => number): Uint8Array {
    this.branches ??= this.branchesInOrder();
    const patches = new Array<number>(this.branches.length);
    for (let i = 0; i < patches.length; i += 2) {
      patches[i] = this.branches[i]!;
      patches[i + 1] = constantOf(this.branches[i + 1]!);
    }
    return withConstants(bytes, patches);
  }

  /** branchesInOrder lists each branch as a pair: where it is in the program, and its node. */
  private branchesInOrder(): number[] {
    const branches: number[] = [];
    const { g, slots } = this;
    slots.sequence.forEach((slot, i) => {
      const id = slots.nodes[slot]!;
      if (id >= 0 && g.kind(id) === 'branch') branches.push(i, id);
    });
    return branches;
  }

  /** at is where the code for a node begins. */
  private at(id: NodeId): number {
    return this.position[this.resolved[id]!]!;
  }

  /** skipTrue is how far the branch in `slot`, at `i`, jumps when its condition holds. */
  private skipTrue(slot: number, i: number): number {
    const via = this.slots.viaTrue[slot]!;
    return (via >= 0 ? this.indexOf[via]! : this.at(this.g.next(this.slots.nodes[slot]!))) - (i + 1);
  }

  /** skipFalse is how far the branch in `slot`, at `i`, jumps when its condition fails. */
  private skipFalse(slot: number, i: number): number {
    const via = this.slots.viaFalse[slot]!;
    return (via >= 0 ? this.indexOf[via]! : this.at(this.g.ifFalse(this.slots.nodes[slot]!))) - (i + 1);
  }
}
