/**
 * The validator: accepts exactly the programs the Linux kernel accepts as a
 * seccomp filter, and names the first instruction it would refuse.
 *
 * The kernel checks a filter in four passes, and so do we, in the same order
 * (so that "the first bad instruction" means the same thing):
 *
 * 1. the length: 1 to 4096 instructions (`seccomp_prepare_filter`);
 * 2. the classic BPF checker, instruction by instruction
 *    (`bpf_check_classic`): the opcode must be one classic BPF knows,
 *    a division or modulo by the constant 0, a shift by a constant of 32 or
 *    more, a scratch slot past 15, a jump past the end, and an unknown
 *    ancillary load (k >= 0xfffff000) are refused; then the last instruction
 *    must be a RET;
 * 3. the scratch-memory pass (`check_load_and_stores`): a read of M[i] is
 *    refused unless every jump into it and the fall-through before it carry a
 *    store to M[i];
 * 4. the seccomp pass (`seccomp_check_filter`): only the seccomp subset of
 *    opcodes is allowed (no BPF_MOD, no byte or half-word loads, no indirect
 *    loads, no MSH), and a 32-bit load must be aligned and inside the 64
 *    bytes of `seccomp_data`.
 *
 * The kernel reports every failure as EINVAL; the codes here tell them apart.
 */

import { AssembleError, assemble } from './assemble.js';
import { readFilters } from './disassemble.js';
import type { Program } from './instructions.js';
import { BPF_MAXINSNS, BPF_MEMWORDS, SECCOMP_DATA_SIZE } from './seccomp.js';
import {
  BPF_A,
  BPF_ABS,
  BPF_ALU,
  BPF_B,
  BPF_DIV,
  BPF_H,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JMP,
  BPF_JSET,
  BPF_LD,
  BPF_LDX,
  BPF_LSH,
  BPF_MEM,
  BPF_MOD,
  BPF_RET,
  BPF_RSH,
  BPF_ST,
  BPF_STX,
  BPF_W,
  BPF_K,
  BPF_X,
  CLASSIC_ALLOWED_CODES,
  SECCOMP_ALLOWED_CODES,
  SKF_AD_MAX,
  SKF_AD_OFF,
  SOCK_FILTER_SIZE,
  type SockFilter,
} from './opcodes.js';

/** ValidationCode names the rule a refused program breaks. */
export type ValidationCode =
  | 'E_ENCODING'
  | 'E_TRUNCATED'
  | 'E_EMPTY'
  | 'E_TOO_LONG'
  | 'E_UNKNOWN_OPCODE'
  | 'E_DIVISION_BY_ZERO'
  | 'E_SHIFT_TOO_FAR'
  | 'E_SCRATCH_SLOT'
  | 'E_JUMP_OUT_OF_RANGE'
  | 'E_BRANCH_OUT_OF_RANGE'
  | 'E_UNKNOWN_ANCILLARY'
  | 'E_MISSING_RETURN'
  | 'E_UNINITIALIZED_SCRATCH'
  | 'E_NOT_SECCOMP_OPCODE'
  | 'E_LOAD_OUT_OF_BOUNDS'
  | 'E_LOAD_MISALIGNED';

/** ValidationFailure names the first instruction (0-based) the kernel refuses. */
export interface ValidationFailure {
  readonly ok: false;
  readonly index: number;
  readonly code: ValidationCode;
  readonly message: string;
}

/** ValidationResult is `{ ok: true }` or a ValidationFailure. */
export type ValidationResult = { readonly ok: true } | ValidationFailure;

const fail = (index: number, code: ValidationCode, message: string): ValidationFailure => ({
  ok: false,
  index,
  code,
  message: `instruction ${index}: ${message}`,
});

const hex = (value: number): string => `0x${value.toString(16)}`;

const CONDITIONAL_JUMPS = new Set(
  [BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET].flatMap((operation) => [BPF_JMP | operation | BPF_K, BPF_JMP | operation | BPF_X]),
);
const SCRATCH_READS = new Set([BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM]);
const SCRATCH_WRITES = new Set([BPF_ST, BPF_STX]);
const ABSOLUTE_LOADS = new Set([BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_H | BPF_ABS, BPF_LD | BPF_B | BPF_ABS]);

/** isKnownAncillary: the 16 ancillary offsets the classic checker knows. */
const isKnownAncillary = (k: number): boolean => k >= SKF_AD_OFF && k - SKF_AD_OFF < SKF_AD_MAX && k % 4 === 0;

/** classicCheck mirrors one iteration of `bpf_check_classic`. */
function classicCheck(filter: SockFilter, pc: number, length: number): ValidationFailure | undefined {
  const { code, jt, jf, k } = filter;
  if (!CLASSIC_ALLOWED_CODES.has(code)) return fail(pc, 'E_UNKNOWN_OPCODE', `opcode ${hex(code)} is not classic BPF`);
  if (code === (BPF_ALU | BPF_DIV | BPF_K) || code === (BPF_ALU | BPF_MOD | BPF_K)) {
    if (k === 0) return fail(pc, 'E_DIVISION_BY_ZERO', 'division by the constant 0');
  } else if (code === (BPF_ALU | BPF_LSH | BPF_K) || code === (BPF_ALU | BPF_RSH | BPF_K)) {
    if (k >= 32) return fail(pc, 'E_SHIFT_TOO_FAR', `shift by the constant ${k}, 32 or more`);
  } else if (SCRATCH_READS.has(code) || SCRATCH_WRITES.has(code)) {
    if (k >= BPF_MEMWORDS) return fail(pc, 'E_SCRATCH_SLOT', `scratch slot ${k} is not in 0..15`);
  } else if (code === (BPF_JMP | BPF_JA)) {
    if (k >= length - pc - 1) return fail(pc, 'E_JUMP_OUT_OF_RANGE', `jump over ${k} lands past the end`);
  } else if (CONDITIONAL_JUMPS.has(code)) {
    if (pc + jt + 1 >= length || pc + jf + 1 >= length) {
      return fail(pc, 'E_BRANCH_OUT_OF_RANGE', `a branch (jt ${jt}, jf ${jf}) lands past the end`);
    }
  } else if (ABSOLUTE_LOADS.has(code)) {
    if (k >= SKF_AD_OFF && !isKnownAncillary(k)) return fail(pc, 'E_UNKNOWN_ANCILLARY', `unknown ancillary load ${hex(k)}`);
  }
  return undefined;
}

/** checkLoadAndStores mirrors `check_load_and_stores`: scratch reads need a store on every path. */
function checkLoadAndStores(filters: readonly SockFilter[]): ValidationFailure | undefined {
  const masks = new Uint16Array(filters.length).fill(0xffff);
  let valid = 0;
  for (let pc = 0; pc < filters.length; pc++) {
    const { code, jt, jf, k } = filters[pc]!;
    valid &= masks[pc]!;
    if (SCRATCH_WRITES.has(code)) {
      valid |= 1 << k;
    } else if (SCRATCH_READS.has(code)) {
      if ((valid & (1 << k)) === 0) return fail(pc, 'E_UNINITIALIZED_SCRATCH', `M[${k}] may be read before it is written`);
    } else if (code === (BPF_JMP | BPF_JA)) {
      masks[pc + 1 + k]! &= valid;
      valid = 0xffff;
    } else if (CONDITIONAL_JUMPS.has(code)) {
      masks[pc + 1 + jt]! &= valid;
      masks[pc + 1 + jf]! &= valid;
      valid = 0xffff;
    }
  }
  return undefined;
}

/** seccompCheck mirrors one iteration of `seccomp_check_filter`. */
function seccompCheck(filter: SockFilter, pc: number): ValidationFailure | undefined {
  const { code, k } = filter;
  if (code === (BPF_LD | BPF_W | BPF_ABS)) {
    if (k >= SECCOMP_DATA_SIZE) return fail(pc, 'E_LOAD_OUT_OF_BOUNDS', `load at offset ${k} is past the 64 bytes of seccomp_data`);
    if ((k & 3) !== 0) return fail(pc, 'E_LOAD_MISALIGNED', `load at offset ${k} is not 4-byte aligned`);
    return undefined;
  }
  if (!SECCOMP_ALLOWED_CODES.has(code)) return fail(pc, 'E_NOT_SECCOMP_OPCODE', `opcode ${hex(code)} is not allowed in seccomp`);
  return undefined;
}

/** validateFilters runs the kernel's four passes over decoded fields. */
export function validateFilters(filters: readonly SockFilter[]): ValidationResult {
  if (filters.length === 0) return fail(0, 'E_EMPTY', 'a filter needs at least one instruction');
  if (filters.length > BPF_MAXINSNS) {
    return fail(BPF_MAXINSNS, 'E_TOO_LONG', `${filters.length} instructions, more than 4096`);
  }
  for (let pc = 0; pc < filters.length; pc++) {
    const failure = classicCheck(filters[pc]!, pc, filters.length);
    if (failure) return failure;
  }
  const last = filters.length - 1;
  const lastCode = filters[last]!.code;
  if (lastCode !== (BPF_RET | BPF_K) && lastCode !== (BPF_RET | BPF_A)) {
    return fail(last, 'E_MISSING_RETURN', 'the last instruction is not a return');
  }
  const scratch = checkLoadAndStores(filters);
  if (scratch) return scratch;
  for (let pc = 0; pc < filters.length; pc++) {
    const failure = seccompCheck(filters[pc]!, pc);
    if (failure) return failure;
  }
  return { ok: true };
}

/**
 * validate answers whether the kernel would install a program as a seccomp
 * filter, and if not, which instruction (0-based) it refuses first and why.
 *
 *     validate([op.load(0), op.ret(0x7fff0000)])  // { ok: true }
 *     validate([op.load(2), op.ret(0)])            // { ok: false, index: 0, code: 'E_LOAD_MISALIGNED', ... }
 *
 * A typed program that cannot even be encoded fails with E_ENCODING; bytes
 * that are not a whole number of instructions fail with E_TRUNCATED.
 */
export function validate(program: Program | Uint8Array): ValidationResult {
  if (program instanceof Uint8Array) {
    if (program.length % SOCK_FILTER_SIZE !== 0) {
      return fail(Math.floor(program.length / SOCK_FILTER_SIZE), 'E_TRUNCATED', 'the bytes end inside an instruction');
    }
    return validateFilters(readFilters(program));
  }
  try {
    return validateFilters(readFilters(assemble(program)));
  } catch (error) {
    if (error instanceof AssembleError) return fail(error.index - 1, 'E_ENCODING', error.detail);
    throw error;
  }
}
