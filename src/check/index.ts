/**
 * The check stage: `check` resolves a parsed policy into a CheckedPolicy and
 * collects every diagnostic; `PolicyError` is its aggregate error.
 */
export { check, checkOrThrow, PolicyError, type CheckOptions, type CheckResult } from './check.js';
export type * from './checked.js';
export { describeType, SCALAR_LIMITS } from './checked.js';
export type { SyscallTables, SyscallInfo, SyscallArgumentInfo } from './tables.js';
export { RULE_COUNT_LIMIT } from './limits.js';
