/**
 * Declarations: arches, param types and defaults, and actions. These are
 * the parts of a policy that do not depend on a syscall.
 */
import * as diagnostics from '../diagnostics.js';
import type { Diagnostic } from '../diagnostics.js';
import { action, ARCH_NAMES, type Action, type ArchName } from '../ir/model.js';
import type { ActionNode, ArchDeclaration, Identifier, TypeNode, ValueNode } from '../syntax/ast.js';
import { SCALAR_LIMITS, describeType, type ParamType, type ParamValue } from './checked.js';
import { constantValue, type Scope } from './scope.js';

type Report = (diagnostic: Diagnostic) => void;

/** isArchName tells whether a name is one of the supported architectures. */
export function isArchName(name: string): name is ArchName {
  return (ARCH_NAMES as readonly string[]).includes(name);
}

/** checkArchList validates the names of an `arch` or `when arch` list, returning the known ones. */
export function checkArchList(names: readonly Identifier[], report: Report): ArchName[] {
  const out: ArchName[] = [];
  for (const name of names) {
    if (!isArchName(name.name)) report(diagnostics.unknownArch(name.name, ARCH_NAMES, name.span));
    else if (out.includes(name.name)) report(diagnostics.duplicateArch(name.name, name.span));
    else out.push(name.name);
  }
  return out;
}

/** ArchChoice is the arches a policy serves (for `when arch`) and those this filter covers, in filter order. */
export interface ArchChoice {
  readonly declared?: readonly ArchName[];
  readonly arches: readonly ArchName[];
}

/**
 * chooseArches applies the rules of `arch` and `--arch`: the declared list,
 * or the requested subset of it, or the requested (else host) arch alone.
 */
export function chooseArches(
  declaration: ArchDeclaration | undefined,
  requested: string | undefined,
  host: () => ArchName,
  report: Report,
): ArchChoice {
  const declared = declaration ? checkArchList(declaration.arches, report) : undefined;
  let chosen: ArchName[];
  if (requested !== undefined && !isArchName(requested)) {
    report(diagnostics.unknownArch(requested, ARCH_NAMES));
    chosen = [];
  } else if (requested !== undefined) {
    if (declared && !declared.includes(requested)) {
      report(diagnostics.archNotDeclared(requested, declared, declaration?.span));
    }
    chosen = [requested];
  } else {
    chosen = declared ? [...declared] : [host()];
  }
  const ordered = chosen.includes('x86_64') ? ['x86_64' as const, ...chosen.filter((a) => a !== 'x86_64')] : chosen;
  return declared ? { declared, arches: ordered } : { arches: ordered };
}

/** resolveType turns a written type into a ParamType, or undefined after errors. */
export function resolveType(node: TypeNode, report: Report): ParamType | undefined {
  switch (node.kind) {
    case 'scalarType': {
      const name = node.name.name;
      if (name === 'fd' || name === 'u32' || name === 'u64') return { kind: 'scalar', name };
      return void report(diagnostics.unknownType(name, node.name.span));
    }
    case 'listType': {
      const element = resolveType(node.element, report);
      return element && { kind: 'list', element };
    }
    case 'recordType': {
      const fields = new Map<string, ParamType>();
      let ok = true;
      for (const field of node.fields) {
        const type = resolveType(field.type, report);
        if (fields.has(field.name.name)) report(diagnostics.duplicateField(field.name.name, field.name.span));
        if (!type || fields.has(field.name.name)) ok = false;
        else fields.set(field.name.name, type);
      }
      return ok ? { kind: 'record', fields } : undefined;
    }
  }
}

function shapeOf(node: ValueNode): string {
  return node.kind === 'listValue' ? 'a list' : node.kind === 'recordValue' ? 'a record' : 'an integer';
}

/** resolveDefault converts a param's default value to its type, or undefined after errors. */
export function resolveDefault(node: ValueNode, type: ParamType, path: string, scope: Scope): ParamValue | undefined {
  const report = scope.globals.report;
  if (type.kind === 'scalar' && node.kind !== 'listValue' && node.kind !== 'recordValue') {
    const value = constantValue(node, scope, `the default of ${path}`);
    if (value === undefined) return undefined;
    if (value < 0n || value > SCALAR_LIMITS[type.name]) {
      return void report(diagnostics.paramRange(path, type.name, String(value), node.span));
    }
    return value;
  }
  if (type.kind === 'list' && node.kind === 'listValue') {
    const elements = node.elements.map((element, i) => resolveDefault(element, type.element, `${path}[${i}]`, scope));
    return elements.every((element) => element !== undefined) ? (elements as ParamValue[]) : undefined;
  }
  if (type.kind === 'record' && node.kind === 'recordValue') return resolveRecordDefault(node, type, path, scope);
  return void report(diagnostics.typeMismatch(describeType(type), shapeOf(node), node.span));
}

function resolveRecordDefault(
  node: ValueNode & { kind: 'recordValue' },
  type: ParamType & { kind: 'record' },
  path: string,
  scope: Scope,
): ParamValue | undefined {
  const report = scope.globals.report;
  const values = new Map<string, ParamValue>();
  let ok = true;
  for (const field of node.fields) {
    const fieldType = type.fields.get(field.name.name);
    if (!fieldType) {
      report(diagnostics.unknownField(field.name.name, describeType(type), field.name.span));
      ok = false;
    } else if (values.has(field.name.name)) {
      report(diagnostics.duplicateField(field.name.name, field.name.span));
      ok = false;
    } else {
      const value = resolveDefault(field.value, fieldType, `${path}.${field.name.name}`, scope);
      if (value === undefined) ok = false;
      else values.set(field.name.name, value);
    }
  }
  for (const name of type.fields.keys()) {
    if (ok && !values.has(name)) {
      report(diagnostics.typeMismatch(describeType(type), `a record without ${name}`, node.span));
      ok = false;
    }
  }
  return ok ? values : undefined;
}

const ACTION_KINDS = {
  allow: 'allow',
  log: 'log',
  errno: 'errno',
  trap: 'trap',
  trace: 'trace',
  notify: 'notify',
  kill_thread: 'kill_thread',
  kill_process: 'kill_process',
  kill: 'kill_process',
} as const;

/** resolveAction checks an action's data (errno 1..4095 or an E-name, trap/trace 0..65535). */
export function resolveAction(node: ActionNode, scope: Scope): Action | undefined {
  const report = scope.globals.report;
  const word = node.name.name as keyof typeof ACTION_KINDS;
  const kind = ACTION_KINDS[word];
  const takesData = kind === 'errno' || kind === 'trap' || kind === 'trace';
  if (!node.data) {
    if (kind === 'errno' || kind === 'trace') return void report(diagnostics.actionDataMissing(word, node.span));
    return action(kind);
  }
  if (!takesData) return void report(diagnostics.actionDataUnexpected(word, node.data.span));
  const value = constantValue(node.data, scope, `${word} data`);
  if (value === undefined) return undefined;
  const [low, high] = kind === 'errno' ? [1, 4095] : [0, 0xffff];
  if (value < BigInt(low) || value > BigInt(high)) {
    return void report(diagnostics.actionDataRange(word, value, low, high, node.data.span));
  }
  return action(kind, Number(value));
}

/** DEFAULT_ACTION is what `default` and `badarch` are when omitted. */
export const DEFAULT_ACTION: Action = action('kill_process');

