/**
 * Writing the imported rules as policy text people can read: one line per
 * action for the unconditional rules, syscalls sorted and wrapped; one rule
 * per action and condition for the others; rules that hold on only some
 * arches in `when arch` blocks.
 */
import { archTable, constantNames, constantValue } from '../arch/index.js';
import type { Action, ArchName } from '../ir/model.js';
import { X32_SYSCALL_BIT } from '../bpf/seccomp.js';
import type { ValueNamer, WidthMode } from './conditions.js';
import { MULTIPLEXED } from './multiplexed.js';
import { needsRawRegisters, writeCondition } from './conditions.js';
import type { SyscallDecision } from './rules.js';

/** One written rule for one arch, before arches with the same rule are joined. */
export interface RuleLine {
  readonly action: string;
  /** A syscall name, or `syscall(N)`. */
  readonly target: string;
  readonly condition?: string;
  /** A comment written above the rule. */
  readonly note?: string;
}

let errnoNames: Map<number, string> | undefined;

/** errnoName gives the shortest errno constant for a value (EAGAIN, not EWOULDBLOCK), or undefined. */
function errnoName(value: number): string | undefined {
  if (errnoNames === undefined) {
    errnoNames = new Map();
    for (const name of constantNames()) {
      if (!/^E[A-Z0-9]+$/.test(name)) continue;
      const found = constantValue(name, 'x86_64');
      if (found === undefined || found > 4095n) continue;
      const known = errnoNames.get(Number(found));
      if (known === undefined || name.length < known.length || (name.length === known.length && name < known)) {
        errnoNames.set(Number(found), name);
      }
    }
  }
  return errnoNames.get(value);
}

/** actionText writes an action as the language does: `errno(EPERM)`, `trace(7)`, `kill_thread`. */
export function actionText(chosen: Action): string {
  switch (chosen.kind) {
    case 'errno':
      return `errno(${errnoName(chosen.data) ?? chosen.data})`;
    case 'trace':
      return `trace(${chosen.data})`;
    case 'trap':
      return chosen.data === 0 ? 'trap' : `trap(${chosen.data})`;
    default:
      return chosen.kind;
  }
}

/**
 * ruleLines writes what libseccomp decides for one syscall on one arch. A
 * syscall any of whose comparisons needs the raw registers is written as
 * `syscall(N)` throughout, with a note.
 */
export function ruleLines(
  arch: ArchName,
  name: string,
  decision: SyscallDecision,
  mode: WidthMode,
  comments: ReadonlyMap<number, string> = new Map(),
): RuleLine[] {
  const info = archTable(arch).byName.get(name);
  if (decision.kind === 'always') return [{ action: actionText(decision.action), target: name }];
  const described = (positions: readonly number[]) => [...new Set(positions.map((p) => comments.get(p)).filter((c) => c !== undefined))];
  const raw =
    info !== undefined &&
    decision.groups.some((group) => group.terms.some((term) => term.some((arg) => needsRawRegisters(arch, info, arg, mode))));
  const number = info === undefined ? 0 : arch === 'x32' ? info.number & ~X32_SYSCALL_BIT : info.number;
  const target = raw ? `syscall(${number})` : name;
  const lines: RuleLine[] = [];
  for (const group of decision.groups) {
    const condition = writeCondition(arch, info, group.terms, raw, multiplexerConstant(name));
    if (condition === null) continue;
    const notes = described(group.positions);
    if (raw && lines.length === 0) notes.unshift(`${name}: on the raw registers (${RAW_REASON[mode]})`);
    lines.push({
      action: actionText(group.action),
      target,
      ...(condition === undefined ? {} : { condition }),
      ...(notes.length === 0 ? {} : { note: notes.join('; ') }),
    });
  }
  return lines;
}

const RAW_REASON: Readonly<Record<WidthMode, string>> = {
  kernel: 'an argument past the prototype',
  libseccomp: 'whole 64-bit registers, as libseccomp compares them',
};

/** multiplexerConstant names socketcall's call numbers (SYS_SOCKET…) where the constants exist. */
function multiplexerConstant(name: string): ValueNamer | undefined {
  if (name !== 'socketcall') return undefined;
  return (index, value) => {
    if (index !== 0) return undefined;
    const found = [...MULTIPLEXED.values()].find((entry) => entry.through === 'socketcall' && BigInt(entry.call) === value);
    return found?.constant !== undefined && constantValue(found.constant, 'i386') === value ? found.constant : undefined;
  };
}

/** A rule line with the arches it holds on. */
interface PlacedLine extends RuleLine {
  readonly arches: readonly ArchName[];
}

const WIDTH = 96;

function wrapList(head: string, items: readonly string[], indent: string): string[] {
  const lines: string[] = [];
  let line = `${indent}${head} `;
  items.forEach((item, index) => {
    const piece = index < items.length - 1 ? `${item},` : item;
    if (line.length + piece.length > WIDTH && line.trim() !== head) {
      lines.push(line.trimEnd());
      line = `${indent}    `;
    }
    line += `${piece} `;
  });
  lines.push(line.trimEnd());
  return lines;
}

/** writeSection writes the rules of one set of arches: unconditional rules first, one line per action. */
function writeSection(lines: readonly PlacedLine[], indent: string): string[] {
  const output: string[] = [];
  const unconditional = new Map<string, string[]>();
  for (const line of lines) {
    if (line.condition !== undefined) continue;
    const targets = unconditional.get(line.action) ?? [];
    targets.push(line.target);
    unconditional.set(line.action, targets);
  }
  const actions = [...unconditional.keys()].sort((a, b) => Number(b === 'allow') - Number(a === 'allow'));
  for (const action of actions) output.push(...wrapList(action, [...new Set(unconditional.get(action)!)].sort(), indent));
  const conditional = new Map<string, { line: PlacedLine; targets: string[] }>();
  for (const line of lines) {
    if (line.condition === undefined) continue;
    const key = `${line.action} where ${line.condition}`;
    const entry = conditional.get(key) ?? { line, targets: [] };
    entry.targets.push(line.target);
    conditional.set(key, entry);
  }
  if (conditional.size > 0 && output.length > 0) output.push('');
  for (const { line, targets } of conditional.values()) {
    if (line.note !== undefined) output.push(`${indent}# ${line.note}`);
    output.push(`${indent}${line.action} ${targets.join(', ')} where ${line.condition}`);
  }
  return output;
}

/**
 * writeRules joins the per-arch rule lines of every syscall: lines that hold
 * on every served arch stand at the top level, the others in `when arch`
 * blocks, one per set of arches.
 */
export function writeRules(perArch: ReadonlyMap<ArchName, readonly RuleLine[]>, arches: readonly ArchName[]): string[] {
  const placed = new Map<string, { line: RuleLine; arches: ArchName[] }>();
  for (const arch of arches) {
    for (const line of perArch.get(arch) ?? []) {
      const key = `${line.action}|${line.target}|${line.condition ?? ''}|${line.note ?? ''}`;
      const entry = placed.get(key) ?? { line, arches: [] };
      entry.arches.push(arch);
      placed.set(key, entry);
    }
  }
  const sections = new Map<string, PlacedLine[]>();
  for (const { line, arches: where } of placed.values()) {
    const key = where.length === arches.length ? '' : where.join(', ');
    const section = sections.get(key) ?? [];
    section.push({ ...line, arches: where });
    sections.set(key, section);
  }
  const output = writeSection(sections.get('') ?? [], '');
  const blocks = [...sections.keys()].filter((key) => key !== '').sort((a, b) => arches.indexOf(a.split(', ')[0] as ArchName) - arches.indexOf(b.split(', ')[0] as ArchName) || a.localeCompare(b));
  for (const key of blocks) {
    if (output.length > 0) output.push('');
    output.push(`when arch ${key} {`, ...writeSection(sections.get(key)!, '  '), '}');
  }
  return output;
}
