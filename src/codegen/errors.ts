/**
 * Errors of the code generator. Each carries a stable `code` and the data a
 * caller needs to explain it.
 */
import { BPF_MAXINSNS } from '../bpf/seccomp.js';

/** CodegenError is the base of every error the code generator raises. */
export class CodegenError extends Error {
  override readonly name: string = 'CodegenError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** ProgramTooLarge: the filter needs more instructions than the kernel accepts. */
export class ProgramTooLarge extends CodegenError {
  override readonly name = 'ProgramTooLarge';
  readonly limit = BPF_MAXINSNS;
  constructor(readonly length: number) {
    super(
      'E_PROGRAM_TOO_LARGE',
      `the filter needs ${length} instructions, more than the kernel's limit of ${BPF_MAXINSNS}`,
    );
  }
}
