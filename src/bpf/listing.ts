/**
 * The listing: a program as one readable line per instruction, in the words
 * of seccomp rather than of offsets.
 *
 *     0000: A = arch
 *     0001: if (A == AUDIT_ARCH_X86_64) goto 0002 else goto 0005
 *     0002: A = nr
 *     0003: if (A == read) goto 0004 else goto 0005
 *     0004: return ALLOW
 *     0005: return KILL_PROCESS
 *
 * Loads name the `seccomp_data` field they read (`nr`, `arch`,
 * `instruction_pointer.lo`, `args[1].hi`). A comparison made while A holds
 * `arch` names the AUDIT_ARCH value; an equality test made while A holds `nr`
 * on a path where the arch is known names the syscall through the
 * `syscallName` option. Jumps print the line numbers of their targets.
 */

import type { AluOperator, Instruction, JumpCondition, Program } from './instructions.js';
import { ActionValue, type ActionName, AuditArch, SECCOMP_RET_ACTION_FULL, SECCOMP_RET_DATA } from './seccomp.js';
import { type FlowState, flowStates } from './flow.js';

/** ListingOptions tunes `listing`. */
export interface ListingOptions {
  /**
   * syscallName names a syscall number for an arch (an AUDIT_ARCH value), or
   * returns undefined to print the number. Called only where the listing
   * knows the arch.
   */
  readonly syscallName?: (nr: number, arch: number) => string | undefined;
}

const ARCH_NAMES = new Map<number, string>([
  [AuditArch.x86_64, 'AUDIT_ARCH_X86_64'],
  [AuditArch.i386, 'AUDIT_ARCH_I386'],
  [AuditArch.aarch64, 'AUDIT_ARCH_AARCH64'],
  [AuditArch.arm, 'AUDIT_ARCH_ARM'],
  [AuditArch.riscv64, 'AUDIT_ARCH_RISCV64'],
]);

const ACTION_NAMES: Readonly<Record<ActionName, string>> = {
  kill_process: 'KILL_PROCESS',
  kill_thread: 'KILL_THREAD',
  trap: 'TRAP',
  errno: 'ERRNO',
  notify: 'USER_NOTIF',
  trace: 'TRACE',
  log: 'LOG',
  allow: 'ALLOW',
};

const ALU_SYMBOLS: Readonly<Record<AluOperator, string>> = {
  add: '+', sub: '-', mul: '*', div: '/', or: '|', and: '&', lsh: '<<', rsh: '>>', xor: '^',
};

const CONDITION_SYMBOLS: Readonly<Record<JumpCondition, string>> = {
  eq: '==', ne: '!=', gt: '>', le: '<=', ge: '>=', lt: '<', set: '&', notset: '&',
};

const BITWISE = new Set<string>(['and', 'or', 'xor', 'set', 'notset']);

/** hex formats a 32-bit value as 0x... */
const hex = (value: number): string => `0x${(value >>> 0).toString(16)}`;

/** number formats a value in decimal below 4096 and in hex above, or in hex for bit masks. */
const number = (value: number, bitwise = false): string => (bitwise || value >= 4096 ? hex(value) : String(value));

const line = (index: number): string => String(index).padStart(4, '0');

/** fieldName names the `seccomp_data` word at a byte offset. */
export function fieldName(offset: number): string {
  if (offset === 0) return 'nr';
  if (offset === 4) return 'arch';
  if (offset === 8) return 'instruction_pointer.lo';
  if (offset === 12) return 'instruction_pointer.hi';
  if (offset >= 16 && offset < 64 && offset % 4 === 0) {
    return `args[${Math.floor((offset - 16) / 8)}].${offset % 8 === 0 ? 'lo' : 'hi'}`;
  }
  return `data[${offset}]`;
}

/** returnText names a filter return value: `ALLOW`, `ERRNO(1)`, `TRAP(5)`. */
export function returnText(value: number): string {
  const full = (value & SECCOMP_RET_ACTION_FULL) >>> 0;
  const data = value & SECCOMP_RET_DATA;
  const known = (Object.entries(ActionValue) as [ActionName, number][]).find(([, code]) => code === full);
  if (known === undefined) return `${hex(value)} (unknown action: KILL_PROCESS)`;
  const [action] = known;
  const withData = action === 'errno' || action === 'trap' || action === 'trace' || data !== 0;
  return withData ? `${ACTION_NAMES[action]}(${data})` : ACTION_NAMES[action];
}

function comparedValue(condition: JumpCondition, value: number, state: FlowState, options: ListingOptions): string {
  if (state.a === 4) {
    const name = ARCH_NAMES.get(value);
    if (name !== undefined) return name;
  }
  if (state.a === 0 && (condition === 'eq' || condition === 'ne')) {
    // Without a known arch the namer gets 0: a namer that forces one table
    // still names the number, the default one names nothing.
    const name = options.syscallName?.(value, state.arch ?? 0);
    if (name !== undefined) return name;
  }
  return number(value, BITWISE.has(condition));
}

function test(condition: JumpCondition, right: string): string {
  if (condition === 'set') return `A & ${right}`;
  if (condition === 'notset') return `!(A & ${right})`;
  return `A ${CONDITION_SYMBOLS[condition]} ${right}`;
}

function branch(index: number, condition: JumpCondition, right: string, skipTrue: number, skipFalse: number): string {
  return `if (${test(condition, right)}) goto ${line(index + 1 + skipTrue)} else goto ${line(index + 1 + skipFalse)}`;
}

/** statement renders one instruction at `index` given what is known there. */
function statement(instruction: Instruction, index: number, state: FlowState, options: ListingOptions): string {
  switch (instruction.kind) {
    case 'LoadAbsolute': return `A = ${fieldName(instruction.offset)}`;
    case 'LoadLength': return `${instruction.register} = len`;
    case 'LoadConstant': return `${instruction.register} = ${number(instruction.value)}`;
    case 'LoadScratch': return `${instruction.register} = M[${instruction.slot}]`;
    case 'StoreScratch': return `M[${instruction.slot}] = ${instruction.register}`;
    case 'AluConstant':
      return `A ${ALU_SYMBOLS[instruction.operator]}= ${number(instruction.value, BITWISE.has(instruction.operator))}`;
    case 'AluX': return `A ${ALU_SYMBOLS[instruction.operator]}= X`;
    case 'Negate': return 'A = -A';
    case 'Jump': return `goto ${line(index + 1 + instruction.skip)}`;
    case 'JumpIf': {
      const right = comparedValue(instruction.condition, instruction.value, state, options);
      return branch(index, instruction.condition, right, instruction.skipTrue, instruction.skipFalse);
    }
    case 'JumpIfX': return branch(index, instruction.condition, 'X', instruction.skipTrue, instruction.skipFalse);
    case 'TransferAToX': return 'X = A';
    case 'TransferXToA': return 'A = X';
    case 'ReturnConstant': return `return ${returnText(instruction.value)}`;
    case 'ReturnA': return 'return A';
    case 'Raw':
      return `raw(code ${hex(instruction.code)}, jt ${instruction.jt}, jf ${instruction.jf}, k ${hex(instruction.k)})`;
  }
}

/**
 * listing renders a program one line per instruction, each prefixed with its
 * 4-digit index, joined by newlines (no trailing newline).
 *
 *     listing([op.load(0), op.ret(0x7fff0000)])
 *     // '0000: A = nr\n0001: return ALLOW'
 */
export function listing(program: Program, options: ListingOptions = {}): string {
  const states = flowStates(program);
  return program
    .map((instruction, index) => `${line(index)}: ${statement(instruction, index, states[index]!, options)}`)
    .join('\n');
}
