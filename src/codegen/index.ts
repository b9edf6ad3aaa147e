/**
 * The code generator: a rule model in, a seccomp BPF program out.
 *
 * The program checks the arch first, then decides the syscall number with a
 * balanced tree over merged number ranges, then (only where a rule needs
 * them) the arguments. See docs/design.md for the shape and its reasons.
 */
import { assemble } from '../bpf/assemble.js';
import type { Instruction } from '../bpf/instructions.js';
import { AuditArch, BPF_MAXINSNS, SeccompDataOffset, X32_SYSCALL_BIT } from '../bpf/seccomp.js';
import type { ArchName, ArchRules, RuleModel } from '../ir/model.js';
import { actionNode, lowerRules } from './conditions.js';
import type { Background } from './dispatch.js';
import { decideRanges, partition, TreePlans } from './dispatch.js';
import { ProgramTooLarge } from './errors.js';
import { Graph } from './graph.js';
import type { NodeId } from './graph.js';
import { layout } from './layout.js';

export { CodegenError, ProgramTooLarge } from './errors.js';
export { TreePlans } from './dispatch.js';

/** Options of compileModel. */
export interface CodegenOptions {
  /**
   * weight gives a syscall's relative frequency on an arch; the number
   * dispatch puts frequent syscalls nearer the root. Every named syscall
   * weighs 1 when absent.
   */
  readonly weight?: (arch: ArchName, nr: number) => number | undefined;
  /**
   * plans keeps the number trees' plans between compilations: give the same
   * TreePlans to every compilation of one policy (Policy does) so that
   * binding it again does not plan the trees again.
   */
  readonly plans?: TreePlans;
}

/** A generated filter: typed instructions and the kernel's byte layout. */
export interface CompiledProgram {
  readonly instructions: readonly Instruction[];
  readonly bytes: Uint8Array;
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
function decideGroup(g: Graph, model: RuleModel, members: readonly ArchRules[], options: CodegenOptions): NodeId {
  const fallback = actionNode(g, model.defaultAction);
  const badArch = actionNode(g, model.badArchAction);
  const points = new Map<number, NodeId>();
  const weights = new Map<number, number>();
  for (const member of members) {
    for (const [nr, rules] of member.syscalls) {
      // On the x86_64 arch value the x32 bit decides whose number it is; a
      // rule on the other side's numbers can never be reached.
      if (member.arch === 'x86_64' && (nr & X32_SYSCALL_BIT) !== 0) continue;
      if (member.arch === 'x32' && (nr & X32_SYSCALL_BIT) === 0) continue;
      if (points.has(nr)) continue;
      points.set(nr, lowerRules(g, rules, fallback));
      const w = options.weight?.(member.arch, nr);
      if (w !== undefined) weights.set(nr, w);
    }
  }
  const ranges = partition(backgroundOf(members, fallback, badArch), points, weights);
  return g.load(SeccompDataOffset.nr, decideRanges(g, ranges, options.plans));
}

/**
 * compileModel generates the filter for a rule model. The output depends
 * only on the model and the options, so the same input gives the same bytes.
 */
export function compileModel(model: RuleModel, options: CodegenOptions = {}): CompiledProgram {
  const g = new Graph();
  let next = actionNode(g, model.badArchAction);
  const groups = [...archGroups(model)];
  for (let i = groups.length - 1; i >= 0; i--) {
    const [audit, members] = groups[i]!;
    next = g.branch('eq', audit, decideGroup(g, model, members, options), next);
  }
  const root = g.load(SeccompDataOffset.arch, next);
  const instructions = layout(g, root);
  if (instructions.length > BPF_MAXINSNS) throw new ProgramTooLarge(instructions.length);
  return { instructions, bytes: assemble(instructions) };
}
