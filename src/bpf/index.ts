/**
 * Classic BPF for seccomp: typed instructions, an assembler and a
 * disassembler, a listing that speaks seccomp, a validator that mirrors the
 * kernel's checker, and an emulator that runs filters the way the kernel does.
 */
export * from './instructions.js';
export * from './seccomp.js';
export { assemble, canonical, encodeInstruction, AssembleError, type AssembleErrorCode } from './assemble.js';
export { disassemble, decodeInstruction, DisassembleError, type Disassembly } from './disassemble.js';
export { validate, type ValidationCode, type ValidationFailure, type ValidationResult } from './validate.js';
export { Emulator, EmulatorError, emulate, seccompDataWords, type RunResult } from './emulator.js';
export { listing, type ListingOptions } from './listing.js';
export { toBpfAsm } from './bpfAsm.js';
export { cacheable } from './cache.js';
