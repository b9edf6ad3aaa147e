/**
 * The rule model and `bind`, which builds it from a checked policy and param values.
 */
export * from './model.js';
export { bind, BindError } from './bind.js';
