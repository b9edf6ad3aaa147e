/**
 * Finds comparisons that read an accumulator holding different words on
 * different paths: the signature of a code generator that skipped a reload
 * because it believed A still held an earlier load.
 *
 * A forward pass (jumps only go forward) tracks, per instruction, every
 * value A may hold as a symbolic expression: `w16` for the word at offset 16,
 * `w16&0xff` after an AND, `k5` for a constant, `?` for anything else. A
 * conditional jump whose A has more than one possible expression compares
 * different things depending on the path taken.
 */
import type { Instruction, Program } from '../../src/bpf/instructions.js';

/** ambiguousComparisons returns the indexes of conditional jumps whose A differs by path. */
export function ambiguousComparisons(program: Program): number[] {
  const incoming: (Set<string> | undefined)[] = new Array<Set<string> | undefined>(program.length).fill(undefined);
  incoming[0] = new Set(['?']);
  const found: number[] = [];
  program.forEach((instruction, index) => {
    const before = incoming[index];
    if (before === undefined) return;
    if ((instruction.kind === 'JumpIf' || instruction.kind === 'JumpIfX') && before.size > 1) found.push(index);
    const after = transfer(instruction, before);
    for (const skip of successorSkips(instruction)) {
      const target = index + 1 + skip;
      if (target >= program.length) continue;
      const merged = incoming[target] ?? new Set<string>();
      for (const value of after) merged.add(value);
      incoming[target] = merged;
    }
  });
  return found;
}

function transfer(instruction: Instruction, before: Set<string>): Set<string> {
  switch (instruction.kind) {
    case 'LoadAbsolute':
      return new Set([`w${instruction.offset}`]);
    case 'LoadConstant':
      return instruction.register === 'A' ? new Set([`k${instruction.value}`]) : before;
    case 'AluConstant':
      return new Set([...before].map((value) => `${value}${instruction.operator}${instruction.value}`));
    case 'LoadLength':
    case 'LoadScratch':
      return instruction.register === 'A' ? new Set(['?']) : before;
    case 'AluX':
    case 'Negate':
    case 'TransferXToA':
    case 'Raw':
      return new Set(['?']);
    default:
      return before;
  }
}

function successorSkips(instruction: Instruction): number[] {
  switch (instruction.kind) {
    case 'ReturnConstant':
    case 'ReturnA':
      return [];
    case 'Jump':
      return [instruction.skip];
    case 'JumpIf':
    case 'JumpIfX':
      return [instruction.skipTrue, instruction.skipFalse];
    default:
      return [0];
  }
}

/**
 * executedIndexes follows one input through a program made of the
 * instructions libseccomp emits (absolute loads, constant arithmetic,
 * conditional and plain jumps, constant returns) and returns the indexes it
 * runs, the return last. Anything else throws.
 */
export function executedIndexes(program: Program, words: Uint32Array): number[] {
  const path: number[] = [];
  let accumulator = 0;
  for (let pc = 0; pc < program.length; ) {
    const instruction = program[pc]!;
    path.push(pc);
    switch (instruction.kind) {
      case 'LoadAbsolute':
        accumulator = words[instruction.offset >>> 2]!;
        pc += 1;
        break;
      case 'AluConstant':
        accumulator = constantArithmetic(instruction.operator, accumulator, instruction.value);
        pc += 1;
        break;
      case 'Jump':
        pc += 1 + instruction.skip;
        break;
      case 'JumpIf':
        pc += 1 + (jumpHolds(instruction.condition, accumulator, instruction.value) ? instruction.skipTrue : instruction.skipFalse);
        break;
      case 'ReturnConstant':
        return path;
      default:
        throw new Error(`executedIndexes does not follow ${instruction.kind}`);
    }
  }
  throw new Error('the program ran off its end');
}

function constantArithmetic(operator: string, left: number, right: number): number {
  switch (operator) {
    case 'and':
      return (left & right) >>> 0;
    case 'or':
      return (left | right) >>> 0;
    case 'xor':
      return (left ^ right) >>> 0;
    case 'add':
      return (left + right) >>> 0;
    case 'sub':
      return (left - right) >>> 0;
    default:
      throw new Error(`executedIndexes does not follow ALU ${operator}`);
  }
}

function jumpHolds(condition: string, left: number, right: number): boolean {
  switch (condition) {
    case 'eq':
      return left === right;
    case 'ne':
      return left !== right;
    case 'gt':
      return left > right;
    case 'le':
      return left <= right;
    case 'ge':
      return left >= right;
    case 'lt':
      return left < right;
    case 'set':
      return (left & right) !== 0;
    default:
      return (left & right) === 0;
  }
}
