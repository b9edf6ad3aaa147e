/**
 * The code generator: a rule model in, a seccomp BPF program out.
 *
 * The program checks the arch first, then decides the syscall number with a
 * balanced tree over merged number ranges, then (only where a rule needs
 * them) the arguments. See docs/design.md for the shape and its reasons.
 */
import { AuditArch, SeccompDataOffset, X32_SYSCALL_BIT } from '../bpf/seccomp.js';
import type { ArchName, ArchRules, RuleModel } from '../ir/model.js';
import { Lowering, type LoweringCounts } from './conditions.js';
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
   * program when only constants changed. With a cache, lowering also takes
   * the shortcuts that are not worth keeping apart (the node of a keyed
   * case for the next case alike). It never changes the output: without a
   * cache, compileModel takes no shortcut, and the tests compare the two.
   */
  readonly cache?: CodegenCache;
}

/**
 * CodegenCache is what a policy's compilations share: the trees' plans, the
 * last few layouts, and the last graph's size. Nothing in it depends on
 * anything but the graphs compiled, so any model may be compiled with it.
 */
export class CodegenCache {
  /** The plans of number trees and value switches, by shape. */
  readonly plans = new TreePlans();
  /** The last few layouts, to patch when a graph differs from one only in constants. */
  readonly layouts = new LayoutMemory();
  /** How many nodes the last graph had: the next is made with room for as many. */
  graphSize = 0;
  /** How often lowering took a shortcut, over every compilation with this cache (for the tests). */
  readonly counts: LoweringCounts = { reusedCases: 0 };
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
  // Each number once (the first member's rules), ascending: a bound model's numbers already are.
  const numbers: number[] = [];
  const outcomes: NodeId[] = [];
  const weights: (number | undefined)[] = [];
  const seen = members.length > 1 ? new Set<number>() : undefined;
  let ascending = true;
  for (const member of members) {
    for (const [nr, rules] of member.syscalls) {
      // On the x86_64 arch value the x32 bit decides whose number it is; a
      // rule on the other side's numbers can never be reached.
      if (member.arch === 'x86_64' && (nr & X32_SYSCALL_BIT) !== 0) continue;
      if (member.arch === 'x32' && (nr & X32_SYSCALL_BIT) === 0) continue;
      if (seen !== undefined) {
        if (seen.has(nr)) continue;
        seen.add(nr);
      }
      if (numbers.length > 0 && nr < numbers[numbers.length - 1]!) ascending = false;
      numbers.push(nr);
      outcomes.push(lowering.rules(rules, fallback));
      weights.push(options.weight?.(member.arch, nr));
    }
  }
  if (!ascending) sortTogether(numbers, outcomes, weights);
  const ranges = partition(backgroundOf(members, fallback, badArch), numbers, outcomes, options.weight ? weights : undefined);
  return g.load(SeccompDataOffset.nr, decideRanges(g, ranges, options.cache?.plans));
}

/** sortTogether sorts numbers ascending, moving each number's outcome and weight with it. */
function sortTogether(numbers: number[], outcomes: NodeId[], weights: (number | undefined)[]): void {
  const order = numbers.map((_, i) => i).sort((a, b) => numbers[a]! - numbers[b]!);
  const [n, o, w] = [order.map((i) => numbers[i]!), order.map((i) => outcomes[i]!), order.map((i) => weights[i])];
  for (let i = 0; i < order.length; i++) {
    numbers[i] = n[i]!;
    outcomes[i] = o[i]!;
    weights[i] = w[i];
  }
}

/**
 * compileModel generates the filter for a rule model. The output depends
 * only on the model and the options, so the same input gives the same bytes.
 */
export function compileModel(model: RuleModel, options: CodegenOptions = {}): CompiledProgram {
  const g = new Graph(options.cache?.graphSize);
  const lowering = new Lowering(g, options.cache?.plans, options.cache?.counts);
  let next = lowering.action(model.badArchAction);
  const groups = [...archGroups(model)];
  for (let i = groups.length - 1; i >= 0; i--) {
    const [audit, members] = groups[i]!;
    next = g.branch('eq', audit, decideGroup(lowering, model, members, options), next);
  }
  const root = g.load(SeccompDataOffset.arch, next);
  if (options.cache) options.cache.graphSize = g.size;
  return options.cache ? options.cache.layouts.program(g, root) : program(g, root);
}
