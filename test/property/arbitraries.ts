/**
 * fast-check arbitraries for the property tests: whole policy texts drawn
 * from the language (actions, syscalls and their argument names, comparisons,
 * masks, sets, `&&`/`||`/`!` nesting, params of every type with bindings,
 * `for` over list params, `when arch`, consts, arithmetic), and
 * `seccomp_data` inputs aimed at a bound model (its numbers and constants,
 * junk or sign extension in the upper half of arguments, x32 numbers, nr -1,
 * foreign arches).
 */
import fc from 'fast-check';
import { archTable, type SyscallInfo } from '../../src/arch/index.js';
import { AuditArch, X32_SYSCALL_BIT, type SeccompData } from '../../src/bpf/seccomp.js';
import type { ArchName, Condition, RuleModel } from '../../src/ir/model.js';

/** Draw is fast-check's `gen` value: draw(arbitraryFactory, ...its arguments). */
type Draw = fc.GeneratorValue;

/** PolicyCase is a policy text, the params to bind it with, and the arch to compile it for. */
export interface PolicyCase {
  readonly text: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/** PolicyShape narrows the generator: 'any' uses the whole language, 'libseccomp' stays in libseccomp's subset. */
export type PolicyShape = 'any' | 'libseccomp';

const KERNEL_UNFILTERED: ReadonlySet<number> = new Set([335, 336]);
const SYSCALLS: readonly SyscallInfo[] = archTable('x86_64').syscalls.filter(
  (info) => info.args !== undefined && info.args.length > 0 && !KERNEL_UNFILTERED.has(info.number),
);
const ARCH_SETS: readonly (readonly ArchName[] | undefined)[] = [undefined, ['x86_64'], ['x86_64', 'x32'], ['x86_64', 'i386']];
const CONSTANTS = ['O_RDONLY', 'O_CLOEXEC', 'PROT_READ', 'PROT_EXEC', 'MAP_SHARED', 'CLOCK_MONOTONIC', 'AF_INET', 'EPERM'];
const BOUNDARIES: readonly bigint[] = [0n, 1n, 2n, 0x7fn, 0xffn, 0x7fff_ffffn, 0x8000_0000n, 0xffff_fffen, 0xffff_ffffn, 1n << 32n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n];

/** A param as the generator declares it, with the value it binds. */
interface ParamDraft {
  readonly name: string;
  readonly kind: 'scalar' | 'list' | 'records';
  readonly width: 32 | 64;
  readonly declaration: string;
  readonly value?: unknown;
}

/** What a condition may refer to where it is drawn. */
interface Context {
  readonly args: readonly { readonly name: string; readonly width: 32 | 64 }[];
  readonly scalars: readonly { readonly text: string; readonly width: 32 | 64 }[];
  readonly lists: readonly string[];
  readonly shape: PolicyShape;
}

const pick = <T>(draw: Draw, items: readonly T[]): T => items[draw(fc.nat, { max: items.length - 1 })]!;
const chance = (draw: Draw, percent: number): boolean => draw(fc.nat, { max: 99 }) < percent;

/** literal prints an integer in one of the language's notations (negative only when it fits the width modulo). */
function literal(draw: Draw, value: bigint): string {
  const form = draw(fc.nat, { max: 5 });
  if (form === 1) return `0x${value.toString(16)}`;
  if (form === 2 && value > 0n) return `0x${value.toString(16).replace(/(..)(?=.)/g, '$1_')}`;
  if (form === 3) return `0o${value.toString(8)}`;
  if (form === 4 && value < 1n << 20n) return `0b${value.toString(2)}`;
  return value.toString();
}

function value(draw: Draw, width: 32 | 64, context: Context, depth = 0): string {
  const roll = draw(fc.nat, { max: 99 });
  const fits = context.scalars.filter((scalar) => scalar.width <= width);
  if (roll < 10 && fits.length > 0) return pick(draw, fits).text;
  if (roll < 16 && context.shape === 'any') return pick(draw, CONSTANTS);
  if (roll < 22 && context.shape === 'any') return `-${draw(fc.integer, { min: 1, max: 5 })}`;
  if (roll < 30 && depth < 2) {
    const left = value(draw, width, context, depth + 1);
    const operator = pick(draw, ['+', '|', '&', '^', '<<', '>>', '*', '-', '/', '%']);
    const right = ['<<', '>>'].includes(operator) ? String(draw(fc.nat, { max: 8 })) : literal(draw, BigInt(draw(fc.nat, { max: 9 })));
    return `(${left} ${operator} ${right})`;
  }
  if (roll < 33 && depth < 2) return `~${value(draw, width, context, depth + 1)}`;
  const base = pick(draw, BOUNDARIES.filter((bound) => bound < 1n << BigInt(width)));
  const nudged = base + BigInt(draw(fc.integer, { min: -2, max: 2 }));
  return literal(draw, nudged < 0n ? 0n : nudged >= 1n << BigInt(width) ? base : nudged);
}

function comparison(draw: Draw, context: Context): string {
  const arg = pick(draw, context.args);
  const masked = chance(draw, 20);
  const subject = masked ? `${arg.name} & ${value(draw, arg.width, context)}` : arg.name;
  const roll = draw(fc.nat, { max: 99 });
  if (roll < 15 && context.shape === 'any') {
    const elements = draw(fc.array, fc.constant(0), { minLength: 0, maxLength: 4 }).map(() => value(draw, arg.width, context));
    return `${masked ? `(${subject})` : subject} ${chance(draw, 30) ? 'not in' : 'in'} { ${elements.join(', ')} }`;
  }
  if (roll < 25 && context.lists.length > 0 && context.shape === 'any' && arg.width === 32) {
    return `${masked ? `(${subject})` : subject} ${chance(draw, 30) ? 'not in' : 'in'} ${pick(draw, context.lists)}`;
  }
  const operators = masked && context.shape === 'libseccomp' ? ['=='] : ['==', '!=', '<', '<=', '>', '>='];
  const operator = pick(draw, operators);
  const right = value(draw, arg.width, context);
  if (chance(draw, 10) && !masked) return `${right} ${mirror(operator)} ${arg.name}`;
  return `${masked && chance(draw, 50) ? `(${subject})` : subject} ${operator} ${right}`;
}

function mirror(operator: string): string {
  return { '<': '>', '<=': '>=', '>': '<', '>=': '<=' }[operator] ?? operator;
}

function condition(draw: Draw, context: Context, depth: number): string {
  const roll = draw(fc.nat, { max: 99 });
  if (depth >= 3 || roll < 45) return comparison(draw, context);
  if (context.shape === 'libseccomp') {
    const terms = [comparison(draw, context), comparison(draw, context)];
    return terms.join(chance(draw, 50) ? ' && ' : ' || ');
  }
  if (roll < 60) return `${pick(draw, ['!', 'not '])}(${condition(draw, context, depth + 1)})`;
  const operator = pick(draw, ['&&', '||', 'and', 'or']);
  const count = draw(fc.integer, { min: 2, max: 3 });
  const terms = Array.from({ length: count }, () => condition(draw, context, depth + 1));
  return chance(draw, 50) ? terms.join(` ${operator} `) : `(${terms.join(` ${operator} `)})`;
}

function action(draw: Draw, shape: PolicyShape): string {
  const choices =
    shape === 'libseccomp'
      ? ['allow', 'log', 'kill_thread', 'trap', `errno(${draw(fc.integer, { min: 1, max: 4094 })})`, 'errno(EPERM)']
      : ['allow', 'log', 'notify', 'kill', 'kill_process', 'kill_thread', 'trap', `trap(${draw(fc.nat, { max: 65535 })})`,
        `trace(${draw(fc.nat, { max: 65535 })})`, `errno(${draw(fc.integer, { min: 1, max: 4095 })})`, 'errno(ENOENT)'];
  return pick(draw, choices);
}

function rule(draw: Draw, scalars: Context['scalars'], lists: readonly string[], shape: PolicyShape, chosenAction: string): string {
  if (shape === 'any' && chance(draw, 8)) {
    const nr = pick(draw, SYSCALLS).number;
    const args = [0, 1, 2, 3, 4, 5].map((index) => ({ name: `arg${index}`, width: 64 as const }));
    const where = chance(draw, 60) ? ` where ${condition(draw, { args, scalars, lists, shape }, 0)}` : '';
    return `${chosenAction} syscall(${literal(draw, BigInt(nr))})${where}`;
  }
  const first = pick(draw, SYSCALLS);
  const names = [first];
  if (shape === 'any' && chance(draw, 20)) names.push(pick(draw, SYSCALLS));
  const args = first.args!.filter((arg) => names.every((info) => info.args!.some((other) => other.name === arg.name && other.width === arg.width)));
  const unique = [...new Set(names.map((info) => info.name))];
  const where = args.length > 0 && chance(draw, 75) ? ` where ${condition(draw, { args, scalars, lists, shape }, 0)}` : '';
  return `${chosenAction} ${unique.join(', ')}${where}`;
}

function params(draw: Draw): ParamDraft[] {
  const count = draw(fc.nat, { max: 3 });
  return Array.from({ length: count }, (_unused, index): ParamDraft => {
    const name = `p${index}`;
    const kind = pick(draw, ['scalar', 'scalar', 'list', 'records'] as const);
    const fd = () => (chance(draw, 85) ? draw(fc.integer, { min: 0, max: 9 }) : 0x7fff_ffff);
    if (kind === 'list') {
      const elements = draw(fc.array, fc.integer({ min: 0, max: 9 }), { maxLength: 3 });
      return { name, kind, width: 32, declaration: `param ${name}: [fd]`, value: elements };
    }
    if (kind === 'records') {
      const elements = draw(fc.array, fc.constant(0), { maxLength: 3 }).map(() => ({ fd: fd(), size: String(draw(fc.bigInt, { min: 0n, max: (1n << 64n) - 1n })) }));
      return { name, kind, width: 64, declaration: `param ${name}: [{ fd: fd, size: u64 }]`, value: elements };
    }
    const type = pick(draw, ['fd', 'u32', 'u64'] as const);
    const width = type === 'u64' ? 64 : 32;
    const bound = type === 'fd' ? fd() : type === 'u32' ? draw(fc.nat, { max: 0xffff_ffff }) : `0x${draw(fc.bigInt, { min: 0n, max: (1n << 64n) - 1n }).toString(16)}`;
    if (chance(draw, 25)) return { name, kind, width, declaration: `param ${name}: ${type} = ${type === 'u64' ? '7' : '3'}` };
    return { name, kind, width, declaration: `param ${name}: ${type}`, value: bound };
  });
}

/**
 * policyCase draws a whole policy text with its bindings. Most cases are
 * valid policies; some are refused by design (arithmetic that overflows, a
 * value too wide for its argument), which the properties count apart.
 */
export function policyCase(shape: PolicyShape = 'any'): fc.Arbitrary<PolicyCase> {
  return fc.gen().map((draw): PolicyCase => {
    const arches = shape === 'libseccomp' ? pick(draw, [undefined, ['x86_64']] as const) : pick(draw, ARCH_SETS);
    const lines: string[] = [];
    if (arches) lines.push(`arch ${arches.join(', ')}`);
    lines.push(`default ${action(draw, shape)}`);
    if (chance(draw, 50)) lines.push(`badarch ${action(draw, shape)}`);
    const declared = shape === 'libseccomp' ? [] : params(draw);
    const bindings: Record<string, unknown> = {};
    for (const param of declared) {
      lines.push(param.declaration);
      if (param.value !== undefined) bindings[param.name] = param.value;
    }
    const scalars: { text: string; width: 32 | 64 }[] = declared.filter((param) => param.kind === 'scalar').map((param) => ({ text: param.name, width: param.width }));
    if (shape === 'any' && chance(draw, 40)) {
      lines.push(`const c0 = ${value(draw, 32, { args: [], scalars: [], lists: [], shape })}`);
      scalars.push({ text: 'c0', width: 32 });
    }
    const lists = declared.filter((param) => param.kind === 'list').map((param) => param.name);
    const oneAction = action(draw, shape);
    const ruleCount = draw(fc.integer, { min: 0, max: 6 });
    for (let index = 0; index < ruleCount; index++) {
      const chosen = shape === 'libseccomp' ? oneAction : action(draw, shape);
      const roll = draw(fc.nat, { max: 99 });
      const loopable = declared.filter((param) => param.kind !== 'scalar');
      if (shape === 'any' && roll < 15 && loopable.length > 0) {
        const list = pick(draw, loopable);
        const element = list.kind === 'list' ? [{ text: 'x', width: 32 as const }] : [{ text: 'x.fd', width: 32 as const }, { text: 'x.size', width: 64 as const }];
        lines.push(`for x in ${list.name} {\n  ${rule(draw, [...scalars, ...element], lists, shape, chosen)}\n}`);
      } else if (shape === 'any' && roll < 25) {
        const served = arches ?? ['x86_64'];
        lines.push(`when arch ${pick(draw, served)} {\n  ${rule(draw, scalars, lists, shape, chosen)}\n}`);
      } else {
        lines.push(rule(draw, scalars, lists, shape, chosen));
      }
    }
    return { text: `${lines.join('\n')}\n`, params: bindings };
  });
}

/** comparedConstants lists the values a model compares with, for aiming inputs at its edges. */
function comparedConstants(model: RuleModel): bigint[] {
  const found = new Set<bigint>();
  const visit = (node: Condition): void => {
    if (node.kind === 'compare') {
      found.add(node.value);
      found.add(node.mask);
    } else if (node.kind === 'not') visit(node.term);
    else if (node.kind === 'and' || node.kind === 'or') node.terms.forEach(visit);
  };
  for (const archRules of model.arches) for (const rules of archRules.syscalls.values()) for (const entry of rules) visit(entry.condition);
  return [...found];
}

/**
 * seccompInput draws inputs aimed at a model: its numbers (sometimes with the
 * x32 bit flipped, sometimes -1 or random), arguments near its constants with
 * junk or a sign extension in the upper half, and foreign arches.
 */
export function seccompInput(model: RuleModel): fc.Arbitrary<SeccompData> {
  const constants = [...comparedConstants(model), ...BOUNDARIES];
  return fc.gen().map((draw): SeccompData => {
    const archRules = model.arches.length > 0 ? pick(draw, model.arches) : undefined;
    let arch: number = archRules ? AuditArch[archRules.arch] : AuditArch.x86_64;
    if (chance(draw, 8)) arch = pick(draw, [AuditArch.i386, AuditArch.aarch64, AuditArch.arm, AuditArch.riscv64, 0, 0xffff_ffff]);
    const numbers = archRules ? [...archRules.syscalls.keys()] : [];
    let nr = numbers.length > 0 && chance(draw, 75) ? pick(draw, numbers) : draw(fc.nat, { max: 600 });
    const roll = draw(fc.nat, { max: 99 });
    if (roll < 8) nr = (nr ^ X32_SYSCALL_BIT) >>> 0;
    else if (roll < 11) nr = 0xffff_ffff;
    else if (roll < 13) nr = draw(fc.nat, { max: 0xffff_ffff });
    const args = Array.from({ length: 6 }, () => {
      let argument = pick(draw, constants) + BigInt(draw(fc.integer, { min: -1, max: 1 }));
      argument = BigInt.asUintN(64, argument);
      const upper = draw(fc.nat, { max: 99 });
      if (argument <= 0xffff_ffffn && upper < 25) argument |= BigInt(draw(fc.nat, { max: 0xffff_ffff })) << 32n;
      else if (argument <= 0xffff_ffffn && upper < 35) argument |= 0xffff_ffff_0000_0000n;
      return argument;
    });
    return { nr, arch, instructionPointer: BigInt(draw(fc.nat)), args };
  });
}
