/**
 * nabla-seccomp: compile a small policy language into seccomp-BPF filters.
 */
export * from './bpf/instructions.js';
export * from './bpf/seccomp.js';
export * from './ir/model.js';
