/**
 * A program in the syntax of the kernel's `bpf_asm` (tools/bpf), one
 * instruction per line, from the machine encoding (so `ne`, `lt`, `le` and
 * `notset` appear lowered, with their targets swapped):
 *
 *     ld [4]
 *     jeq #0xc000003e, 1, 0
 *     ret #0x0
 *     ld [0]
 *     ret #0x7fff0000
 *
 * Two simplifications: jump targets are written as numeric skip counts
 * (`ja 3`, `jeq #0x1, 0, 2`) where `bpf_asm` would take labels, and an
 * encoding that has no mnemonic, or that sets fields its mnemonic ignores, is
 * written as `raw 0xCODE, JT, JF, 0xK`, which `bpf_asm` does not know.
 * Constants are in hex, offsets and slots in decimal.
 */

import { encodeInstruction } from './assemble.js';
import type { Program } from './instructions.js';
import {
  ALU_OPERATION,
  BPF_A,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JSET,
  BPF_MOD,
  BPF_ABS,
  BPF_ALU,
  BPF_B,
  BPF_H,
  BPF_IMM,
  BPF_IND,
  BPF_JA,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LEN,
  BPF_MEM,
  BPF_MISC,
  BPF_MSH,
  BPF_NEG,
  BPF_RET,
  BPF_ST,
  BPF_STX,
  BPF_TAX,
  BPF_W,
  BPF_X,
  CLASSIC_ALLOWED_CODES,
  type SockFilter,
  classOf,
  modeOf,
  operationOf,
  returnSourceOf,
  sizeOf,
  sourceOf,
} from './opcodes.js';

const hex = (value: number): string => `0x${value.toString(16)}`;

const ALU_MNEMONICS = new Map<number, string>([
  ...(Object.entries(ALU_OPERATION).map(([name, bits]) => [bits, name]) as [number, string][]),
  [BPF_MOD, 'mod'],
]);
const JUMP_MNEMONICS = new Map<number, string>([[BPF_JEQ, 'jeq'], [BPF_JGT, 'jgt'], [BPF_JGE, 'jge'], [BPF_JSET, 'jset']]);
const LOAD_SUFFIXES = new Map<number, string>([[BPF_W, ''], [BPF_H, 'h'], [BPF_B, 'b']]);

/** Whether an opcode reads k, and whether it reads jt and jf. */
function reads(code: number): { k: boolean; jumps: boolean } {
  const loadMode = modeOf(code);
  switch (classOf(code)) {
    case BPF_LD:
    case BPF_LDX:
      return { k: loadMode !== BPF_LEN, jumps: false };
    case BPF_ALU:
      return { k: sourceOf(code) === BPF_K && operationOf(code) !== BPF_NEG, jumps: false };
    case BPF_JMP:
      return operationOf(code) === BPF_JA ? { k: true, jumps: false } : { k: sourceOf(code) === BPF_K, jumps: true };
    case BPF_RET:
      return { k: returnSourceOf(code) === BPF_K, jumps: false };
    case BPF_MISC:
      return { k: false, jumps: false };
    default:
      return { k: true, jumps: false };
  }
}

function loadOperand(code: number, k: number): string {
  switch (modeOf(code)) {
    case BPF_IMM: return `#${hex(k)}`;
    case BPF_ABS: return `[${k}]`;
    case BPF_IND: return `[x + ${k}]`;
    case BPF_MEM: return `M[${k}]`;
    case BPF_LEN: return '#len';
    default: return `4*([${k}]&0xf)`;
  }
}

/** mnemonic writes a classic opcode in bpf_asm syntax. */
function mnemonic({ code, jt, jf, k }: SockFilter): string {
  const operand = sourceOf(code) === BPF_X ? 'x' : `#${hex(k)}`;
  switch (classOf(code)) {
    case BPF_LD: return `ld${LOAD_SUFFIXES.get(sizeOf(code)) ?? ''} ${loadOperand(code, k)}`;
    case BPF_LDX: return `${modeOf(code) === BPF_MSH ? 'ldxb' : 'ldx'} ${loadOperand(code, k)}`;
    case BPF_ST: return `st M[${k}]`;
    case BPF_STX: return `stx M[${k}]`;
    case BPF_ALU: return code === (BPF_ALU | BPF_NEG) ? 'neg' : `${ALU_MNEMONICS.get(operationOf(code))} ${operand}`;
    case BPF_JMP:
      return code === (BPF_JMP | BPF_JA) ? `ja ${k}` : `${JUMP_MNEMONICS.get(operationOf(code))} ${operand}, ${jt}, ${jf}`;
    case BPF_RET: return returnSourceOf(code) === BPF_A ? 'ret a' : returnSourceOf(code) === BPF_X ? 'ret x' : `ret #${hex(k)}`;
    default: return code === (BPF_MISC | BPF_TAX) ? 'tax' : 'txa';
  }
}

const RETURN_X = BPF_RET | BPF_X;

/** bpfAsmLine writes one encoded instruction. */
export function bpfAsmLine(filter: SockFilter): string {
  const { code, jt, jf, k } = filter;
  const known = CLASSIC_ALLOWED_CODES.has(code) || code === RETURN_X;
  const uses = reads(code);
  const ignoredSet = (!uses.k && k !== 0) || (!uses.jumps && (jt !== 0 || jf !== 0));
  if (!known || ignoredSet) return `raw ${hex(code)}, ${jt}, ${jf}, ${hex(k)}`;
  return mnemonic(filter);
}

/**
 * toBpfAsm writes a program in bpf_asm syntax, one instruction per line,
 * joined by newlines. Throws AssembleError for an unencodable instruction.
 *
 *     toBpfAsm([op.load(4), op.ret(0x7fff0000)])  // 'ld [4]\nret #0x7fff0000'
 */
export function toBpfAsm(program: Program): string {
  return program.map((instruction, index) => bpfAsmLine(encodeInstruction(instruction, index))).join('\n');
}
