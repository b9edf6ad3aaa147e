/**
 * Layout: the decision graph laid out as a straight BPF program.
 *
 * 1. Redundant loads and masks are skipped: a forward pass over the graph
 *    tracks what A holds on entry to each node (the meet over all the paths
 *    that reach it), and a load of a word A already holds is bypassed.
 * 2. Nodes are ordered by reverse post-order, so every jump goes forward and
 *    a node's last successor usually follows it directly.
 * 3. Jumps are symbolic until the end: one late pass turns them into offsets
 *    and, where a conditional target is more than 255 instructions ahead,
 *    routes it through a `ja` trampoline placed right after the branch.
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
  /** The trampoline slot a branch slot's true (false) target goes through, or -1. */
  readonly viaTrue: number[] = [];
  readonly viaFalse: number[] = [];
  sequence: number[] = [];

  /** add makes a slot and returns its number. */
  add(node: NodeId, target: NodeId): number {
    this.nodes.push(node);
    this.targets.push(target);
    this.viaTrue.push(-1);
    this.viaFalse.push(-1);
    return this.nodes.length - 1;
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

/**
 * trampolinesNeeded gives every branch whose target lies out of reach a
 * trampoline right after it, and tells whether it added any.
 */
function trampolinesNeeded(g: Graph, slots: Slots, at: (id: NodeId) => number): boolean {
  const next: number[] = [];
  let added = false;
  const out = (via: number, target: NodeId, i: number): boolean => via < 0 && at(target) - (i + 1) > MAX_CONDITIONAL_SKIP;
  for (let i = 0; i < slots.sequence.length; i++) {
    const slot = slots.sequence[i]!;
    next.push(slot);
    const id = slots.nodes[slot]!;
    if (id < 0 || g.kind(id) !== 'branch') continue;
    if (out(slots.viaTrue[slot]!, g.next(id), i)) {
      next.push((slots.viaTrue[slot] = slots.add(-1, g.next(id))));
      added = true;
    }
    if (out(slots.viaFalse[slot]!, g.ifFalse(id), i)) {
      next.push((slots.viaFalse[slot] = slots.add(-1, g.ifFalse(id))));
      added = true;
    }
  }
  if (added) slots.sequence = next;
  return added;
}

/**
 * Layout is the graph under a root laid out as a program with every jump
 * resolved. Each pass that resolves jumps finds every conditional jump that
 * does not fit and gives it a trampoline right after its branch; inserting
 * can push other jumps out of reach, so passes repeat until none does.
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
    do {
      slots.sequence.forEach((slot, i) => {
        const id = slots.nodes[slot]!;
        if (id >= 0) this.position[id] = i;
      });
    } while (trampolinesNeeded(g, slots, at));
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
    const { g, slots } = this;
    slots.sequence.forEach((slot, i) => {
      const id = slots.nodes[slot]!;
      if (id < 0) return void fields.push(JA, 0, 0, this.at(slots.targets[slot]!) - (i + 1));
      switch (g.kind(id)) {
        case 'return':
          return void fields.push(RET_K, 0, 0, g.value(id));
        case 'load':
          return void fields.push(LD_W_ABS, 0, 0, g.value(id));
        case 'mask':
          return void fields.push(AND_K, 0, 0, g.value(id));
        case 'branch':
          return void fields.push(JUMP_K[g.condition(id)], this.skipTrue(slot, i), this.skipFalse(slot, i), g.value(id));
      }
    });
    return sockFilterBytes(fields);
  }

  /** instructions returns the program as typed instructions. */
  instructions(): Instruction[] {
    const { g, slots } = this;
    return slots.sequence.map((slot, i) => {
      const id = slots.nodes[slot]!;
      if (id < 0) return op.jump(this.at(slots.targets[slot]!) - (i + 1));
      switch (g.kind(id)) {
        case 'return':
          return op.ret(g.value(id));
        case 'load':
          return op.load(g.value(id));
        case 'mask':
          return op.alu('and', g.value(id));
        case 'branch':
          return op.jumpIf(g.condition(id), g.value(id), this.skipTrue(slot, i), this.skipFalse(slot, i));
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
