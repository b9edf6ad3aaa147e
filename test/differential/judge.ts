/**
 * Running the filters under comparison and explaining where they disagree.
 *
 * libseccomp reads a model differently from the language in three ways,
 * each an option of the reference evaluator (LIBSECCOMP_READING):
 * - widths: it compares a 32-bit argument on all 64 bits, so junk or a
 *   sign-extended negative int in the upper half changes its answer (the
 *   kernel, and we, read only the low half);
 * - numbers: on x86_64 without x32 it sends every nr from 0x40000000 up to the
 *   bad-arch action except -1, which reaches the rules; we use the x32 bit;
 * - masks: it masks the value of a masked == too, where the language says a
 *   value with bits outside the mask never matches.
 * Every libseccomp verdict must equal that reading, every verdict of ours the
 * language's; a difference is then labelled by the smallest set of these
 * quirks whose removal from libseccomp's reading gives our verdict.
 */
import type { SeccompData } from '../../src/bpf/seccomp.js';
import { AuditArch } from '../../src/bpf/seccomp.js';
import type { Emulator } from '../../src/bpf/index.js';
import type { Condition, RuleModel } from '../../src/ir/model.js';
import type { EvaluateOptions, Verdict } from '../support/reference-eval.js';
import { evaluateModel } from '../support/reference-eval.js';

/** The ways libseccomp's reading departs from the language. */
export type Quirk = 'widths' | 'numbers' | 'masks';

const QUIRK_OPTION: Readonly<Record<Quirk, keyof EvaluateOptions>> = {
  widths: 'ignoreWidths',
  numbers: 'libseccompNumbers',
  masks: 'maskTheValue',
};

/** How libseccomp reads a model, as options of the reference evaluator. */
export const LIBSECCOMP_READING: EvaluateOptions = Object.freeze({ ignoreWidths: true, libseccompNumbers: true, maskTheValue: true });

/** Quirk sets, smallest first. */
const QUIRK_SETS: readonly (readonly Quirk[])[] = [
  ['widths'],
  ['numbers'],
  ['masks'],
  ['widths', 'numbers'],
  ['widths', 'masks'],
  ['numbers', 'masks'],
  ['widths', 'numbers', 'masks'],
];

/** runFilter emulates a program on one input and returns its verdict. */
export function runFilter(filter: Emulator, input: SeccompData): Verdict {
  const result = filter.run(input);
  return { action: result.action, data: result.data, ret: result.ret };
}

/** describeInput prints an input compactly for failure messages. */
export function describeInput(input: SeccompData): string {
  const args = (input.args ?? []).map((value) => `0x${value.toString(16)}`).join(',');
  return `nr=0x${(input.nr >>> 0).toString(16)} arch=0x${(input.arch >>> 0).toString(16)} args=[${args}]`;
}

/**
 * explainDifference names the quirks that make libseccomp's verdict differ
 * from ours on an input: the smallest set whose removal from libseccomp's
 * reading gives our verdict, or undefined when none does.
 */
export function explainDifference(model: RuleModel, input: SeccompData, ours: Verdict): string | undefined {
  for (const quirks of QUIRK_SETS) {
    const options: Record<string, boolean> = { ...LIBSECCOMP_READING };
    for (const quirk of quirks) options[QUIRK_OPTION[quirk]] = false;
    if (evaluateModel(model, input, options).ret !== ours.ret) continue;
    return quirks.map((quirk) => (quirk === 'widths' ? widthLabel(model, input) : quirk)).join(' + ');
  }
  return undefined;
}

/** widthLabel tells junk from a sign-extended negative int in the upper half of the 32-bit arguments. */
function widthLabel(model: RuleModel, input: SeccompData): string {
  const narrow = thirtyTwoBitArguments(model, input);
  const dirty = (input.args ?? []).filter((value, index) => narrow.has(index) && value >> 32n !== 0n);
  const signExtended = dirty.every((value) => value >> 32n === 0xffff_ffffn && (value & 0x8000_0000n) !== 0n);
  return signExtended ? 'widths (sign-extended)' : 'widths (junk)';
}

/** thirtyTwoBitArguments lists the argument indexes the input's rules compare at 32 bits. */
function thirtyTwoBitArguments(model: RuleModel, input: SeccompData): Set<number> {
  const found = new Set<number>();
  const visit = (condition: Condition): void => {
    if (condition.kind === 'compare' && condition.arg.width === 32) found.add(condition.arg.index);
    else if (condition.kind === 'not') visit(condition.term);
    else if (condition.kind === 'and' || condition.kind === 'or') condition.terms.forEach(visit);
  };
  for (const archRules of model.arches) {
    if (AuditArch[archRules.arch] !== input.arch >>> 0) continue;
    for (const entry of archRules.syscalls.get(input.nr >>> 0) ?? []) visit(entry.condition);
  }
  return found;
}
