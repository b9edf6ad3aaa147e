/**
 * check: from a syntax tree to a CheckedPolicy, collecting every diagnostic.
 */
import * as diagnostics from '../diagnostics.js';
import { DiagnosticError, hasErrors, type Diagnostic } from '../diagnostics.js';
import type { Action, ArchName, Span } from '../ir/model.js';
import type {
  ActionNode,
  ArchDeclaration,
  ConstDeclaration,
  ParamDeclaration,
  Program,
  Statement,
  TopStatement,
} from '../syntax/ast.js';
import type { LoadedPolicy } from '../syntax/load.js';
import type { CheckedArch, CheckedParam, CheckedPolicy, ParamType } from './checked.js';
import { checkArchList, chooseArches, DEFAULT_ACTION, resolveAction, resolveDefault, resolveType } from './declarations.js';
import { compileStatements, reportSyscallUse, type RuleContext } from './rules.js';
import { constTemplate, type Globals, type Scope } from './scope.js';
import type { SyscallTables } from './tables.js';
import { defaultTables } from './defaultTables.js';
import { checkRuleCount } from './limits.js';

/** CheckOptions: the compile-time arch (`--arch`) and, optionally, other syscall tables. */
export interface CheckOptions {
  /** The arch to compile for: the whole filter when the policy declares none, else a subset of its arches. */
  readonly arch?: string;
  /** The syscall and constant tables; the generated ones by default. */
  readonly tables?: SyscallTables;
}

/** CheckResult holds the checked policy (absent when there are errors) and every diagnostic. */
export interface CheckResult {
  readonly policy?: CheckedPolicy;
  readonly diagnostics: readonly Diagnostic[];
}

/** PolicyError is the aggregate error of a policy that failed `check`. */
export class PolicyError extends DiagnosticError {
  override readonly name = 'PolicyError';
}

/** Declarations gathered from the top level of a program. */
interface Gathered {
  readonly singles: Map<'policy' | 'arch' | 'default' | 'badarch', TopStatement>;
  readonly params: ParamDeclaration[];
  readonly consts: ConstDeclaration[];
  readonly statements: Statement[];
}

function gather(program: Program, report: (d: Diagnostic) => void): Gathered {
  const gathered: Gathered = { singles: new Map(), params: [], consts: [], statements: [] };
  for (const statement of program.statements) {
    switch (statement.kind) {
      case 'policy':
      case 'arch':
      case 'default':
      case 'badarch':
        if (gathered.singles.has(statement.kind)) report(diagnostics.duplicateDeclaration(statement.kind, statement.span));
        else gathered.singles.set(statement.kind, statement);
        break;
      case 'param':
        gathered.params.push(statement);
        break;
      case 'const':
        gathered.consts.push(statement);
        break;
      case 'include':
        report(diagnostics.includeNotLoaded(statement.path, statement.span));
        break;
      default:
        gathered.statements.push(statement);
    }
  }
  return gathered;
}

function checkWhenArches(statements: readonly Statement[], declared: readonly ArchName[] | undefined, report: (d: Diagnostic) => void): void {
  for (const statement of statements) {
    if (statement.kind === 'rule') continue;
    if (statement.kind === 'when') {
      for (const arch of checkArchList(statement.arches, report)) {
        const name = statement.arches.find((a) => a.name === arch)!;
        if (declared && !declared.includes(arch)) report(diagnostics.whenArchNotInPolicy(arch, declared, name.span));
      }
    }
    checkWhenArches(statement.body, declared, report);
  }
}

// declareNames registers consts and params (one namespace), resolving param
// types and defaults, and returns the params in slot order.
function declareNames(gathered: Gathered, globals: Globals, scope: Scope, arches: readonly ArchName[]): CheckedParam[] {
  const { report, tables } = globals;
  const params = globals.params as Map<string, { slot: number; type: ParamType }>;
  const consts = globals.consts as Map<string, ConstDeclaration>;
  const spans = new Map<string, Span>();
  const declare = (name: string, span: Span): boolean => {
    if (spans.has(name)) report(diagnostics.duplicateName(name, span));
    else spans.set(name, span);
    return spans.get(name) === span;
  };
  for (const declaration of gathered.consts) {
    if (declare(declaration.name.name, declaration.name.span)) consts.set(declaration.name.name, declaration);
  }
  const checkedParams: CheckedParam[] = [];
  for (const declaration of gathered.params) {
    const name = declaration.name.name;
    const fresh = declare(name, declaration.name.span);
    const type = resolveType(declaration.type, report);
    if (!type || !fresh) continue;
    params.set(name, { slot: checkedParams.length, type });
    const base = { name, type, span: declaration.span };
    const value = declaration.defaultValue && resolveDefault(declaration.defaultValue, type, name, scope);
    checkedParams.push(value === undefined ? base : { ...base, defaultValue: value });
  }
  for (const [name, span] of spans) {
    if (arches.some((arch) => tables.constant(name, arch) !== undefined)) report(diagnostics.shadowsConstant(name, span));
  }
  for (const declaration of consts.values()) constTemplate(declaration, scope);
  return checkedParams;
}

/**
 * check resolves a parsed (or loaded) policy for the arches it serves and
 * collects all diagnostics. The result holds a policy only without errors.
 *
 *     const { policy, diagnostics } = check(parse(text, 'p.policy'), { arch: 'x86_64' });
 */
export function check(input: Program | LoadedPolicy, options: CheckOptions = {}): CheckResult {
  const program = 'program' in input ? input.program : input;
  const found: Diagnostic[] = 'program' in input ? [...input.diagnostics] : [];
  const report = (diagnostic: Diagnostic) => void found.push(diagnostic);
  const tables = options.tables ?? defaultTables();
  const gathered = gather(program, report);
  const tooMany = checkRuleCount(gathered.statements);
  if (tooMany) return { diagnostics: dedupe([...found, tooMany]) };
  const archDeclaration = gathered.singles.get('arch') as ArchDeclaration | undefined;
  const choice = chooseArches(archDeclaration, options.arch, () => tables.hostArch(), report);
  checkWhenArches(gathered.statements, choice.declared, report);

  const globals: Globals = { tables, params: new Map(), consts: new Map(), constCache: new Map(), resolving: new Set(), report };
  const globalScope: Scope = { arch: choice.arches[0] ?? choice.declared?.[0] ?? 'x86_64', globals, loops: new Map() };
  const params = declareNames(gathered, globals, globalScope, choice.arches);
  const actionOf = (kind: 'default' | 'badarch'): Action | undefined => {
    const declaration = gathered.singles.get(kind) as { action: ActionNode } | undefined;
    return declaration ? resolveAction(declaration.action, globalScope) : DEFAULT_ACTION;
  };
  const defaultAction = actionOf('default');
  const badArchAction = actionOf('badarch');

  const context: RuleContext = { loopSlots: new Map(), nextSlot: params.length, syscallUse: new Map() };
  const arches: CheckedArch[] = choice.arches.map((arch) => ({
    arch,
    items: compileStatements(gathered.statements, { arch, globals, loops: new Map() }, context),
  }));
  reportSyscallUse(context, report);

  const unique = dedupe(found);
  if (hasErrors(unique) || !defaultAction || !badArchAction) return { diagnostics: unique };
  const name = (gathered.singles.get('policy') as { name: { name: string } } | undefined)?.name.name;
  const policy: CheckedPolicy = {
    ...(name === undefined ? {} : { name }),
    defaultAction,
    badArchAction,
    params,
    slotCount: context.nextSlot,
    arches,
  };
  return { policy, diagnostics: unique };
}

// dedupe drops repeats (a rule is checked once per arch and syscall) and
// orders diagnostics by place: files in order of first mention, then offset.
function dedupe(found: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const files = new Map<string, number>();
  const unique = found.filter((d) => {
    const key = `${d.code}|${d.message}|${d.span?.file}|${d.span?.start}|${d.span?.end}`;
    if (seen.has(key)) return false;
    seen.add(key);
    if (d.span && !files.has(d.span.file)) files.set(d.span.file, files.size);
    return true;
  });
  const order = (d: Diagnostic): [number, number] => (d.span ? [files.get(d.span.file)!, d.span.start] : [-1, 0]);
  return unique.sort((a, b) => {
    const [fileA, startA] = order(a);
    const [fileB, startB] = order(b);
    return fileA - fileB || startA - startB;
  });
}

/** checkOrThrow is `check` for callers that want the policy or a PolicyError. */
export function checkOrThrow(input: Program | LoadedPolicy, options: CheckOptions = {}): CheckResult & { policy: CheckedPolicy } {
  const result = check(input, options);
  if (!result.policy) throw new PolicyError(result.diagnostics);
  return result as CheckResult & { policy: CheckedPolicy };
}
