/**
 * Patching a remembered layout: binding a policy again usually changes
 * constants (fds, sizes, bounds), not the shape of the filter. When the new
 * decision graph has exactly the shape of one laid out before (the same
 * nodes, kinds, loads, masks, returns and branch conditions, joined the same
 * way) and differs at most in the constants its branches compare with, the
 * new program is the old one with those constants written in.
 *
 * That is exact, not a guess: layout reads the graph's shape, loads, masks
 * and returns (the order, the redundant loads, the jumps and islands
 * depend on nothing else), and a branch's constant only becomes that
 * instruction's `k`. So two graphs that correspond node for node lay out to
 * the same instructions in the same places, except for those constants.
 */
import type { Instruction } from '../bpf/instructions.js';
import { BPF_MAXINSNS } from '../bpf/seccomp.js';
import { ProgramTooLarge } from './errors.js';
import type { Graph, NodeId } from './graph.js';
import { Layout } from './layout.js';

/** A generated filter: typed instructions and the kernel's byte layout. */
export interface CompiledProgram {
  readonly instructions: readonly Instruction[];
  readonly bytes: Uint8Array;
}

/**
 * A filter's bytes, and its typed instructions, made when first read (a
 * launch needs only the bytes).
 */
class CompiledFilter implements CompiledProgram {
  private typed: readonly Instruction[] | undefined;

  constructor(
    readonly bytes: Uint8Array,
    private readonly typedInstructions: () => readonly Instruction[],
  ) {}

  /** The typed instructions, made on first read. */
  get instructions(): readonly Instruction[] {
    return (this.typed ??= this.typedInstructions());
  }
}

/** layOut lays out the graph under root. Throws ProgramTooLarge past the kernel's limit. */
function layOut(g: Graph, root: NodeId): { layout: Layout; program: CompiledProgram } {
  const layout = new Layout(g, root);
  if (layout.length > BPF_MAXINSNS) throw new ProgramTooLarge(layout.length);
  return { layout, program: new CompiledFilter(layout.bytes(), () => layout.instructions()) };
}

/** program lays out the graph under root into a filter. Throws ProgramTooLarge past the kernel's limit. */
export function program(g: Graph, root: NodeId): CompiledProgram {
  return layOut(g, root).program;
}

/**
 * correspondence pairs the nodes under `root` in `g` with those under
 * `otherRoot` in `other`: it returns, for each node of `other`, its
 * counterpart in `g` (-1 for nodes not under otherRoot), or undefined as soon
 * as the two differ in anything but the constants of branches.
 */
export function correspondence(g: Graph, root: NodeId, other: Graph, otherRoot: NodeId): number[] | undefined {
  const to = new Array<number>(g.size).fill(-1);
  const from = new Array<number>(other.size).fill(-1);
  const pending: NodeId[] = [root, otherRoot];
  while (pending.length > 0) {
    const there = pending.pop()!;
    const here = pending.pop()!;
    if (to[here] === there) continue;
    if (to[here]! >= 0 || from[there]! >= 0) return undefined;
    to[here] = there;
    from[there] = here;
    const kind = g.kind(here);
    if (kind !== other.kind(there)) return undefined;
    if (kind === 'branch') {
      if (g.condition(here) !== other.condition(there)) return undefined;
      pending.push(g.ifFalse(here), other.ifFalse(there));
    } else if (g.value(here) !== other.value(there)) {
      return undefined;
    }
    if (kind !== 'return') pending.push(g.next(here), other.next(there));
  }
  return from;
}

/** A layout remembered with the graph it was made from and its bytes. */
interface Remembered {
  readonly g: Graph;
  readonly root: NodeId;
  readonly layout: Layout;
  readonly bytes: Uint8Array;
}

/** How many layouts a LayoutMemory keeps: a policy is usually bound in one shape, or alternately in two. */
const REMEMBERED = 4;

/**
 * LayoutMemory remembers the last few layouts and lays out a graph by
 * patching one of them when the graph corresponds to its graph, or afresh.
 */
export class LayoutMemory {
  private readonly remembered: Remembered[] = [];

  /** program lays out the graph under root into a filter. Throws ProgramTooLarge past the kernel's limit. */
  program(g: Graph, root: NodeId): CompiledProgram {
    for (const entry of this.remembered) {
      const bytes = this.patched(entry, g, root);
      if (bytes !== undefined) return new CompiledFilter(bytes, () => new Layout(g, root).instructions());
    }
    const { layout, program } = layOut(g, root);
    // A copy: the caller owns the program's bytes and may write to them.
    this.remembered.unshift({ g, root, layout, bytes: program.bytes.slice() });
    this.remembered.length = Math.min(this.remembered.length, REMEMBERED);
    return program;
  }

  /** patched returns the remembered program with the constants of `g`, or undefined when `g` does not correspond to its graph. */
  private patched(entry: Remembered, g: Graph, root: NodeId): Uint8Array | undefined {
    // Built the same way, the graphs usually agree node for node: then each node is its own counterpart.
    if (root === entry.root && g.differsOnlyInBranchConstants(entry.g)) return entry.layout.patchedBytes(entry.bytes, (id) => g.value(id));
    const counterpart = correspondence(g, root, entry.g, entry.root);
    return counterpart && entry.layout.patchedBytes(entry.bytes, (id) => g.value(counterpart[id]!));
  }
}
