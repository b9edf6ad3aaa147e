/**
 * The reference lowering: the rule model as BPF with no optimization at all,
 * kept as an oracle for the optimizing generator. It is written backwards
 * (each instruction is placed before the code it jumps to, so every jump's
 * distance is known when it is written), tests every syscall with its own
 * `==`, reloads every word it reads, and repeats a return wherever one is
 * needed. It is correct by inspection, not fast.
 */
import type { Instruction } from '../bpf/instructions.js';
import { op } from '../bpf/instructions.js';
import { AuditArch, encodeAction, SeccompDataOffset, X32_SYSCALL_BIT } from '../bpf/seccomp.js';
import type { Action, ArchRules, Compare, Condition, RuleModel } from '../ir/model.js';

/** A position in the program, counted from its end (0 is the last instruction). */
type Label = number;

const MAX_SKIP = 255;

class BackwardWriter {
  /** Instructions in reverse order: the last instruction of the program first. */
  private readonly reversed: Instruction[] = [];

  /** here is the label of the instruction written last (the first of the program so far). */
  get here(): Label {
    return this.reversed.length - 1;
  }

  private put(instruction: Instruction): Label {
    this.reversed.push(instruction);
    return this.here;
  }

  /** skipTo is the jump distance from an instruction about to be written to `target`. */
  private skipTo(target: Label): number {
    return this.reversed.length - 1 - target;
  }

  /** reach returns `target`, or a new trampoline to it when a conditional jump cannot reach it. */
  private reach(target: Label): Label {
    return this.skipTo(target) > MAX_SKIP ? this.put(op.jump(this.skipTo(target))) : target;
  }

  ret(action: Action): Label {
    return this.put(op.ret(encodeAction(action.kind, action.data)));
  }

  load(offset: number, next: Label): Label {
    if (next !== this.here) this.put(op.jump(this.skipTo(next)));
    return this.put(op.load(offset));
  }

  mask(mask: number, next: Label): Label {
    if (next !== this.here) this.put(op.jump(this.skipTo(next)));
    return this.put(op.alu('and', mask));
  }

  branch(condition: 'eq' | 'gt' | 'ge' | 'set', value: number, ifTrue: Label, ifFalse: Label): Label {
    let f = this.reach(ifFalse);
    const t = this.reach(ifTrue);
    // A trampoline for the true side moves the false side one further away.
    f = this.reach(f);
    return this.put(op.jumpIf(condition, value, this.skipTo(t), this.skipTo(f)));
  }

  program(): Instruction[] {
    return [...this.reversed].reverse();
  }
}

const WORD = 0xffff_ffffn;

/** compareWords writes `(arg & mask) op value` word by word: high word first, then low. */
function lowerCompare(w: BackwardWriter, c: Compare, ifTrue: Label, ifFalse: Label): Label {
  const negated = c.op === 'ne' || c.op === 'lt' || c.op === 'le';
  const [t, f] = negated ? [ifFalse, ifTrue] : [ifTrue, ifFalse];
  const positive = c.op === 'ne' ? 'eq' : c.op === 'lt' ? 'ge' : c.op === 'le' ? 'gt' : c.op;
  const word = (offset: number, mask: bigint, value: bigint, onTrue: Label, onFalse: Label, cond: 'eq' | 'gt' | 'ge'): Label => {
    const test = w.branch(cond, Number(value), onTrue, onFalse);
    return w.load(offset, w.mask(Number(mask), test));
  };
  const lowIndex = SeccompDataOffset.argLow(c.arg.index);
  const low = word(lowIndex, c.mask & WORD, c.value & WORD, t, f, positive);
  if (c.arg.width === 32) return low;
  const highOffset = SeccompDataOffset.argHigh(c.arg.index);
  const highMask = c.mask >> 32n;
  const highValue = c.value >> 32n;
  if (positive === 'eq') return word(highOffset, highMask, highValue, low, f, 'eq');
  // Ordered: high > value decides true, high == value defers to the low word, else false.
  const tie = w.branch('eq', Number(highValue), low, f);
  const above = w.branch('gt', Number(highValue), t, tie);
  return w.load(highOffset, w.mask(Number(highMask), above));
}

function lowerCondition(w: BackwardWriter, condition: Condition, ifTrue: Label, ifFalse: Label): Label {
  switch (condition.kind) {
    case 'always':
      return condition.value ? ifTrue : ifFalse;
    case 'compare':
      return lowerCompare(w, condition, ifTrue, ifFalse);
    case 'not':
      return lowerCondition(w, condition.term, ifFalse, ifTrue);
    case 'and':
      return condition.terms.reduceRight<Label>((next, term) => lowerCondition(w, term, next, ifFalse), ifTrue);
    case 'or':
      return condition.terms.reduceRight<Label>((next, term) => lowerCondition(w, term, ifTrue, next), ifFalse);
  }
}

/** lowerSyscalls writes one `nr ==` test per syscall of an arch, in descending order, then the fallback. */
function lowerSyscalls(w: BackwardWriter, model: RuleModel, rules: ArchRules | undefined, fallback: () => Label): Label {
  let next = fallback();
  const numbers = [...(rules?.syscalls.keys() ?? [])].sort((a, b) => b - a);
  for (const nr of numbers) {
    let decision = w.ret(model.defaultAction);
    for (const rule of [...rules!.syscalls.get(nr)!].reverse()) {
      decision = lowerCondition(w, rule.condition, w.ret(rule.action), decision);
    }
    const test = w.branch('eq', nr, decision, next);
    next = w.load(SeccompDataOffset.nr, test);
  }
  return next;
}

/** referenceLowering generates the plain filter for a model. */
export function referenceLowering(model: RuleModel): Instruction[] {
  const w = new BackwardWriter();
  const find = (arch: string) => model.arches.find((a) => a.arch === arch);
  let next = w.ret(model.badArchAction);
  for (const archRules of [...model.arches].reverse()) {
    if (archRules.arch === 'x32' && find('x86_64')) continue;
    let body: Label;
    if (archRules.arch === 'x86_64' || archRules.arch === 'x32') {
      const native = find('x86_64');
      const x32 = find('x32');
      const side = (rules: ArchRules | undefined, bit: boolean) =>
        lowerSyscalls(w, model, rules && { arch: rules.arch, syscalls: new Map([...rules.syscalls].filter(([nr]) => ((nr & X32_SYSCALL_BIT) !== 0) === bit)) }, () =>
          rules ? w.ret(model.defaultAction) : w.ret(model.badArchAction),
        );
      const nativeSide = side(native, false);
      const x32Side = side(x32, true);
      body = w.load(SeccompDataOffset.nr, w.branch('set', X32_SYSCALL_BIT, x32Side, nativeSide));
    } else {
      body = lowerSyscalls(w, model, archRules, () => w.ret(model.defaultAction));
    }
    const test = w.branch('eq', AuditArch[archRules.arch], body, next);
    next = w.load(SeccompDataOffset.arch, test);
  }
  return w.program();
}
