/**
 * What a policy lets through: I/O on fds it does not pin, syscalls that
 * escape the sandbox, unchecked clone, exec, and executable memory. These
 * judge the conditions of bound rules, so they run on each synthetic model.
 */
import { constantValue } from '../../arch/index.js';
import type { Condition, RuleModel } from '../../ir/model.js';
import { widthMask } from '../../ir/model.js';
import type { Finding, RuleId } from '../catalogue.js';
import { argumentIndex, argumentsOf, instancesOf, isAllowing, type LintContext, type RuleInstance } from '../context.js';
import { Gathered } from '../gather.js';
import {
  DANGEROUS_SYSCALLS,
  EXEC_SYSCALLS,
  FD_ARGUMENT_NAMES,
  IO_SYSCALLS,
  MEMORY_PROTECTION_SYSCALLS,
  SAFE_PERSONALITY,
} from '../syscalls.js';
import { atomsOf, satisfiable } from '../truth.js';

// unpinnedFds names the fd arguments a condition leaves open: it holds for
// some fd above every fd it compares with exactly.
function unpinnedFds(instance: RuleInstance): string[] {
  const args = argumentsOf(instance.arch, instance.name) ?? [];
  const condition = instance.rule.condition;
  const open: string[] = [];
  args.forEach((arg, index) => {
    if (!FD_ARGUMENT_NAMES.has(arg.name)) return;
    const exact = atomsOf(condition).filter((atom) => atom.arg.index === index && atom.mask === widthMask(atom.arg.width));
    const highest = exact.reduce((top, atom) => (atom.value > top ? atom.value : top), -1n);
    if (satisfiable(condition, { index, accept: (value) => value > highest }) === 'yes') open.push(arg.name);
  });
  return open;
}

function personalityIsSafe(condition: Condition): boolean {
  return satisfiable(condition, { index: 0, accept: (value) => !SAFE_PERSONALITY.includes(value) }) === 'no';
}

function canSetExec(instance: RuleInstance): boolean {
  const index = argumentIndex(instance.arch, instance.name, 'prot');
  if (index < 0) return true;
  const exec = constantValue('PROT_EXEC', instance.arch) ?? 4n;
  const focus = { index, accept: (value: bigint) => (value & exec) !== 0n, widen: (value: bigint) => [value | exec] };
  return satisfiable(instance.rule.condition, focus) !== 'no';
}

function clonesUnchecked(instance: RuleInstance): boolean {
  const index = argumentIndex(instance.arch, 'clone', 'clone_flags');
  return !atomsOf(instance.rule.condition).some((atom) => atom.arg.index === index);
}

function judge(instance: RuleInstance, gathered: Gathered): void {
  const { name, rule } = instance;
  const span = rule.span;
  if (!span || !isAllowing(rule.action) || satisfiable(rule.condition) === 'no') return;
  if (IO_SYSCALLS.has(name)) {
    const open = unpinnedFds(instance);
    if (open.length > 0) gathered.note('unpinned-io', span, name);
  }
  const danger = DANGEROUS_SYSCALLS.get(name);
  if (danger && !(name === 'personality' && personalityIsSafe(rule.condition))) {
    gathered.note('dangerous-syscall', span, name, danger);
  }
  if (EXEC_SYSCALLS.has(name)) gathered.note('exec-allowed', span, name);
  if (name === 'clone' && clonesUnchecked(instance)) gathered.note('unchecked-clone', span, name, 'flags');
  if (name === 'clone3') gathered.note('unchecked-clone', span, name, 'memory');
  if (MEMORY_PROTECTION_SYSCALLS.has(name) && canSetExec(instance)) gathered.note('executable-memory', span, name);
}

function message(rule: RuleId, names: string, detail: string): string {
  switch (rule) {
    case 'unpinned-io':
      return `${names} allowed on any fd: pin ${names.includes(',') ? 'them' : 'it'} to the fds opened before the sandbox (fd == …, fd in LIST)`;
    case 'dangerous-syscall':
      return `${names} allowed: it ${detail}`;
    case 'exec-allowed':
      return `${names} allowed: the sandboxed program can run any other program under this filter`;
    case 'unchecked-clone':
      return detail === 'flags'
        ? `clone allowed whatever its flags: test clone_flags (new processes and namespaces are allowed too)`
        : `clone3 allowed: its flags are in memory, where no filter can read them; errno(ENOSYS) clone3 makes glibc fall back to clone`;
    case 'executable-memory':
      return `${names} allowed with PROT_EXEC: the program can make memory executable; test prot`;
    default:
      return names;
  }
}

/** allowPass runs the rules about what a model lets through. */
export function allowPass(context: LintContext, model: RuleModel): Finding[] {
  const gathered = new Gathered(context.statements);
  for (const instance of instancesOf(model)) judge(instance, gathered);
  return gathered.findings(message);
}
