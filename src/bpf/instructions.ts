/**
 * Classic BPF instructions as small typed records.
 *
 * Each record is one `struct sock_filter`. Jumps count instructions to skip,
 * exactly as the machine does. Friendlier jump conditions (`ne`, `lt`, `le`,
 * `notset`) exist only in this typed layer: the assembler lowers them to the
 * machine's four conditions by swapping the targets, and the disassembler
 * raises them back, so `disassemble(assemble(p))` deep-equals `p` for any
 * program in canonical form (see `canonical` in assemble.ts).
 */

/** Register named by loads, stores and moves. */
export type Register = 'A' | 'X';

/** Arithmetic operators seccomp's checker accepts (no BPF_MOD). */
export type AluOperator = 'add' | 'sub' | 'mul' | 'div' | 'or' | 'and' | 'lsh' | 'rsh' | 'xor';

/**
 * Jump conditions. The machine has `eq`, `gt`, `ge` and `set`; the others are
 * their negations, lowered by swapping `skipTrue` and `skipFalse`.
 */
export type JumpCondition = 'eq' | 'ne' | 'gt' | 'le' | 'ge' | 'lt' | 'set' | 'notset';

/** `A = data[offset]`, a 32-bit load from `seccomp_data`. */
export interface LoadAbsolute {
  readonly kind: 'LoadAbsolute';
  readonly offset: number;
}

/** `A = len` or `X = len` (the length of `seccomp_data`, 64). */
export interface LoadLength {
  readonly kind: 'LoadLength';
  readonly register: Register;
}

/** `A = k` or `X = k`. */
export interface LoadConstant {
  readonly kind: 'LoadConstant';
  readonly register: Register;
  readonly value: number;
}

/** `A = M[slot]` or `X = M[slot]`, slot 0..15. */
export interface LoadScratch {
  readonly kind: 'LoadScratch';
  readonly register: Register;
  readonly slot: number;
}

/** `M[slot] = A` or `M[slot] = X`, slot 0..15. */
export interface StoreScratch {
  readonly kind: 'StoreScratch';
  readonly register: Register;
  readonly slot: number;
}

/** `A = A op k`. */
export interface AluConstant {
  readonly kind: 'AluConstant';
  readonly operator: AluOperator;
  readonly value: number;
}

/** `A = A op X`. */
export interface AluX {
  readonly kind: 'AluX';
  readonly operator: AluOperator;
}

/** `A = -A`. */
export interface Negate {
  readonly kind: 'Negate';
}

/** Unconditional jump: skip `skip` instructions (32-bit offset). */
export interface Jump {
  readonly kind: 'Jump';
  readonly skip: number;
}

/** `if (A cond k)` skip `skipTrue`, else skip `skipFalse` (8-bit offsets). */
export interface JumpIf {
  readonly kind: 'JumpIf';
  readonly condition: JumpCondition;
  readonly value: number;
  readonly skipTrue: number;
  readonly skipFalse: number;
}

/** `if (A cond X)` skip `skipTrue`, else skip `skipFalse`. */
export interface JumpIfX {
  readonly kind: 'JumpIfX';
  readonly condition: JumpCondition;
  readonly skipTrue: number;
  readonly skipFalse: number;
}

/** `X = A`. */
export interface TransferAToX {
  readonly kind: 'TransferAToX';
}

/** `A = X`. */
export interface TransferXToA {
  readonly kind: 'TransferXToA';
}

/** `return k`: the filter's verdict, action in the high 16 bits. */
export interface ReturnConstant {
  readonly kind: 'ReturnConstant';
  readonly value: number;
}

/** `return A`. */
export interface ReturnA {
  readonly kind: 'ReturnA';
}

/** An encoding the typed layer does not model; kept verbatim. */
export interface Raw {
  readonly kind: 'Raw';
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

/** One classic BPF instruction. */
export type Instruction =
  | LoadAbsolute
  | LoadLength
  | LoadConstant
  | LoadScratch
  | StoreScratch
  | AluConstant
  | AluX
  | Negate
  | Jump
  | JumpIf
  | JumpIfX
  | TransferAToX
  | TransferXToA
  | ReturnConstant
  | ReturnA
  | Raw;

/** A program: instructions in order. */
export type Program = readonly Instruction[];

/** Constructors, so call sites read like assembly and records stay frozen. */
export const op = {
  load: (offset: number): LoadAbsolute => Object.freeze({ kind: 'LoadAbsolute', offset }),
  loadLength: (register: Register = 'A'): LoadLength => Object.freeze({ kind: 'LoadLength', register }),
  loadConstant: (register: Register, value: number): LoadConstant =>
    Object.freeze({ kind: 'LoadConstant', register, value: value >>> 0 }),
  loadScratch: (register: Register, slot: number): LoadScratch =>
    Object.freeze({ kind: 'LoadScratch', register, slot }),
  store: (register: Register, slot: number): StoreScratch => Object.freeze({ kind: 'StoreScratch', register, slot }),
  alu: (operator: AluOperator, value: number): AluConstant =>
    Object.freeze({ kind: 'AluConstant', operator, value: value >>> 0 }),
  aluX: (operator: AluOperator): AluX => Object.freeze({ kind: 'AluX', operator }),
  negate: (): Negate => Object.freeze({ kind: 'Negate' }),
  jump: (skip: number): Jump => Object.freeze({ kind: 'Jump', skip }),
  jumpIf: (condition: JumpCondition, value: number, skipTrue: number, skipFalse = 0): JumpIf =>
    Object.freeze({ kind: 'JumpIf', condition, value: value >>> 0, skipTrue, skipFalse }),
  jumpIfX: (condition: JumpCondition, skipTrue: number, skipFalse = 0): JumpIfX =>
    Object.freeze({ kind: 'JumpIfX', condition, skipTrue, skipFalse }),
  tax: (): TransferAToX => Object.freeze({ kind: 'TransferAToX' }),
  txa: (): TransferXToA => Object.freeze({ kind: 'TransferXToA' }),
  ret: (value: number): ReturnConstant => Object.freeze({ kind: 'ReturnConstant', value: value >>> 0 }),
  retA: (): ReturnA => Object.freeze({ kind: 'ReturnA' }),
  raw: (code: number, jt: number, jf: number, k: number): Raw => Object.freeze({ kind: 'Raw', code, jt, jf, k: k >>> 0 }),
} as const;
