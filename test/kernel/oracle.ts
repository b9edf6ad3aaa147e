/**
 * Differential checking against the kernel: run a program's inputs in the
 * emulator and in the kernel harness, and list every disagreement with
 * enough detail (program name or seed, input, both outcomes) to replay it.
 */
import { assemble, emulate, op, type Program, type SeccompData, AuditArch, X32_SYSCALL_BIT } from '../../src/bpf/index.js';
import { expectedKernelOutcome, i386Available, type KernelCase, type KernelOutcome, runInKernelDetailed } from '../support/kernel.js';

/** ProgramCase is one program and the syscalls to try it on. */
export interface ProgramCase {
  readonly name: string;
  readonly program: Program;
  readonly inputs: readonly KernelCase[];
  /** The program the emulator runs instead, when it must differ (only to test this module). */
  readonly emulatedProgram?: Program;
}

/** Disagreement is one input on which the emulator and the kernel differ. */
export interface Disagreement {
  readonly name: string;
  readonly input: string;
  readonly emulatorReturn: string;
  readonly emulator: KernelOutcome;
  readonly kernel: KernelOutcome;
}

/** Comparison is the result of checking one program case. */
export interface Comparison {
  readonly compared: number;
  /** i386 inputs left out because this kernel cannot run `int $0x80` (see `i386Note`). */
  readonly leftOut: number;
  /** What the kernel did with each compared input. */
  readonly kernel: KernelOutcome[];
  readonly disagreements: Disagreement[];
}

/** seccompDataFor builds the emulator's view of a harness case, as the kernel builds it. */
export function seccompDataFor(input: KernelCase, instructionPointer: bigint): SeccompData {
  const i386 = input.mode === 'i386';
  const args = Array.from({ length: 6 }, (_unused, index) => {
    const value = BigInt.asUintN(64, input.args?.[index] ?? 0n);
    return i386 ? value & 0xffffffffn : value;
  });
  return { nr: input.nr >>> 0, arch: i386 ? AuditArch.i386 : AuditArch.x86_64, instructionPointer, args };
}

const hex = (value: number | bigint): string => `0x${value.toString(16)}`;

/** describeInput prints a harness case compactly, for failure messages. */
export function describeInput(input: KernelCase): string {
  const args = (input.args ?? []).map(hex).join(', ');
  const x32 = input.mode !== 'i386' && ((input.nr >>> 0) & X32_SYSCALL_BIT) !== 0 ? ' (x32 bit)' : '';
  return `${input.mode ?? 'native'} nr ${hex(input.nr >>> 0)}${x32} args [${args}]`;
}

/**
 * compareWithKernel runs all inputs of a program in one harness process and
 * in the emulator, and returns the inputs on which they disagree. A program
 * the emulator refuses is a disagreement on every input (the kernel's answer
 * is shown next to the emulator's error).
 */
export function compareWithKernel(programCase: ProgramCase): Comparison {
  const inputs = i386Available().ok ? programCase.inputs : programCase.inputs.filter((input) => input.mode !== 'i386');
  const run = runInKernelDetailed(assemble(programCase.program), inputs);
  const disagreements: Disagreement[] = [];
  inputs.forEach((input, index) => {
    const kernel = run.outcomes[index]!;
    const ip = input.mode === 'i386' ? run.instructionPointer.i386 : run.instructionPointer.native;
    let emulator: KernelOutcome;
    let emulatorReturn: string;
    try {
      const ret = emulate(programCase.emulatedProgram ?? programCase.program, seccompDataFor(input, ip)).ret;
      emulator = expectedKernelOutcome(ret);
      emulatorReturn = hex(ret);
    } catch (error) {
      emulator = { kind: 'unsupported', reason: `emulator threw: ${String(error)}` };
      emulatorReturn = 'none';
    }
    if (JSON.stringify(emulator) !== JSON.stringify(kernel)) {
      disagreements.push({ name: programCase.name, input: describeInput(input), emulatorReturn, emulator, kernel });
    }
  });
  return { compared: inputs.length, leftOut: programCase.inputs.length - inputs.length, kernel: run.outcomes, disagreements };
}

/** i386Note is a suffix for test titles saying when i386 inputs are left out, and why. */
export function i386Note(): string {
  const i386 = i386Available();
  return i386.ok ? '' : ` (i386 inputs left out: ${i386.reason})`;
}

/** BOUNDARY_WORDS are 64-bit values at the edges where 32/64-bit handling goes wrong. */
export const BOUNDARY_WORDS: readonly bigint[] = [
  0n, 1n, 3n, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn, 0x100000000n, 0x100000001n,
  0xffffffff00000000n, 0xffffffff00000003n, 0x7fffffffffffffffn, 0x8000000000000000n, 2n ** 64n - 1n,
];

/**
 * revealA ends a program by showing the 32-bit value of A through ERRNO, 11
 * bits per syscall: nr 1 shows bits 0-10, nr 2 bits 11-21, any other nr bits
 * 22-31, each as ERRNO(0x800 | slice), which is never 0 and never ENOSYS.
 */
export function revealA(): Program {
  const slice = (shift: number): Program => [
    op.txa(), ...(shift === 0 ? [] : [op.alu('rsh', shift)]), op.alu('and', 0x7ff), op.alu('or', 0x00050800), op.retA(),
  ];
  return [op.tax(), op.load(0), op.jumpIf('eq', 1, 0, 4), ...slice(0), op.jumpIf('eq', 2, 0, 5), ...slice(11), ...slice(22)];
}

/** revealInputs issues the same arguments as the three syscalls revealA needs. */
export function revealInputs(args: readonly bigint[], mode: KernelCase['mode'] = 'native'): KernelCase[] {
  return [1, 2, 3].map((nr) => ({ nr, args, mode }));
}
