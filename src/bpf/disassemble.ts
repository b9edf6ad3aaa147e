/**
 * The disassembler: `struct sock_filter[]` bytes back to typed instructions.
 *
 * An encoding becomes a typed record only when assembling that record gives
 * back the very same eight bytes; anything else (BPF_MOD, byte and half-word
 * loads, indirect loads, a RET with a non-zero jt, ...) becomes `Raw`. So
 * `assemble(disassemble(bytes).instructions)` reproduces `bytes` exactly.
 */

import { type AluOperator, type Instruction, type JumpCondition, op, type Register } from './instructions.js';
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
  JUMP_CONDITION,
  SOCK_FILTER_SIZE,
  type SockFilter,
  classOf,
  operationOf,
  sourceOf,
} from './opcodes.js';
import { BPF_MEMWORDS } from './seccomp.js';

/** DisassembleError reports a byte array that is not a whole number of instructions. */
export class DisassembleError extends Error {
  override readonly name = 'DisassembleError';
  readonly code = 'E_LENGTH';
  constructor(readonly length: number) {
    super(`${length} bytes is not a multiple of ${SOCK_FILTER_SIZE}, the size of one instruction`);
  }
}

/** Disassembly is the result of `disassemble`. */
export interface Disassembly {
  readonly instructions: Instruction[];
  /** allDecoded is true when no instruction fell back to `Raw`. */
  readonly allDecoded: boolean;
}

const aluOperatorOf = new Map<number, AluOperator>(
  Object.entries(ALU_OPERATION).map(([name, bits]) => [bits, name as AluOperator]),
);

/** Machine jump operation to [its condition, its negation]. */
const conditionsOf = new Map<number, [JumpCondition, JumpCondition]>();
for (const [name, { operation, negated }] of Object.entries(JUMP_CONDITION)) {
  const pair = conditionsOf.get(operation) ?? (['eq', 'eq'] as [JumpCondition, JumpCondition]);
  pair[negated ? 1 : 0] = name as JumpCondition;
  conditionsOf.set(operation, pair);
}

/**
 * raise picks the typed condition for a machine jump: the negated condition
 * when only the false branch jumps, the machine's own otherwise.
 */
function raise(operation: number, jt: number, jf: number): { condition: JumpCondition; skipTrue: number; skipFalse: number } | undefined {
  const pair = conditionsOf.get(operation);
  if (pair === undefined) return undefined;
  if (jt === 0 && jf !== 0) return { condition: pair[1], skipTrue: jf, skipFalse: 0 };
  return { condition: pair[0], skipTrue: jt, skipFalse: jf };
}

/** Which fields an encoding reads; the others must be zero to decode strictly. */
interface Uses {
  readonly k?: boolean;
  readonly jumps?: boolean;
}

/** A decoder's test for "a field this encoding ignores is set" (always false when not strict). */
type UnusedCheck = (uses: Uses) => boolean;

/** decodeFixed decodes the opcodes that name one instruction outright. */
function decodeFixed({ code, k }: SockFilter, unused: UnusedCheck): Instruction | undefined {
  const register: Register = classOf(code) === BPF_LDX || classOf(code) === BPF_STX ? 'X' : 'A';
  switch (code) {
    case BPF_LD | BPF_W | BPF_ABS:
      return unused({ k: true }) ? undefined : op.load(k);
    case BPF_LD | BPF_W | BPF_LEN:
    case BPF_LDX | BPF_W | BPF_LEN:
      return unused({}) ? undefined : op.loadLength(register);
    case BPF_LD | BPF_IMM:
    case BPF_LDX | BPF_IMM:
      return unused({ k: true }) ? undefined : op.loadConstant(register, k);
    case BPF_LD | BPF_MEM:
    case BPF_LDX | BPF_MEM:
      return unused({ k: true }) || k >= BPF_MEMWORDS ? undefined : op.loadScratch(register, k);
    case BPF_ST:
    case BPF_STX:
      return unused({ k: true }) || k >= BPF_MEMWORDS ? undefined : op.store(register, k);
    case BPF_ALU | BPF_NEG:
      return unused({}) ? undefined : op.negate();
    case BPF_JMP | BPF_JA:
      return unused({ k: true }) ? undefined : op.jump(k);
    case BPF_MISC | BPF_TAX:
      return unused({}) ? undefined : op.tax();
    case BPF_MISC | BPF_TXA:
      return unused({}) ? undefined : op.txa();
    case BPF_RET | BPF_K:
      return unused({ k: true }) ? undefined : op.ret(k);
    case BPF_RET | BPF_A:
      return unused({}) ? undefined : op.retA();
    default:
      return undefined;
  }
}

/** decodeOperation decodes arithmetic and conditional jumps from their operation and source bits. */
function decodeOperation({ code, jt, jf, k }: SockFilter, unused: UnusedCheck): Instruction | undefined {
  if (code > 0xff) return undefined;
  if (classOf(code) === BPF_ALU) {
    const operator = aluOperatorOf.get(operationOf(code));
    if (operator === undefined) return undefined;
    if (sourceOf(code) === BPF_K) return unused({ k: true }) ? undefined : op.alu(operator, k);
    return unused({}) ? undefined : op.aluX(operator);
  }
  if (classOf(code) === BPF_JMP) {
    const raised = raise(operationOf(code), jt, jf);
    if (raised === undefined) return undefined;
    const { condition, skipTrue, skipFalse } = raised;
    if (sourceOf(code) === BPF_K) return op.jumpIf(condition, k, skipTrue, skipFalse);
    return unused({ jumps: true }) ? undefined : op.jumpIfX(condition, skipTrue, skipFalse);
  }
  return undefined;
}

function decodeWith(filter: SockFilter, strict: boolean): Instruction | undefined {
  const { jt, jf, k } = filter;
  const unused: UnusedCheck = (uses) => strict && ((!uses.k && k !== 0) || (!uses.jumps && (jt !== 0 || jf !== 0)));
  return decodeFixed(filter, unused) ?? decodeOperation(filter, unused);
}

/**
 * decodeInstruction turns one `struct sock_filter` into a typed record, or
 * into `Raw` when no typed record assembles back to exactly these fields.
 */
export function decodeInstruction(filter: SockFilter): Instruction {
  return decodeWith(filter, true) ?? op.raw(filter.code, filter.jt, filter.jf, filter.k);
}

/**
 * decodeIgnoringUnusedFields is decodeInstruction for running a program: it
 * ignores the fields an opcode does not read (as the kernel does), so a RET K
 * with a non-zero jt still decodes to ReturnConstant. Unknown opcodes, and
 * scratch slots past 15, still become `Raw`.
 */
export function decodeIgnoringUnusedFields(filter: SockFilter): Instruction {
  return decodeWith(filter, false) ?? op.raw(filter.code, filter.jt, filter.jf, filter.k);
}

/** readFilters splits bytes into `struct sock_filter` fields (little-endian). */
export function readFilters(bytes: Uint8Array): SockFilter[] {
  if (bytes.length % SOCK_FILTER_SIZE !== 0) throw new DisassembleError(bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const filters: SockFilter[] = [];
  for (let at = 0; at < bytes.length; at += SOCK_FILTER_SIZE) {
    filters.push({
      code: view.getUint16(at, true),
      jt: view.getUint8(at + 2),
      jf: view.getUint8(at + 3),
      k: view.getUint32(at + 4, true),
    });
  }
  return filters;
}

/**
 * disassemble decodes `struct sock_filter[]` bytes.
 *
 *     disassemble(assemble([op.load(4), op.ret(0)])).instructions
 *     // [{ kind: 'LoadAbsolute', offset: 4 }, { kind: 'ReturnConstant', value: 0 }]
 *
 * Throws DisassembleError when the length is not a multiple of 8.
 */
export function disassemble(bytes: Uint8Array): Disassembly {
  const instructions = readFilters(bytes).map(decodeInstruction);
  return { instructions, allDecoded: instructions.every((instruction) => instruction.kind !== 'Raw') };
}
