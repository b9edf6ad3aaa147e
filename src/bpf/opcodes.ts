/**
 * Opcode bits of classic BPF, as laid out in the 16-bit `code` field of
 * `struct sock_filter`. Only the assembler, the disassembler and the
 * validator read these; the rest of the project speaks typed instructions.
 *
 * Every instruction's low three bits name its class:
 *
 *     15            8 7     5 4   3 2     0
 *    +---------------+-------+-----+-------+
 *    |   (unused)    |   ?   |  ?  | class |
 *    +---------------+-------+-----+-------+
 *
 * Loads (LD, LDX) split the rest into an addressing mode and a size:
 *
 *     7     5 4   3 2     0
 *    +-------+-----+-------+
 *    | mode  | size| class |      mode: IMM ABS IND MEM LEN MSH
 *    +-------+-----+-------+      size: W (32) H (16) B (8)
 *
 * Arithmetic (ALU) and jumps (JMP) split it into an operation and a source:
 *
 *     7         4   3   2     0
 *    +-----------+-----+-------+
 *    | operation | src | class |  src: K (the constant k) or X
 *    +-----------+-----+-------+
 *
 * Returns (RET) name their value's source in bits 3-4 (K, X or A), and MISC
 * names its operation (TAX, TXA) in bits 3-7.
 */

import type { AluOperator, JumpCondition } from './instructions.js';

/** Class, bits 0-2. */
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06;
export const BPF_MISC = 0x07;

/** Size, bits 3-4 (loads). */
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;

/** Mode, bits 5-7 (loads). */
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_LEN = 0x80;
export const BPF_MSH = 0xa0;

/** Operation, bits 4-7 (ALU). */
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;

/** Operation, bits 4-7 (JMP). */
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;

/** Source, bit 3 (ALU, JMP). */
export const BPF_K = 0x00;
export const BPF_X = 0x08;

/** Return value source, bits 3-4 (RET); K and X as above. */
export const BPF_A = 0x10;

/** Operation, bits 3-7 (MISC). */
export const BPF_TAX = 0x00;
export const BPF_TXA = 0x80;

/** SKF_AD_OFF is where the socket filter's ancillary loads begin (-0x1000 as a u32). */
export const SKF_AD_OFF = 0xfffff000;
/** SKF_AD_MAX bounds the ancillary offsets the classic checker knows (0, 4, ... 60). */
export const SKF_AD_MAX = 64;

/** classOf extracts bits 0-2. */
export const classOf = (code: number): number => code & 0x07;
/** sizeOf extracts bits 3-4 of a load. */
export const sizeOf = (code: number): number => code & 0x18;
/** modeOf extracts bits 5-7 of a load. */
export const modeOf = (code: number): number => code & 0xe0;
/** operationOf extracts bits 4-7 of an ALU or JMP instruction. */
export const operationOf = (code: number): number => code & 0xf0;
/** sourceOf extracts bit 3 of an ALU or JMP instruction. */
export const sourceOf = (code: number): number => code & 0x08;
/** returnSourceOf extracts bits 3-4 of a RET instruction. */
export const returnSourceOf = (code: number): number => code & 0x18;

/** SockFilter is one `struct sock_filter` as four unsigned fields. */
export interface SockFilter {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

/** SOCK_FILTER_SIZE is the byte size of one `struct sock_filter`. */
export const SOCK_FILTER_SIZE = 8;

/** ALU_OPERATION maps each typed arithmetic operator to its operation bits. */
export const ALU_OPERATION: Readonly<Record<AluOperator, number>> = Object.freeze({
  add: BPF_ADD,
  sub: BPF_SUB,
  mul: BPF_MUL,
  div: BPF_DIV,
  or: BPF_OR,
  and: BPF_AND,
  lsh: BPF_LSH,
  rsh: BPF_RSH,
  xor: BPF_XOR,
});

/**
 * JUMP_CONDITION maps each typed condition to the machine operation that
 * tests it and whether the targets are swapped (`ne` is `eq` with its
 * targets swapped, `lt` is `ge`, `le` is `gt`, `notset` is `set`).
 */
export const JUMP_CONDITION: Readonly<Record<JumpCondition, { operation: number; negated: boolean }>> =
  Object.freeze({
    eq: { operation: BPF_JEQ, negated: false },
    ne: { operation: BPF_JEQ, negated: true },
    gt: { operation: BPF_JGT, negated: false },
    le: { operation: BPF_JGT, negated: true },
    ge: { operation: BPF_JGE, negated: false },
    lt: { operation: BPF_JGE, negated: true },
    set: { operation: BPF_JSET, negated: false },
    notset: { operation: BPF_JSET, negated: true },
  });

/** Builds a frozen set of opcodes. */
const codeSet = (codes: readonly number[]): ReadonlySet<number> => Object.freeze(new Set(codes));

const ALU_WITH_SOURCES = [BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH];
const CONDITIONAL_JUMP_OPERATIONS = [BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET];

/**
 * SECCOMP_ALLOWED_CODES is every opcode seccomp accepts (`seccomp_check_filter`):
 * 32-bit absolute and length loads, immediate and scratch loads, stores,
 * arithmetic without BPF_MOD, jumps, TAX/TXA and RET K/A. 41 opcodes.
 */
export const SECCOMP_ALLOWED_CODES = codeSet([
  BPF_LD | BPF_W | BPF_ABS,
  BPF_LD | BPF_W | BPF_LEN,
  BPF_LDX | BPF_W | BPF_LEN,
  BPF_RET | BPF_K,
  BPF_RET | BPF_A,
  ...ALU_WITH_SOURCES.flatMap((operation) => [BPF_ALU | operation | BPF_K, BPF_ALU | operation | BPF_X]),
  BPF_ALU | BPF_NEG,
  BPF_LD | BPF_IMM,
  BPF_LDX | BPF_IMM,
  BPF_MISC | BPF_TAX,
  BPF_MISC | BPF_TXA,
  BPF_LD | BPF_MEM,
  BPF_LDX | BPF_MEM,
  BPF_ST,
  BPF_STX,
  BPF_JMP | BPF_JA,
  ...CONDITIONAL_JUMP_OPERATIONS.flatMap((operation) => [BPF_JMP | operation | BPF_K, BPF_JMP | operation | BPF_X]),
]);

/**
 * CLASSIC_ALLOWED_CODES is every opcode the classic BPF checker accepts
 * (`chk_code_allowed`): the seccomp set plus BPF_MOD, byte and half-word
 * absolute loads, indirect loads and the MSH load. 49 opcodes.
 */
export const CLASSIC_ALLOWED_CODES = codeSet([
  ...SECCOMP_ALLOWED_CODES,
  BPF_ALU | BPF_MOD | BPF_K,
  BPF_ALU | BPF_MOD | BPF_X,
  BPF_LD | BPF_H | BPF_ABS,
  BPF_LD | BPF_B | BPF_ABS,
  BPF_LD | BPF_W | BPF_IND,
  BPF_LD | BPF_H | BPF_IND,
  BPF_LD | BPF_B | BPF_IND,
  BPF_LDX | BPF_B | BPF_MSH,
]);
