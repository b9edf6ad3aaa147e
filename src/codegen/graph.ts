/**
 * The decision graph: the code generator's working form.
 *
 * A filter is built as a directed acyclic graph of four kinds of node: load a
 * word of `seccomp_data` into A, mask A with a constant, branch on A against
 * a constant, and return. Nodes are hash-consed, so two identical subgraphs
 * are one node: identical return blocks and identical argument-check blocks
 * are shared for free. Construction also drops work that cannot matter (a
 * branch whose targets agree, a load whose value is overwritten before use).
 */

/** Index of a node in its graph. */
export type NodeId = number;

/** The machine's own jump conditions; negations are expressed by swapping targets. */
export type MachineCondition = 'eq' | 'gt' | 'ge' | 'set';

export interface ReturnNode {
  readonly kind: 'return';
  readonly value: number;
}
export interface LoadNode {
  readonly kind: 'load';
  readonly offset: number;
  readonly next: NodeId;
}
export interface MaskNode {
  readonly kind: 'mask';
  readonly mask: number;
  readonly next: NodeId;
}
export interface BranchNode {
  readonly kind: 'branch';
  readonly condition: MachineCondition;
  readonly value: number;
  readonly ifTrue: NodeId;
  readonly ifFalse: NodeId;
}

/** One node of the decision graph. */
export type GraphNode = ReturnNode | LoadNode | MaskNode | BranchNode;

/** Graph holds hash-consed decision nodes; every constructor returns a NodeId. */
export class Graph {
  private readonly nodes: GraphNode[] = [];
  private readonly ids = new Map<string, NodeId>();
  private readonly longest = new Map<NodeId, number>();

  /** node returns the node with the given id. */
  node(id: NodeId): GraphNode {
    const found = this.nodes[id];
    if (found === undefined) throw new RangeError(`no graph node ${id}`);
    return found;
  }

  /** size is the number of distinct nodes built so far. */
  get size(): number {
    return this.nodes.length;
  }

  /** longestPath counts the instructions on the longest path from a node to a return (the return included). */
  longestPath(id: NodeId): number {
    // Iterative post-order: rule chains can be thousands of nodes deep.
    const stack: NodeId[] = [id];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (this.longest.has(top)) {
        stack.pop();
        continue;
      }
      const next = successors(this.node(top));
      const pending = next.filter((s) => !this.longest.has(s));
      if (pending.length > 0) {
        stack.push(...pending);
        continue;
      }
      stack.pop();
      this.longest.set(top, 1 + next.reduce((most, s) => Math.max(most, this.longest.get(s)!), 0));
    }
    return this.longest.get(id)!;
  }

  /** ret returns the node `return value`. */
  ret(value: number): NodeId {
    return this.intern(`r${value >>> 0}`, { kind: 'return', value: value >>> 0 });
  }

  /** load returns `A = data[offset]; then next`, or just `next` when next ignores A. */
  load(offset: number, next: NodeId): NodeId {
    if (this.overwritesA(next)) return next;
    return this.intern(`l${offset}>${next}`, { kind: 'load', offset, next });
  }

  /** mask returns `A &= mask; then next`, or `next` when the mask is all ones or next ignores A. */
  mask(mask: number, next: NodeId): NodeId {
    const m = mask >>> 0;
    if (m === 0xffffffff || this.overwritesA(next)) return next;
    return this.intern(`m${m}>${next}`, { kind: 'mask', mask: m, next });
  }

  /** branch returns `if (A cond value) ifTrue else ifFalse`, or the target when both agree. */
  branch(condition: MachineCondition, value: number, ifTrue: NodeId, ifFalse: NodeId): NodeId {
    if (ifTrue === ifFalse) return ifTrue;
    const v = value >>> 0;
    return this.intern(`b${condition}${v}?${ifTrue}:${ifFalse}`, {
      kind: 'branch',
      condition,
      value: v,
      ifTrue,
      ifFalse,
    });
  }

  /** overwritesA tells whether a node never reads A before replacing or ignoring it. */
  private overwritesA(id: NodeId): boolean {
    const n = this.node(id);
    return n.kind === 'return' || n.kind === 'load';
  }

  private intern(key: string, node: GraphNode): NodeId {
    const existing = this.ids.get(key);
    if (existing !== undefined) return existing;
    const id = this.nodes.length;
    this.nodes.push(Object.freeze(node));
    this.ids.set(key, id);
    return id;
  }
}

/** successors lists the nodes a node can go to next. */
export function successors(node: GraphNode): NodeId[] {
  switch (node.kind) {
    case 'return':
      return [];
    case 'load':
    case 'mask':
      return [node.next];
    case 'branch':
      return [node.ifTrue, node.ifFalse];
  }
}
