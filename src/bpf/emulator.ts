/**
 * The emulator: runs a seccomp filter on a `seccomp_data` the way the kernel
 * does, so tests can ask "what would this filter return" without installing
 * anything.
 *
 * A program is validated once, by `Emulator.create`, with the kernel's own
 * rules; `run` can then trust every jump, slot and load and is one switch over
 * tiny helpers. Arithmetic is 32-bit unsigned, as in the kernel, which runs a
 * classic filter as 32-bit eBPF:
 * - `A /= X` with X = 0 ends the whole program with return value 0;
 * - `A <<= X` and `A >>= X` shift by X & 31 (the interpreter masks, and the
 *   x86 JIT's shift instructions mask in hardware);
 * - `A = len` is 64, the size of `seccomp_data`.
 */

import { decodeIgnoringUnusedFields, readFilters } from './disassemble.js';
import { assemble } from './assemble.js';
import type { AluOperator, Instruction, JumpCondition, Program } from './instructions.js';
import { type ActionName, BPF_MEMWORDS, decodeAction, SECCOMP_DATA_SIZE, type SeccompData } from './seccomp.js';
import { type ValidationFailure, validate } from './validate.js';

/** EmulatorError reports a program the kernel would refuse; `validation` says why. */
export class EmulatorError extends Error {
  override readonly name = 'EmulatorError';
  readonly code = 'E_INVALID_PROGRAM';
  constructor(readonly validation: ValidationFailure) {
    super(`the kernel would refuse this filter: ${validation.message} (${validation.code})`);
  }
}

/** RunResult is a filter's verdict and how many instructions it took. */
export interface RunResult {
  /** ret is the 32-bit return value. */
  readonly ret: number;
  /** action is the kernel's reading of ret (unknown actions read as kill_process). */
  readonly action: ActionName;
  /** data is the low 16 bits of ret. */
  readonly data: number;
  /** steps counts the instructions executed, the final return included. */
  readonly steps: number;
}

const U64 = 64;

/**
 * seccompDataWords lays out `struct seccomp_data` as sixteen little-endian
 * 32-bit words: nr, arch, instruction pointer (low, high), then six args (low, high).
 */
export function seccompDataWords(data: SeccompData): Uint32Array {
  const words = new Uint32Array(SECCOMP_DATA_SIZE / 4);
  const put64 = (at: number, value: bigint): void => {
    const reduced = BigInt.asUintN(U64, value);
    words[at] = Number(reduced & 0xffffffffn);
    words[at + 1] = Number(reduced >> 32n);
  };
  words[0] = data.nr >>> 0;
  words[1] = data.arch >>> 0;
  put64(2, data.instructionPointer ?? 0n);
  for (let index = 0; index < 6; index++) put64(4 + 2 * index, data.args?.[index] ?? 0n);
  return words;
}

/** Machine state while running. */
interface State {
  a: number;
  x: number;
  readonly scratch: Uint32Array;
  readonly words: Uint32Array;
}

/** arithmetic applies `A op value` in 32-bit unsigned arithmetic; value is never 0 for div. */
function arithmetic(operator: AluOperator, a: number, value: number): number {
  switch (operator) {
    case 'add': return (a + value) >>> 0;
    case 'sub': return (a - value) >>> 0;
    case 'mul': return Math.imul(a, value) >>> 0;
    case 'div': return Math.floor(a / value) >>> 0;
    case 'or': return (a | value) >>> 0;
    case 'and': return (a & value) >>> 0;
    case 'xor': return (a ^ value) >>> 0;
    case 'lsh': return (a << (value & 31)) >>> 0;
    case 'rsh': return a >>> (value & 31);
  }
}

/** holds tests `A cond value` unsigned, as a conditional jump does. */
export function holds(condition: JumpCondition, a: number, value: number): boolean {
  switch (condition) {
    case 'eq': return a === value;
    case 'ne': return a !== value;
    case 'gt': return a > value;
    case 'le': return a <= value;
    case 'ge': return a >= value;
    case 'lt': return a < value;
    case 'set': return (a & value) !== 0;
    case 'notset': return (a & value) === 0;
  }
}

const verdict = (ret: number, steps: number): RunResult => {
  const { action, data } = decodeAction(ret);
  return { ret: ret >>> 0, action, data, steps };
};

/** Emulator runs one validated seccomp filter. */
export class Emulator {
  private constructor(private readonly instructions: readonly Instruction[]) {}

  /**
   * Emulator.create validates a program (typed or bytes) with the kernel's
   * rules and throws EmulatorError if the kernel would refuse it.
   *
   *     Emulator.create([op.ret(0x7fff0000)]).run({ nr: 0, arch: 0xc000003e }).action  // 'allow'
   */
  static create(program: Program | Uint8Array): Emulator {
    const result = validate(program);
    if (!result.ok) throw new EmulatorError(result);
    const bytes = program instanceof Uint8Array ? program : assemble(program);
    return new Emulator(readFilters(bytes).map(decodeIgnoringUnusedFields));
  }

  /** run executes the filter on one `seccomp_data` and returns its verdict. */
  run(data: SeccompData): RunResult {
    const state: State = { a: 0, x: 0, scratch: new Uint32Array(BPF_MEMWORDS), words: seccompDataWords(data) };
    let pc = 0;
    for (let steps = 1; ; steps++) {
      const instruction = this.instructions[pc];
      if (instruction === undefined) throw new Error(`fell off the program at ${pc}`);
      const next = this.step(instruction, state);
      if (typeof next === 'object') return verdict(next.ret, steps);
      pc += 1 + next;
    }
  }

  /** step executes one instruction: it returns how many to skip, or the return value. */
  private step(instruction: Instruction, state: State): number | { ret: number } {
    switch (instruction.kind) {
      case 'LoadAbsolute': state.a = state.words[instruction.offset >>> 2]!; return 0;
      case 'LoadLength': return this.setRegister(state, instruction.register, SECCOMP_DATA_SIZE);
      case 'LoadConstant': return this.setRegister(state, instruction.register, instruction.value);
      case 'LoadScratch': return this.setRegister(state, instruction.register, state.scratch[instruction.slot]!);
      case 'StoreScratch':
        state.scratch[instruction.slot] = instruction.register === 'A' ? state.a : state.x;
        return 0;
      case 'AluConstant': state.a = arithmetic(instruction.operator, state.a, instruction.value); return 0;
      case 'AluX':
        if (instruction.operator === 'div' && state.x === 0) return { ret: 0 };
        state.a = arithmetic(instruction.operator, state.a, state.x);
        return 0;
      case 'Negate': state.a = -state.a >>> 0; return 0;
      case 'Jump': return instruction.skip;
      case 'JumpIf':
        return holds(instruction.condition, state.a, instruction.value) ? instruction.skipTrue : instruction.skipFalse;
      case 'JumpIfX':
        return holds(instruction.condition, state.a, state.x) ? instruction.skipTrue : instruction.skipFalse;
      case 'TransferAToX': state.x = state.a; return 0;
      case 'TransferXToA': state.a = state.x; return 0;
      case 'ReturnConstant': return { ret: instruction.value };
      case 'ReturnA': return { ret: state.a };
      case 'Raw': throw new Error(`a validated program holds an unknown opcode 0x${instruction.code.toString(16)}`);
    }
  }

  private setRegister(state: State, register: 'A' | 'X', value: number): number {
    if (register === 'A') state.a = value >>> 0;
    else state.x = value >>> 0;
    return 0;
  }
}

/**
 * emulate validates and runs a program once.
 *
 *     emulate([op.load(0), op.jumpIf('eq', 39, 0, 1), op.ret(0x7fff0000), op.ret(0x00050001)], { nr: 39, arch: 0xc000003e })
 *     // { ret: 0x7fff0000, action: 'allow', data: 0, steps: 3 }
 */
export function emulate(program: Program | Uint8Array, data: SeccompData): RunResult {
  return Emulator.create(program).run(data);
}
