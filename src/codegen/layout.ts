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
 */
import { op } from '../bpf/instructions.js';
import type { Instruction } from '../bpf/instructions.js';
import type { Graph, GraphNode, NodeId } from './graph.js';
import { successors } from './graph.js';

const MAX_CONDITIONAL_SKIP = 255;

/** What A holds: a word of seccomp_data, possibly masked; UNKNOWN where paths disagree. */
type Accumulator = string;
const UNKNOWN = '?';

function effect(node: GraphNode, before: Accumulator): Accumulator {
  switch (node.kind) {
    case 'load':
      return `w${node.offset}`;
    case 'mask':
      return before === UNKNOWN ? UNKNOWN : `${before}&${node.mask}`;
    default:
      return before;
  }
}

/** order returns the nodes reachable from root in reverse post-order. */
function order(g: Graph, root: NodeId): NodeId[] {
  const visited = new Set<NodeId>([root]);
  const post: NodeId[] = [];
  const stack: { id: NodeId; next: number }[] = [{ id: root, next: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const succ = successors(g.node(frame.id));
    if (frame.next < succ.length) {
      const child = succ[frame.next++]!;
      if (!visited.has(child)) {
        visited.add(child);
        stack.push({ id: child, next: 0 });
      }
    } else {
      post.push(frame.id);
      stack.pop();
    }
  }
  return post.reverse();
}

/**
 * redundantNodes returns the loads and masks that leave A as it already is
 * on every path that reaches them.
 */
function redundantNodes(g: Graph, sequence: readonly NodeId[]): Set<NodeId> {
  const entry = new Map<NodeId, Accumulator>([[sequence[0]!, UNKNOWN]]);
  const redundant = new Set<NodeId>();
  for (const id of sequence) {
    const node = g.node(id);
    const before = entry.get(id) ?? UNKNOWN;
    const after = effect(node, before);
    if ((node.kind === 'load' || node.kind === 'mask') && before !== UNKNOWN && after === before) {
      redundant.add(id);
    }
    for (const s of successors(node)) {
      const known = entry.get(s);
      entry.set(s, known === undefined || known === after ? after : UNKNOWN);
    }
  }
  return redundant;
}

/** A BPF instruction whose jumps still name nodes or slots. */
type Slot =
  | { readonly kind: 'node'; readonly id: NodeId }
  | { readonly kind: 'ja'; readonly target: NodeId };

/** layout turns the graph under root into a program with resolved jumps. */
export function layout(g: Graph, root: NodeId): Instruction[] {
  const sequence = order(g, root);
  const redundant = redundantNodes(g, sequence);
  const resolve = (id: NodeId): NodeId => {
    let current = id;
    while (redundant.has(current)) {
      const n = g.node(current);
      if (n.kind !== 'load' && n.kind !== 'mask') break;
      current = n.next;
    }
    return current;
  };
  const kept = sequence.filter((id) => !redundant.has(id));
  const slots: Slot[] = [];
  kept.forEach((id, i) => {
    slots.push({ kind: 'node', id });
    const node = g.node(id);
    if (node.kind === 'load' || node.kind === 'mask') {
      const next = resolve(node.next);
      if (kept[i + 1] !== next) slots.push({ kind: 'ja', target: next });
    }
  });
  return resolveJumps(g, slots, resolve);
}

/**
 * resolveJumps assigns offsets. Each pass finds every conditional jump that
 * does not fit and gives it a trampoline right after its branch; inserting
 * can push other jumps out of reach, so passes repeat until none does.
 */
function resolveJumps(g: Graph, initial: Slot[], resolve: (id: NodeId) => NodeId): Instruction[] {
  let slots = [...initial];
  const viaTrue = new Map<Slot, Slot>();
  const viaFalse = new Map<Slot, Slot>();
  for (;;) {
    const position = new Map<NodeId, number>();
    slots.forEach((slot, i) => {
      if (slot.kind === 'node') position.set(slot.id, i);
    });
    const at = (id: NodeId): number => position.get(resolve(id))!;
    const additions = new Map<number, Slot[]>();
    slots.forEach((slot, i) => {
      if (slot.kind !== 'node') return;
      const node = g.node(slot.id);
      if (node.kind !== 'branch') return;
      const added: Slot[] = [];
      for (const [target, via] of [
        [node.ifTrue, viaTrue],
        [node.ifFalse, viaFalse],
      ] as const) {
        if (!via.has(slot) && at(target) - (i + 1) > MAX_CONDITIONAL_SKIP) {
          const trampoline: Slot = { kind: 'ja', target };
          via.set(slot, trampoline);
          added.push(trampoline);
        }
      }
      if (added.length > 0) additions.set(i, added);
    });
    if (additions.size === 0) {
      const indexOf = new Map<Slot, number>(slots.map((slot, i) => [slot, i]));
      return slots.map((slot, i) => emit(g, slot, i, at, viaTrue, viaFalse, indexOf));
    }
    const next: Slot[] = [];
    slots.forEach((slot, i) => {
      next.push(slot);
      next.push(...(additions.get(i) ?? []));
    });
    slots = next;
  }
}

function emit(
  g: Graph,
  slot: Slot,
  i: number,
  at: (id: NodeId) => number,
  viaTrue: Map<Slot, Slot>,
  viaFalse: Map<Slot, Slot>,
  indexOf: Map<Slot, number>,
): Instruction {
  if (slot.kind === 'ja') return op.jump(at(slot.target) - (i + 1));
  const node = g.node(slot.id);
  switch (node.kind) {
    case 'return':
      return op.ret(node.value);
    case 'load':
      return op.load(node.offset);
    case 'mask':
      return op.alu('and', node.mask);
    case 'branch': {
      const t = viaTrue.get(slot);
      const f = viaFalse.get(slot);
      const skipTrue = (t ? indexOf.get(t)! : at(node.ifTrue)) - (i + 1);
      const skipFalse = (f ? indexOf.get(f)! : at(node.ifFalse)) - (i + 1);
      return op.jumpIf(node.condition, node.value, skipTrue, skipFalse);
    }
  }
}
