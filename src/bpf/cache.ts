/**
 * The kernel's seccomp action cache (Linux 5.11+), predicted.
 *
 * When a filter is installed, the kernel runs it once per syscall number of
 * each native arch with only `nr` and `arch` known. If that run touches
 * nothing else (loads of nr or arch, `&=` with a constant, conditional jumps
 * against constants, `ja`) and returns ALLOW, the number is cached and the
 * filter never runs for it again. cacheable makes the same prediction.
 */
import { holds } from './emulator.js';
import type { Program } from './instructions.js';
import { ActionValue, SeccompDataOffset } from './seccomp.js';

/** cacheable tells whether the kernel would cache `nr` on `arch` as always allowed. */
export function cacheable(program: Program, arch: number, nr: number): boolean {
  let a = 0;
  let pc = 0;
  while (pc < program.length) {
    const insn = program[pc]!;
    switch (insn.kind) {
      case 'LoadAbsolute':
        if (insn.offset === SeccompDataOffset.nr) a = nr >>> 0;
        else if (insn.offset === SeccompDataOffset.arch) a = arch >>> 0;
        else return false;
        pc += 1;
        break;
      case 'AluConstant':
        if (insn.operator !== 'and') return false;
        a = (a & insn.value) >>> 0;
        pc += 1;
        break;
      case 'Jump':
        pc += 1 + insn.skip;
        break;
      case 'JumpIf':
        pc += 1 + (holds(insn.condition, a, insn.value) ? insn.skipTrue : insn.skipFalse);
        break;
      case 'ReturnConstant':
        return insn.value >>> 0 === ActionValue.allow;
      default:
        return false;
    }
  }
  return false;
}
