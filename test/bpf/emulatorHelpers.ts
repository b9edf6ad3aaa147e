/** Helpers for the emulator tests: tiny programs around one instruction. */
import { emulate, type Instruction, op, type SeccompData } from '../../src/bpf/index.js';

/** X86_64 is AUDIT_ARCH_X86_64. */
export const X86_64 = 0xc000003e;

/** ANY is a seccomp_data whose content the program does not read. */
export const ANY: SeccompData = { nr: 0, arch: X86_64 };

/** afterAlu: A after `A = a; X = x; <instruction>`, read back with `ret a`. */
export function afterAlu(instruction: Instruction, a: number, x = 0): number {
  return emulate([op.loadConstant('X', x), op.loadConstant('A', a), instruction, op.retA()], ANY).ret;
}

/** loaded: the word `ld [offset]` reads from a seccomp_data. */
export function loaded(offset: number, data: SeccompData): number {
  return emulate([op.load(offset), op.retA()], data).ret;
}

/** branch: 1 if `A = a; X = x; <jump>` takes its true target, 2 if its false one. */
export function branch(jump: Instruction, a: number, x = 0): number {
  return emulate([op.loadConstant('X', x), op.loadConstant('A', a), jump, op.ret(1), op.ret(2)], ANY).ret;
}
