/**
 * The assembler: typed instructions to the bytes of `struct sock_filter[]`.
 *
 * Each instruction becomes 8 bytes, `u16 code, u8 jt, u8 jf, u32 k`, in the
 * host's (little-endian) order. The friendlier conditions `ne`, `lt`, `le` and
 * `notset` are lowered onto JEQ, JGE, JGT and JSET by swapping the targets.
 *
 * The assembler checks only what the encoding itself needs (fields that fit,
 * registers and slots that exist). Whether the kernel would accept the
 * program is `validate`'s question.
 */

import type { Instruction, Program, Register } from './instructions.js';
import {
  ALU_OPERATION,
  BPF_A,
  BPF_ABS,
  BPF_ALU,
  BPF_IMM,
  BPF_JA,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LEN,
  BPF_MEM,
  BPF_MISC,
  BPF_NEG,
  BPF_RET,
  BPF_ST,
  BPF_STX,
  BPF_TAX,
  BPF_TXA,
  BPF_W,
  BPF_X,
  JUMP_CONDITION,
  SOCK_FILTER_SIZE,
  type SockFilter,
} from './opcodes.js';
import { BPF_MEMWORDS } from './seccomp.js';
import { decodeInstruction } from './disassemble.js';

/** AssembleErrorCode names what made an instruction impossible to encode. */
export type AssembleErrorCode =
  | 'E_JUMP_RANGE'
  | 'E_VALUE_RANGE'
  | 'E_SLOT'
  | 'E_REGISTER'
  | 'E_OPERATOR'
  | 'E_CONDITION'
  | 'E_KIND'
  | 'E_RAW_FIELD';

/**
 * AssembleError reports an instruction that cannot be encoded. `index` is
 * 1-based, as in "instruction 3".
 */
export class AssembleError extends Error {
  override readonly name = 'AssembleError';
  constructor(
    readonly code: AssembleErrorCode,
    readonly index: number,
    readonly detail: string,
  ) {
    super(`instruction ${index}: ${detail}`);
  }
}

/** A failure inside one instruction, before its position is known. */
class FieldError {
  constructor(
    readonly code: AssembleErrorCode,
    readonly detail: string,
  ) {}
}

const isInteger = (value: unknown, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;

function u32(value: number, what: string): number {
  if (!isInteger(value, 0xffffffff)) throw new FieldError('E_VALUE_RANGE', `${what} ${value} is not a 32-bit unsigned integer`);
  return value;
}

function skip8(value: number, what: string): number {
  if (!isInteger(value, 255)) throw new FieldError('E_JUMP_RANGE', `${what} ${value} is not in 0..255`);
  return value;
}

function slot(value: number): number {
  if (!isInteger(value, BPF_MEMWORDS - 1)) throw new FieldError('E_SLOT', `scratch slot ${value} is not in 0..15`);
  return value;
}

function registerClass(register: Register, forA: number, forX: number): number {
  if (register === 'A') return forA;
  if (register === 'X') return forX;
  throw new FieldError('E_REGISTER', `register ${String(register)} is neither A nor X`);
}

function aluBits(operator: string): number {
  const bits = (ALU_OPERATION as Record<string, number>)[operator];
  if (bits === undefined) throw new FieldError('E_OPERATOR', `unknown arithmetic operator ${operator}`);
  return bits;
}

function jumpBits(condition: string, skipTrue: number, skipFalse: number): { operation: number; jt: number; jf: number } {
  const lowering = (JUMP_CONDITION as Record<string, { operation: number; negated: boolean }>)[condition];
  if (lowering === undefined) throw new FieldError('E_CONDITION', `unknown jump condition ${condition}`);
  const whenTrue = skip8(skipTrue, 'conditional jump offset');
  const whenFalse = skip8(skipFalse, 'conditional jump offset');
  return lowering.negated
    ? { operation: lowering.operation, jt: whenFalse, jf: whenTrue }
    : { operation: lowering.operation, jt: whenTrue, jf: whenFalse };
}

const fields = (code: number, k = 0, jt = 0, jf = 0): SockFilter => ({ code, jt, jf, k });

function encodeFields(instruction: Instruction): SockFilter {
  switch (instruction.kind) {
    case 'LoadAbsolute':
      return fields(BPF_LD | BPF_W | BPF_ABS, u32(instruction.offset, 'offset'));
    case 'LoadLength':
      return fields(registerClass(instruction.register, BPF_LD, BPF_LDX) | BPF_W | BPF_LEN);
    case 'LoadConstant':
      return fields(registerClass(instruction.register, BPF_LD, BPF_LDX) | BPF_IMM, u32(instruction.value, 'value'));
    case 'LoadScratch':
      return fields(registerClass(instruction.register, BPF_LD, BPF_LDX) | BPF_MEM, slot(instruction.slot));
    case 'StoreScratch':
      return fields(registerClass(instruction.register, BPF_ST, BPF_STX), slot(instruction.slot));
    case 'AluConstant':
      return fields(BPF_ALU | aluBits(instruction.operator) | BPF_K, u32(instruction.value, 'value'));
    case 'AluX':
      return fields(BPF_ALU | aluBits(instruction.operator) | BPF_X);
    case 'Negate':
      return fields(BPF_ALU | BPF_NEG);
    case 'Jump':
      return fields(BPF_JMP | BPF_JA, u32(instruction.skip, 'jump offset'));
    case 'JumpIf': {
      const { operation, jt, jf } = jumpBits(instruction.condition, instruction.skipTrue, instruction.skipFalse);
      return fields(BPF_JMP | operation | BPF_K, u32(instruction.value, 'value'), jt, jf);
    }
    case 'JumpIfX': {
      const { operation, jt, jf } = jumpBits(instruction.condition, instruction.skipTrue, instruction.skipFalse);
      return fields(BPF_JMP | operation | BPF_X, 0, jt, jf);
    }
    case 'TransferAToX':
      return fields(BPF_MISC | BPF_TAX);
    case 'TransferXToA':
      return fields(BPF_MISC | BPF_TXA);
    case 'ReturnConstant':
      return fields(BPF_RET | BPF_K, u32(instruction.value, 'value'));
    case 'ReturnA':
      return fields(BPF_RET | BPF_A);
    case 'Raw':
      if (!isInteger(instruction.code, 0xffff)) throw new FieldError('E_RAW_FIELD', `code ${instruction.code} is not in 0..0xffff`);
      if (!isInteger(instruction.jt, 255)) throw new FieldError('E_RAW_FIELD', `jt ${instruction.jt} is not in 0..255`);
      if (!isInteger(instruction.jf, 255)) throw new FieldError('E_RAW_FIELD', `jf ${instruction.jf} is not in 0..255`);
      return fields(instruction.code, u32(instruction.k, 'k'), instruction.jt, instruction.jf);
    default: {
      const unknown: { kind?: unknown } = instruction;
      throw new FieldError('E_KIND', `unknown instruction kind ${String(unknown.kind)}`);
    }
  }
}

/**
 * encodeInstruction lowers one instruction to its four machine fields.
 * `index` is 0-based and only used to position a thrown AssembleError.
 */
export function encodeInstruction(instruction: Instruction, index = 0): SockFilter {
  try {
    return encodeFields(instruction);
  } catch (error) {
    if (error instanceof FieldError) throw new AssembleError(error.code, index + 1, error.detail);
    throw error;
  }
}

/**
 * assemble encodes a program as `struct sock_filter[]` bytes.
 *
 *     assemble([op.load(0), op.ret(0x7fff0000)])
 *     // 20 00 00 00 00 00 00 00  06 00 00 00 00 00 ff 7f
 *
 * Throws AssembleError (with a 1-based index) for an unencodable instruction.
 */
export function assemble(program: Program): Uint8Array {
  const fields: number[] = [];
  program.forEach((instruction, index) => {
    const { code, jt, jf, k } = encodeInstruction(instruction, index);
    fields.push(code, jt, jf, k);
  });
  return sockFilterBytes(fields);
}

/**
 * sockFilterBytes writes a `struct sock_filter[]` from flat fields, four an
 * instruction (`code, jt, jf, k`), each already within its field's range.
 */
export function sockFilterBytes(fields: readonly number[]): Uint8Array {
  const count = fields.length / 4;
  const bytes = new Uint8Array(count * SOCK_FILTER_SIZE);
  const view = new DataView(bytes.buffer);
  for (let index = 0; index < count; index++) {
    const at = index * SOCK_FILTER_SIZE;
    view.setUint16(at, fields[4 * index]!, true);
    view.setUint8(at + 2, fields[4 * index + 1]!);
    view.setUint8(at + 3, fields[4 * index + 2]!);
    view.setUint32(at + K_OFFSET, fields[4 * index + 3]!, true);
  }
  return bytes;
}

/**
 * withConstants returns a copy of a `struct sock_filter[]` in which, for each
 * pair `index, k` of `patches`, instruction `index` has the constant `k`.
 */
export function withConstants(bytes: Uint8Array, patches: readonly number[]): Uint8Array {
  const patched = bytes.slice();
  const view = new DataView(patched.buffer);
  for (let i = 0; i < patches.length; i += 2) view.setUint32(patches[i]! * SOCK_FILTER_SIZE + K_OFFSET, patches[i + 1]!, true);
  return patched;
}

/** Where `k` lies in a `struct sock_filter`, after `code`, `jt` and `jf`. */
const K_OFFSET = 4;

/**
 * canonical returns the form of a program that the disassembler produces, so
 * that `disassemble(assemble(p)).instructions` deep-equals `canonical(p)`.
 *
 * The canonical rule, per instruction:
 * - a conditional jump is written with the machine's condition (`eq`, `gt`,
 *   `ge`, `set`) unless its machine form has `jt == 0` and `jf != 0`; then it
 *   is written with the negated condition (`ne`, `le`, `lt`, `notset`),
 *   `skipTrue = jf` and `skipFalse = 0`. So `jumpIf('eq', k, 0, 3)` becomes
 *   `jumpIf('ne', k, 3, 0)` and `jumpIf('lt', k, 0, 2)` becomes
 *   `jumpIf('ge', k, 2, 0)`;
 * - a `Raw` whose fields are exactly a typed instruction's encoding becomes
 *   that typed instruction;
 * - everything else is unchanged.
 *
 * Throws AssembleError like `assemble` for an unencodable instruction.
 */
export function canonical(program: Program): Instruction[] {
  return program.map((instruction, index) => decodeInstruction(encodeInstruction(instruction, index)));
}
