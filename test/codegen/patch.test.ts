/**
 * Patching a remembered layout is exact only when the two decision graphs
 * correspond node for node, differing in nothing but branch constants:
 * `correspondence` must refuse every other difference, and a patched
 * program must be the program laid out afresh.
 */
import { describe, expect, it } from 'vitest';
import { Graph, type NodeId } from '../../src/codegen/graph.js';
import { correspondence, LayoutMemory, program } from '../../src/codegen/patch.js';

/** The pieces a test graph is built from; each can be varied on its own. */
interface Shape {
  readonly fd: number;
  readonly otherFd: number;
  readonly allow: number;
  readonly offset: number;
  readonly mask: number;
  readonly condition: 'gt' | 'ge';
  /** share makes both fds go to one check; otherwise each gets its own, differing in `bound`. */
  readonly share: boolean;
  readonly bound: number;
  /** backwards builds the second check first, so the same graph gets other node numbers. */
  readonly backwards: boolean;
}

const base: Shape = { fd: 4, otherFd: 9, allow: 0x7fff_0000, offset: 32, mask: 0xffff, condition: 'gt', share: false, bound: 100, backwards: false };

/** build makes `if fd == a: check(bound) elif fd == b: check(bound + 1) else kill`, the checks loading, masking and comparing one word. */
function build(shape: Shape): { g: Graph; root: NodeId } {
  const g = new Graph();
  const kill = g.ret(0);
  const check = (bound: number) => g.load(shape.offset, g.mask(shape.mask, g.branch(shape.condition, bound, kill, g.ret(shape.allow))));
  const checks: NodeId[] = [];
  for (const which of shape.backwards ? [1, 0] : [0, 1]) checks[which] = check(shape.share ? shape.bound : shape.bound + which);
  return { g, root: g.load(16, g.branch('eq', shape.fd, checks[0]!, g.branch('eq', shape.otherFd, checks[1]!, kill))) };
}

const corresponds = (a: Shape, b: Shape): boolean => {
  const left = build(a);
  const right = build(b);
  return correspondence(left.g, left.root, right.g, right.root) !== undefined;
};

describe('correspondence', () => {
  it('pairs graphs that differ only in the constants of branches', () => {
    expect(corresponds(base, { ...base, fd: 7, otherFd: 1, bound: 5000 })).toBe(true);
    expect(corresponds({ ...base, share: true }, { ...base, share: true, fd: 70, bound: 1 })).toBe(true);
    expect(corresponds(base, { ...base, backwards: true, bound: 3 })).toBe(true);
  });

  it('refuses any other difference', () => {
    expect(corresponds(base, { ...base, allow: 0x7ffc_0000 })).toBe(false);
    expect(corresponds(base, { ...base, offset: 40 })).toBe(false);
    expect(corresponds(base, { ...base, mask: 0xff })).toBe(false);
    expect(corresponds(base, { ...base, condition: 'ge' })).toBe(false);
  });

  it('refuses graphs that share a node where the other has two', () => {
    expect(corresponds(base, { ...base, share: true })).toBe(false);
    expect(corresponds({ ...base, share: true }, base)).toBe(false);
  });
});

describe('differsOnlyInBranchConstants', () => {
  it('holds for graphs built alike from other constants, and for nothing else', () => {
    const differsOnlyInConstants = (a: Shape, b: Shape) => build(a).g.differsOnlyInBranchConstants(build(b).g);
    expect(differsOnlyInConstants(base, { ...base, fd: 70, bound: 3 })).toBe(true);
    for (const change of [{ allow: 0 }, { offset: 40 }, { mask: 0xff }, { condition: 'ge' as const }, { share: true }, { backwards: true }]) {
      expect(differsOnlyInConstants(base, { ...base, ...change }), JSON.stringify(change)).toBe(false);
    }
  });
});

describe('LayoutMemory', () => {
  it('patches a remembered layout into the program laid out afresh', () => {
    const memory = new LayoutMemory();
    const shapes: Shape[] = [base, { ...base, fd: 5, bound: 7 }, { ...base, backwards: true, bound: 9 }, { ...base, share: true }, { ...base, share: true, otherFd: 3 }, { ...base, fd: 6, bound: 0xffff_fffe }];
    for (const shape of shapes) {
      const { g, root } = build(shape);
      const patched = memory.program(g, root);
      const fresh = program(g, root);
      expect(patched.bytes).toEqual(fresh.bytes);
      expect(patched.instructions).toEqual(fresh.instructions);
    }
  });
});
