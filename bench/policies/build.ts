/**
 * Helpers that build the benchmark's rule models straight from the x86_64
 * syscall table, so every number and argument width comes from the generated
 * tables rather than from memory.
 */
import { archTable } from '../../src/arch/index.js';
import type { Argument, Condition, Rule, RuleModel, Action } from '../../src/ir/model.js';
import { action, argument, compare, or, rule, ruleModel } from '../../src/ir/model.js';

/** ALLOW is the allow action, shared by every policy. */
export const ALLOW: Action = action('allow');

/** syscallNumber is the x86_64 number of a syscall, or throws for a name the table lacks. */
export function syscallNumber(name: string): number {
  const info = archTable('x86_64').byName.get(name);
  if (!info) throw new Error(`x86_64 has no syscall named ${name}`);
  return info.number;
}

/** knownSyscall tells whether the x86_64 table has a syscall of that name. */
export function knownSyscall(name: string): boolean {
  return archTable('x86_64').byName.has(name);
}

/** argumentOf is the Argument for a named parameter of a syscall, its width from the table. */
export function argumentOf(syscall: string, parameter: string): Argument {
  const info = archTable('x86_64').byName.get(syscall);
  const index = info?.args?.findIndex((entry) => entry.name === parameter) ?? -1;
  const found = info?.args?.[index];
  if (!found) throw new Error(`x86_64 ${syscall} has no argument named ${parameter}`);
  return argument(index, found.width);
}

/** equals builds `syscall.parameter == value`. */
export function equals(syscall: string, parameter: string, value: bigint | number): Condition {
  return compare(argumentOf(syscall, parameter), 'eq', BigInt(value));
}

/** oneOf builds `syscall.parameter in { values }` as an OR of equalities. */
export function oneOf(syscall: string, parameter: string, values: readonly (bigint | number)[]): Condition {
  return or(...values.map((value) => equals(syscall, parameter, value)));
}

/**
 * RulesBuilder collects rules per syscall name in first-match order, then
 * freezes them into an x86_64 RuleModel.
 */
export class RulesBuilder {
  private readonly rules = new Map<number, Rule[]>();

  /** add appends a rule (allow and unconditional by default) to each named syscall. */
  add(names: string | readonly string[], condition?: Condition, chosen: Action = ALLOW): this {
    for (const name of typeof names === 'string' ? [names] : names) {
      const nr = syscallNumber(name);
      const list = this.rules.get(nr) ?? [];
      list.push(rule(chosen, condition));
      this.rules.set(nr, list);
    }
    return this;
  }

  /** model builds the validated RuleModel. */
  model(name: string, defaultAction: Action, badArchAction: Action): RuleModel {
    const syscalls = new Map([...this.rules].sort(([a], [b]) => a - b).map(([nr, list]) => [nr, Object.freeze([...list])] as const));
    return ruleModel({ name, defaultAction, badArchAction, arches: [{ arch: 'x86_64', syscalls }] });
  }
}
