/**
 * `nabla-seccomp exec POLICY -- CMD ARGS…`: run a command under a policy.
 *
 * The policy is compiled, the command's path resolved and its execve laid
 * out, and the filter installed on this process's thread; the process then
 * becomes CMD through execve, so CMD runs under the policy from its first
 * instruction and its exit status (128+N when a signal N ends it) is ours.
 * With `--report-denied` the command runs as a child under a copy of the
 * policy whose refusals are `notify`, and this process prints each refused
 * call and lets it go on.
 */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { archTable, hostArch } from '../arch/index.js';
import { Emulator } from '../bpf/emulator.js';
import { AuditArch } from '../bpf/seccomp.js';
import type { Action, ArchName, RuleModel } from '../ir/model.js';
import { action, rule, ruleModel } from '../ir/model.js';
import { InstallError } from '../install/errors.js';
import type { PreparedConfinedExec } from '../install/execve.js';
import { execFailed, prepareConfinedExec } from '../install/execve.js';
import { describeAction, describeCall } from '../install/report.js';
import { runSupervised } from '../install/supervised.js';
import type { Command } from './command.js';
import { parseCommandLine } from './command.js';
import { CliError, InputError, UsageError } from './errors.js';
import type { Io } from './io.js';
import { bindingOptions, compilePolicyFile, readBindings } from './policy-input.js';

/** withLogDefault makes a model's default action LOG (`exec --log`). */
export function withLogDefault(model: RuleModel): RuleModel {
  return ruleModel({ ...model, defaultAction: action('log') });
}

const REFUSING: ReadonlySet<Action['kind']> = new Set(['kill_process', 'kill_thread', 'trap', 'errno', 'trace']);

/** withRefusalsNotified turns every refusing action of a model, the default included, into `notify`. */
export function withRefusalsNotified(model: RuleModel): RuleModel {
  const notify = action('notify');
  const swap = (act: Action): Action => (REFUSING.has(act.kind) ? notify : act);
  return ruleModel({
    ...model,
    defaultAction: swap(model.defaultAction),
    arches: model.arches.map((archRules) => ({
      arch: archRules.arch,
      syscalls: new Map(
        [...archRules.syscalls].map(([nr, rules]) => [nr, rules.map((r) => rule(swap(r.action), r.condition, r.span))]),
      ),
    })),
  });
}

/** CommandLookup is where a command name led: a path, or why there is none (exit 127 or 126). */
export type CommandLookup = { path: string } | { missing: string; status: 126 | 127 };

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** resolveCommand finds a command as execvp would: a name with a slash as is, others on PATH. */
export function resolveCommand(name: string, env: Io['env'], cwd: string): CommandLookup {
  if (name.includes('/')) {
    const path = isAbsolute(name) ? name : resolve(cwd, name);
    if (isExecutableFile(path)) return { path };
    return { missing: `${name}: not an executable file`, status: statSafe(path) ? 126 : 127 };
  }
  for (const directory of (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    const path = join(directory === '' ? cwd : resolve(cwd, directory), name);
    if (isExecutableFile(path)) return { path };
  }
  return { missing: `${name}: command not found`, status: 127 };
}

function statSafe(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** checkExecveAllowed refuses, before anything is installed, a filter that would stop execve itself. */
function checkExecveAllowed(file: string, bytes: Uint8Array, arch: ArchName, registers: readonly bigint[]): void {
  const execve = archTable(arch).byName.get('execve')!.number;
  const verdict = Emulator.create(bytes).run({ nr: execve, arch: AuditArch[arch], args: [...registers, 0n, 0n, 0n] });
  if (verdict.action === 'allow' || verdict.action === 'log') return;
  throw new InputError(
    `${file} does not allow execve on ${arch} (it returns ${describeAction(verdict.action, verdict.data)}); ` +
      'a policy used with exec must allow execve, the call that starts the command',
  );
}

function installFailure(error: unknown): unknown {
  return error instanceof InstallError ? new CliError(`${error.message} [${error.code}]`, 2) : error;
}

/** exitStatus turns how a child ended into a shell's exit status. */
function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  return signal === null ? (code ?? 1) : 128 + (osConstants.signals[signal] ?? 0);
}

/** execCommand is `nabla-seccomp exec`: run a command under a policy. */
export const execCommand: Command = {
  name: 'exec',
  summary: 'run a command under a policy',
  help: `Usage: nabla-seccomp exec POLICY [--param NAME=JSON]… [--params FILE.json]
                           [--log | --report-denied] -- CMD [ARGS…]

Compiles POLICY for this machine, installs it, and replaces this process with
CMD, which runs under the filter from its first instruction. The exit status
is CMD's (128+N when signal N ends it: 159 for SIGSYS from kill_process).
The policy must allow execve. CMD is looked up on PATH like a shell does.

Options:
  --param NAME=JSON   bind a policy param (repeatable)
  --params FILE.json  bind params from a JSON object
  --log               make the default action log: calls no rule names run and
                      are recorded by the kernel's audit log (dmesg, or
                      /var/log/audit/audit.log under auditd), type=1326
  --report-denied     run CMD as a child under the policy with every refusal
                      turned into notify; print each refused call with its
                      arguments and what the policy would have done, and let
                      it go on
  -h, --help          show this help
`,
  async run(argv, io) {
    const split = argv.indexOf('--');
    const own = split < 0 ? argv : argv.slice(0, split);
    const { values, positionals } = parseCommandLine('exec', own, {
      log: { type: 'boolean' },
      'report-denied': { type: 'boolean' },
      ...bindingOptions,
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.stdout.write(execCommand.help);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('exec takes exactly one policy FILE before --');
    const commandLine = split < 0 ? [] : argv.slice(split + 1);
    if (commandLine.length === 0) throw new UsageError('exec needs a command after --');
    if (values.log && values['report-denied']) throw new UsageError('--log and --report-denied cannot be combined');
    const file = positionals[0]!;
    const arch = hostArch();
    const bindings = readBindings(values);
    const transform = values.log ? withLogDefault : values['report-denied'] ? withRefusalsNotified : undefined;
    const compiled = compilePolicyFile(file, { bindings, io, ...(transform ? { transform } : {}) });
    if (!compiled.arches.includes(arch)) {
      throw new InputError(`${file} serves ${compiled.arches.join(', ')}, not this machine's ${arch}`);
    }
    const lookup = resolveCommand(commandLine[0]!, io.env, io.cwd);
    if ('missing' in lookup) {
      io.stderr.write(`nabla-seccomp exec: ${lookup.missing}\n`);
      return lookup.status;
    }
    if (values['report-denied']) {
      const original = Emulator.create(compiled.untransformed.bytes);
      return reportDenied(io, original, compiled.bytes, lookup.path, commandLine);
    }
    return execInPlace(io, file, arch, compiled.bytes, lookup.path, commandLine, values.log === true);
  },
};

/** execInPlace installs the filter on this thread and becomes the command in one native call; it returns only on failure. */
function execInPlace(io: Io, file: string, arch: ArchName, bytes: Uint8Array, path: string, argv: string[], log: boolean): number {
  let confined: PreparedConfinedExec;
  try {
    confined = prepareConfinedExec(bytes, path, argv, io.env, { flags: log ? ['log'] : [] });
  } catch (error) {
    throw installFailure(error);
  }
  checkExecveAllowed(file, bytes, arch, confined.registers);
  try {
    confined.exec();
  } catch (error) {
    if (!(error instanceof InstallError) || error.step !== 'execve') throw installFailure(error);
    return execFailed((text) => io.stderr.write(text), path, error);
  }
}

/** reportDenied runs the command under the notifying filter and prints each call the policy refuses. */
async function reportDenied(io: Io, original: Emulator, bytes: Uint8Array, path: string, argv: string[]): Promise<number> {
  try {
    const exit = await runSupervised({
      bytes,
      path,
      argv,
      env: io.env,
      onCall: (call) => {
        const verdict = original.run(call.data);
        const described = describeCall(call.data);
        io.stderr.write(
          `nabla-seccomp: refused ${described.text} -> ${describeAction(verdict.action, verdict.data)}` +
            ` [${described.arch ?? 'unknown arch'} nr ${described.nr}, pid ${call.pid}]\n`,
        );
        return { kind: 'continue' };
      },
    });
    return exitStatus(exit.code, exit.signal);
  } catch (error) {
    throw installFailure(error);
  }
}
