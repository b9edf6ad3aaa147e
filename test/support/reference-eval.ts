/**
 * A direct interpreter of the rule model: what a filter built from a model
 * must decide for one `seccomp_data`, written as plainly as possible so it can
 * judge both our compiler and libseccomp. No BPF is involved.
 */
import type { ActionName, SeccompData } from '../../src/bpf/seccomp.js';
import { AuditArch, X32_SYSCALL_BIT, encodeAction } from '../../src/bpf/seccomp.js';
import type { Action, ArchName, ArchRules, Compare, Condition, RuleModel } from '../../src/ir/model.js';
import { widthMask } from '../../src/ir/model.js';

/** A verdict as a filter returns it. */
export interface Verdict {
  readonly action: ActionName;
  readonly data: number;
  /** The 32-bit return value. */
  readonly ret: number;
}

/** How to read the model; the defaults are the language's own meaning. */
export interface EvaluateOptions {
  /**
   * Compare every argument at libseccomp's argument size for the arch (64
   * bits on x86_64, aarch64 and riscv64; 32 bits on i386, arm and x32)
   * instead of at the argument's kernel width. This is how libseccomp reads
   * a comparison that was not masked down to 32 bits.
   */
  readonly ignoreWidths?: boolean;
  /**
   * On x86_64 without x32, send every nr from 0x40000000 up to the bad-arch
   * action except 0xffffffff (-1, the number a tracer uses to skip a call),
   * which reaches the rules: libseccomp tests `nr >= 0x40000000`, not the
   * x32 bit.
   */
  readonly libseccompNumbers?: boolean;
  /**
   * Read a masked == as `(arg & mask) == (value & mask)`, as libseccomp does,
   * instead of never true when the value has bits outside the mask.
   */
  readonly maskTheValue?: boolean;
}

const ARCHES_WITH_32_BIT_ARGUMENTS: ReadonlySet<ArchName> = new Set<ArchName>(['i386', 'arm', 'x32']);

/** libseccompArgumentWidth is the width libseccomp compares an argument at on an arch. */
export function libseccompArgumentWidth(arch: ArchName): 32 | 64 {
  return ARCHES_WITH_32_BIT_ARGUMENTS.has(arch) ? 32 : 64;
}

/** evaluateModel decides one input the way the model's meaning says. */
export function evaluateModel(model: RuleModel, input: SeccompData, options: EvaluateOptions = {}): Verdict {
  const archRules = selectArch(model, input, options);
  if (archRules === undefined) return verdict(model.badArchAction);
  const rules = archRules.syscalls.get(input.nr >>> 0) ?? [];
  for (const candidate of rules) {
    if (holds(candidate.condition, input, archRules.arch, options)) return verdict(candidate.action);
  }
  return verdict(model.defaultAction);
}

/**
 * selectArch finds the rules that serve an input, or undefined for a bad
 * arch. x86_64 and x32 share an arch value and are told apart by the x32 bit.
 */
function selectArch(model: RuleModel, input: SeccompData, options: EvaluateOptions): ArchRules | undefined {
  const arch = input.arch >>> 0;
  const nr = input.nr >>> 0;
  const find = (name: ArchName): ArchRules | undefined => model.arches.find((entry) => entry.arch === name);
  if (arch === AuditArch.x86_64) {
    const x86 = find('x86_64');
    const x32 = find('x32');
    if (options.libseccompNumbers === true && x32 === undefined && nr >= X32_SYSCALL_BIT) {
      return nr === 0xffff_ffff ? x86 : undefined;
    }
    if ((nr & X32_SYSCALL_BIT) === 0) return x86;
    return x32;
  }
  return model.arches.find((entry) => entry.arch !== 'x32' && AuditArch[entry.arch] === arch);
}

function holds(condition: Condition, input: SeccompData, arch: ArchName, options: EvaluateOptions): boolean {
  switch (condition.kind) {
    case 'always':
      return condition.value;
    case 'not':
      return !holds(condition.term, input, arch, options);
    case 'and':
      return condition.terms.every((term) => holds(term, input, arch, options));
    case 'or':
      return condition.terms.some((term) => holds(term, input, arch, options));
    case 'compare':
      return compareHolds(condition, input, arch, options);
  }
}

/** compareHolds applies `(arg & mask) op value`, unsigned, at the chosen width. */
function compareHolds(condition: Compare, input: SeccompData, arch: ArchName, options: EvaluateOptions): boolean {
  const width = options.ignoreWidths === true ? libseccompArgumentWidth(arch) : condition.arg.width;
  const full = widthMask(width);
  const unmasked = condition.mask === widthMask(condition.arg.width);
  const mask = unmasked ? full : condition.mask & full;
  const argumentValue = (input.args?.[condition.arg.index] ?? 0n) & full;
  const left = argumentValue & mask;
  const right = condition.value & full & (options.maskTheValue === true ? mask : full);
  switch (condition.op) {
    case 'eq':
      return left === right;
    case 'ne':
      return left !== right;
    case 'lt':
      return left < right;
    case 'le':
      return left <= right;
    case 'gt':
      return left > right;
    case 'ge':
      return left >= right;
  }
}

function verdict(chosen: Action): Verdict {
  return { action: chosen.kind, data: chosen.data, ret: encodeAction(chosen.kind, chosen.data) };
}
