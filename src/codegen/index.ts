/**
 * The code generator: a rule model in, a seccomp BPF program out.
 *
 * The program checks the arch first, then decides the syscall number with a
 * balanced tree over merged number ranges, then (only where a rule needs
 * them) the arguments. See docs/design.md for the shape and its reasons.
 */
import { AuditArch, SeccompDataOffset, X32_SYSCALL_BIT } from '../bpf/seccomp.js';
import type { ArchName, ArchRules, RuleModel } from '../ir/model.js';
import { Lowering } from './conditions.js';
import type { Background } from './dispatch.js';
import { decideRanges, partition, TreePlans } from './dispatch.js';
import { Graph } from './graph.js';
import type { NodeId } from './graph.js';
import { LayoutMemory, program } from './patch.js';
import type { CompiledProgram } from './patch.js';

export { CodegenError, ProgramTooLarge } from './errors.js';
export type { CompiledProgram } from './patch.js';

/** Options of compileModel. */
export interface CodegenOptions {
  /**
   * weight gives a syscall's relative frequency on an arch; the number
   * dispatch puts frequent syscalls nearer the root. Every named syscall
   * weighs 1 when absent.
   */
  readonly weight?: (arch: ArchName, nr: number) => number | undefined;
  /**
   * cache keeps what one compilation can reuse from the ones before: give
   * the same CodegenCache to every compilation of one policy (Policy does)
   * so that binding it again plans no tree again and patches the last
   * program when only constants changed. It never changes the output.
   */
  readonly cache?: CodegenCache;
}

/**
 * CodegenCache is what a policy's compilations share: the trees' plans and
 * the last few layouts. Nothing in it depends on anything but the graphs
 * compiled, so any model may be compiled with it.
 */
export class CodegenCache {
  /** The plans of number trees and value switches, by shape. */
  readonly plans = new TreePlans();
  /** The last few layouts, to patch when a graph differs from one only in constants. */
  readonly layouts = new LayoutMemory();
}

const LAST = 0xffffffff;

/** archGroups gathers the model's arches by AUDIT_ARCH value (x86_64 and x32 share one). */
function archGroups(model: RuleModel): Map<number, ArchRules[]> {
  const groups = new Map<number, ArchRules[]>();
  for (const rules of model.arches) {
    const audit = AuditArch[rules.arch];
    groups.set(audit, [...(groups.get(audit) ?? []), rules]);
  }
  return groups;
}

/**
 * backgroundOf sets the outcome of numbers no rule names. On x86_64 a number
 * with the x32 bit set belongs to x32, so it gets the default only when x32
 * is served and `badarch` otherwise; the same holds the other way round.
 */
function backgroundOf(members: readonly ArchRules[], fallback: NodeId, badArch: NodeId): Background[] {
  const serves = (arch: ArchName) => members.some((m) => m.arch === arch);
  if (AuditArch[members[0]!.arch] !== AuditArch.x86_64) return [{ start: 0, end: LAST, outcome: fallback }];
  const native = serves('x86_64') ? fallback : badArch;
  const x32 = serves('x32') ? fallback : badArch;
  return [
    { start: 0, end: X32_SYSCALL_BIT - 1, outcome: native },
    { start: X32_SYSCALL_BIT, end: 0x7fffffff, outcome: x32 },
    { start: 0x80000000, end: 0x80000000 + X32_SYSCALL_BIT - 1, outcome: native },
    { start: 0x80000000 + X32_SYSCALL_BIT, end: LAST, outcome: x32 },
  ];
}

/** decideGroup returns the node that decides every syscall of one AUDIT_ARCH value. */
function decideGroup(lowering: Lowering, model: RuleModel, members: readonly ArchRules[], options: CodegenOptions): NodeId {
  const g = lowering.g;
  const fallback = lowering.action(model.defaultAction);
  const badArch = lowering.action(model.badArchAction);
  const points = new Map<number, NodeId>();
  const weights = new Map<number, number>();
  for (const member of members) {
    for (const [nr, rules] of member.syscalls) {
      // On the x86_64 arch value the x32 bit decides whose number it is; a
      // rule on the other side's numbers can never be reached.
      if (member.arch === 'x86_64' && (nr & X32_SYSCALL_BIT) !== 0) continue;
      if (member.arch === 'x32' && (nr & X32_SYSCALL_BIT) === 0) continue;
      if (points.has(nr)) continue;
      points.set(nr, lowering.rules(rules, fallback));
      const w = options.weight?.(member.arch, nr);
      if (w !== undefined) weights.set(nr, w);
    }
  }
  const ranges = partition(backgroundOf(members, fallback, badArch), points, weights);
  return g.load(SeccompDataOffset.nr, decideRanges(g, ranges, options.cache?.plans));
}

/**
 * compileModel generates the filter for a rule model. The output depends
 * only on the model and the options, so the same input gives the same bytes.
 */
export function compileModel(model: RuleModel, options: CodegenOptions = {}): CompiledProgram {
  const g = new Graph();
  const lowering = new Lowering(g, options.cache?.plans);
  let next = lowering.action(model.badArchAction);
  const groups = [...archGroups(model)];
  for (let i = groups.length - 1; i >= 0; i--) {
    const [audit, members] = groups[i]!;
    next = g.branch('eq', audit, decideGroup(lowering, model, members, options), next);
  }
  const root = g.load(SeccompDataOffset.arch, next);
  return options.cache ? options.cache.layouts.program(g, root) : program(g, root);
}
