/**
 * The syntax stage: `parse` (text to syntax tree) and `loadPolicy` (a file and
 * its includes, read through an injected reader).
 */
export { parse, PolicySyntaxError } from './parse.js';
export { loadPolicy, INCLUDE_DEPTH_LIMIT, type LoadedPolicy, type ReadFile } from './load.js';
export type * from './ast.js';
export { checkShapeLimits, EXPRESSION_DEPTH_LIMIT, NESTING_DEPTH_LIMIT } from './limits.js';
