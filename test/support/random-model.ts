/**
 * Random rule models and random `seccomp_data` inputs for differential tests.
 *
 * Two families: `libseccomp` models stay inside what libseccomp can express
 * (one action per syscall, ANDed comparisons on distinct arguments, ORed
 * rules, masked == only, 32-bit arguments only on x32); `general` models use
 * everything the rule model allows (mixed actions in first-match order,
 * nested and/or/not, masked orderings, more arches) and can only be judged by
 * the reference evaluator.
 */
import type { SeccompData } from '../../src/bpf/seccomp.js';
import { AuditArch, X32_SYSCALL_BIT } from '../../src/bpf/seccomp.js';
import type { Action, ArchName, Compare, Comparison, Condition, Rule, RuleModel } from '../../src/ir/model.js';
import { action, and, argument, compare, not, or, rule, ruleModel, widthMask, TRUE, FALSE } from '../../src/ir/model.js';
import { archTable } from '../../src/arch/index.js';
import type { Prng } from './prng.js';
import { WORD_BOUNDARIES } from './prng.js';

/** A syscall as the generator knows it: x86_64 number and kernel argument widths. */
export interface SampleSyscall {
  readonly name: string;
  readonly nr: number;
  readonly widths: readonly (32 | 64)[];
  /** True when x32 has the call at the same number (plus the x32 bit). */
  readonly x32: boolean;
}

/** Real syscalls with a mix of 32- and 64-bit arguments, and one without any. */
const SAMPLE_NAMES = [
  'read', 'write', 'close', 'fstat', 'lseek', 'mmap', 'mprotect', 'ioctl', 'pread64', 'pwrite64', 'madvise',
  'getpid', 'socket', 'kill', 'fcntl', 'setpriority', 'prctl', 'arch_prctl', 'futex', 'clock_gettime',
  'exit_group', 'openat', 'epoll_pwait', 'timerfd_settime', 'dup3', 'getrandom', 'copy_file_range',
] as const;

/** SAMPLE_SYSCALLS: the sample names with numbers and widths from the generated x86_64 and x32 tables. */
export const SAMPLE_SYSCALLS: readonly SampleSyscall[] = Object.freeze(
  SAMPLE_NAMES.map((name): SampleSyscall => {
    const info = archTable('x86_64').byName.get(name);
    if (info?.args === undefined) throw new Error(`the x86_64 table lacks a prototype for ${name}`);
    const x32Number = archTable('x32').byName.get(name)?.number;
    return {
      name,
      nr: info.number,
      widths: info.args.map((arg) => arg.width),
      x32: x32Number === (info.number | X32_SYSCALL_BIT) >>> 0,
    };
  }),
);

/** Which family of models to generate. */
export interface RandomModelOptions {
  readonly family: 'libseccomp' | 'general';
  /** Most syscalls with rules per arch (default 8). */
  readonly maxSyscalls?: number;
}

const ACTION_KINDS = ['allow', 'errno', 'trap', 'kill_thread', 'kill_process', 'log'] as const;

/** randomAction picks an action; libseccomp's family keeps trap data 0 and errno below 4095. */
export function randomAction(rng: Prng, family: RandomModelOptions['family']): Action {
  const kind = family === 'general' && rng.chance(0.1) ? rng.pick(['trace', 'notify'] as const) : rng.pick(ACTION_KINDS);
  if (kind === 'errno') {
    const highest = family === 'general' ? 4095 : 4094;
    return action('errno', rng.chance(0.5) ? rng.pick([1, 13, 38, highest]) : rng.int(1, highest));
  }
  if (kind === 'trap' && family === 'general') return action('trap', rng.chance(0.5) ? 0 : rng.int(1, 0xffff));
  if (kind === 'trace') return action('trace', rng.int(0, 0xffff));
  return action(kind);
}

/** randomModel builds a valid model of the chosen family. */
export function randomModel(rng: Prng, options: RandomModelOptions): RuleModel {
  const family = options.family;
  const defaultAction = randomAction(rng, family);
  const badArchAction = randomAction(rng, family);
  const arches: ArchName[] = ['x86_64'];
  if (rng.chance(0.25)) arches.push('x32');
  if (family === 'general' && rng.chance(0.3)) arches.push(rng.pick(['i386', 'aarch64', 'riscv64', 'arm'] as const));
  return ruleModel({
    name: `random-${family}-${rng.seed}`,
    defaultAction,
    badArchAction,
    arches: arches.map((arch) => ({ arch, syscalls: randomSyscalls(rng, arch, defaultAction, options) })),
  });
}

function randomSyscalls(rng: Prng, arch: ArchName, defaultAction: Action, options: RandomModelOptions): Map<number, Rule[]> {
  const pool = arch === 'x32' ? SAMPLE_SYSCALLS.filter((entry) => entry.x32) : SAMPLE_SYSCALLS;
  const chosen = rng.sample(pool, rng.int(1, options.maxSyscalls ?? 8));
  const syscalls = new Map<number, Rule[]>();
  for (const entry of chosen) {
    const nr = arch === 'x32' ? (entry.nr | X32_SYSCALL_BIT) >>> 0 : entry.nr;
    const widths = argumentWidths(entry, arch, options.family);
    const rules = options.family === 'libseccomp' ? libseccompRules(rng, widths, defaultAction) : generalRules(rng, widths);
    syscalls.set(nr, rules);
  }
  return syscalls;
}

type Widths = readonly (32 | 64 | undefined)[];

/**
 * argumentWidths: the widths a model may compare. i386 and arm arguments are
 * all 32 bits; in libseccomp's family x32 compares only its 32-bit arguments
 * (undefined marks an argument left alone).
 */
function argumentWidths(entry: SampleSyscall, arch: ArchName, family: RandomModelOptions['family']): Widths {
  if (arch === 'i386' || arch === 'arm') return entry.widths.map(() => 32);
  if (arch === 'x32' && family === 'libseccomp') return entry.widths.map((width) => (width === 32 ? 32 : undefined));
  return entry.widths;
}

/** libseccompRules: one action, ORed rules of ANDed comparisons on distinct arguments. */
function libseccompRules(rng: Prng, widths: Widths, defaultAction: Action): Rule[] {
  let chosen = randomAction(rng, 'libseccomp');
  while (chosen.kind === defaultAction.kind && chosen.data === defaultAction.data) chosen = randomAction(rng, 'libseccomp');
  const usable = widths.flatMap((width, index) => (width === undefined ? [] : [index]));
  if (usable.length === 0 || rng.chance(0.2)) return [rule(chosen)];
  const rules: Rule[] = [];
  for (let count = rng.int(1, 3); count > 0; count--) {
    const indexes = rng.sample(usable, rng.int(1, Math.min(3, usable.length)));
    const literals = indexes.map((index) => randomCompare(rng, index, widths[index]!, false));
    let condition = and(...literals);
    // Shapes that still reduce to ORed ANDs: a negated plain comparison, an OR inside.
    if (rng.chance(0.15) && literals[0]!.mask === widthMask(literals[0]!.arg.width)) condition = and(not(literals[0]!), ...literals.slice(1));
    else if (rng.chance(0.15)) {
      const extra = rng.pick(usable);
      condition = or(condition, randomCompare(rng, extra, widths[extra]!, false));
    }
    rules.push(rule(chosen, condition));
  }
  if (rng.chance(0.15)) rules.push(rule(defaultAction, rng.chance(0.5) ? TRUE : FALSE));
  return rules;
}

/** generalRules: mixed actions in first-match order and free nesting. */
function generalRules(rng: Prng, widths: Widths): Rule[] {
  const rules: Rule[] = [];
  for (let count = rng.int(1, 4); count > 0; count--) {
    rules.push(rule(randomAction(rng, 'general'), randomCondition(rng, widths, 3)));
  }
  return rules;
}

function randomCondition(rng: Prng, widths: Widths, depth: number): Condition {
  const usable = widths.flatMap((width, index) => (width === undefined ? [] : [index]));
  const roll = rng.float();
  if (usable.length === 0 || roll < 0.05) return rng.chance(0.7) ? TRUE : FALSE;
  if (depth === 0 || roll < 0.45) {
    const index = rng.pick(usable);
    return randomCompare(rng, index, widths[index]!, true);
  }
  const terms = Array.from({ length: rng.int(1, 3) }, () => randomCondition(rng, widths, depth - 1));
  if (roll < 0.65) return and(...terms);
  if (roll < 0.85) return or(...terms);
  return not(terms[0]!);
}

const COMPARISONS: readonly Comparison[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];
const MASKS: readonly bigint[] = [0x1n, 0xffn, 0xff00n, 0x8000_0000n, 0xffff_fff0n, 0xffff_ffff_0000_0000n, 0x8000_0000_0000_0000n, 0n];

/** randomCompare builds one comparison; masks are masked == only unless `anyMaskedOperator`. */
function randomCompare(rng: Prng, index: number, width: 32 | 64, anyMaskedOperator: boolean): Compare {
  const full = widthMask(width);
  const arg = argument(index, width);
  if (rng.chance(0.25)) {
    const mask = (rng.chance(0.6) ? rng.pick(MASKS) : rng.word(width)) & full;
    const value = rng.chance(0.8) ? rng.word(width) & mask : rng.word(width);
    return compare(arg, anyMaskedOperator ? rng.pick(COMPARISONS) : 'eq', value, mask);
  }
  return compare(arg, rng.pick(COMPARISONS), rng.word(width));
}

/** Constants each argument of a syscall is compared with, to aim inputs at them. */
function constantsOf(rules: readonly Rule[]): Map<number, bigint[]> {
  const found = new Map<number, bigint[]>();
  const visit = (condition: Condition): void => {
    if (condition.kind === 'compare') {
      const list = found.get(condition.arg.index) ?? [];
      list.push(condition.value, condition.mask);
      found.set(condition.arg.index, list);
    } else if (condition.kind === 'not') visit(condition.term);
    else if (condition.kind === 'and' || condition.kind === 'or') condition.terms.forEach(visit);
  };
  rules.forEach((entry) => visit(entry.condition));
  return found;
}

/**
 * randomInputs draws inputs aimed at a model: its syscalls with arguments
 * near the compared constants (with junk or sign extension in the upper half),
 * other numbers, x32 numbers, nr -1, and foreign arches.
 */
export function randomInputs(rng: Prng, model: RuleModel, count: number): SeccompData[] {
  const inputs: SeccompData[] = [];
  for (let made = 0; made < count; made++) {
    const archRules = rng.pick(model.arches);
    let arch: number = AuditArch[archRules.arch];
    const numbers = [...archRules.syscalls.keys()];
    let nr = numbers.length > 0 && rng.chance(0.7) ? rng.pick(numbers) : otherNumber(rng);
    const roll = rng.float();
    if (roll < 0.05) arch = rng.pick([AuditArch.i386, AuditArch.aarch64, AuditArch.arm, AuditArch.riscv64, 0, 0xffff_ffff]);
    else if (roll < 0.1) nr = (nr ^ X32_SYSCALL_BIT) >>> 0;
    const constants = constantsOf(archRules.syscalls.get(nr) ?? []);
    const args = Array.from({ length: 6 }, (_, index) => randomArgument(rng, constants.get(index) ?? []));
    inputs.push({ nr, arch, instructionPointer: rng.u64(), args });
  }
  return inputs;
}

function otherNumber(rng: Prng): number {
  const roll = rng.float();
  if (roll < 0.3) return 0xffff_ffff;
  if (roll < 0.5) return (rng.int(0, 600) | X32_SYSCALL_BIT) >>> 0;
  if (roll < 0.9) return rng.int(0, 600);
  return rng.next();
}

/** randomArgument: near a compared constant, or a boundary, with the upper half often dirty. */
function randomArgument(rng: Prng, constants: readonly bigint[]): bigint {
  const full = widthMask(64);
  let value = constants.length > 0 && rng.chance(0.75) ? rng.pick(constants) : rng.pick(WORD_BOUNDARIES);
  const nudge = rng.float();
  if (nudge < 0.2) value = value + 1n;
  else if (nudge < 0.4) value = value - 1n;
  else if (nudge < 0.5) value = value | (1n << BigInt(rng.int(0, 63)));
  else if (nudge < 0.55) value = rng.u64();
  value &= full;
  const upper = rng.float();
  if (value <= 0xffff_ffffn && upper < 0.25) value |= rng.u32() << 32n;
  else if (value <= 0xffff_ffffn && upper < 0.35) value |= 0xffff_ffff_0000_0000n;
  return value & full;
}
