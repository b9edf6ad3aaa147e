/**
 * nabla-seccomp: compile a small policy language into seccomp-BPF filters.
 *
 * The stages, each usable on its own: `parse` (text to AST), `check` (AST to
 * a checked policy with every diagnostic), `bind` (checked policy and params
 * to the rule model), `compileModel` (rule model to BPF), and the classic-BPF
 * toolkit. `Policy` and `compile` compose them.
 */
export { compile, compileRuleModel, Policy, Program } from './policy.js';
export type { PolicyOptions } from './policy.js';
export { parse, loadPolicy, PolicySyntaxError, INCLUDE_DEPTH_LIMIT, NESTING_DEPTH_LIMIT, EXPRESSION_DEPTH_LIMIT } from './syntax/index.js';
export type { LoadedPolicy, ReadFile } from './syntax/index.js';
export { check, checkOrThrow, PolicyError, RULE_COUNT_LIMIT } from './check/index.js';
export type { CheckOptions, CheckResult, CheckedPolicy } from './check/index.js';
export { bind, BindError } from './ir/index.js';
export * from './ir/model.js';
export { compileModel, CodegenCache, CodegenError, ProgramTooLarge } from './codegen/index.js';
export type { CodegenOptions, CompiledProgram } from './codegen/index.js';
export { DiagnosticError, formatDiagnostic, positionOf, shortMessage } from './diagnostics.js';
export type { Diagnostic, Severity, SourceTexts } from './diagnostics.js';
export { archTable, hostArch, constantValue, constantNames, archByAuditValue } from './arch/index.js';
export type { ArchTable, SyscallInfo, SyscallArg } from './arch/index.js';
export * from './bpf/index.js';
