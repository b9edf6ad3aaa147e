/**
 * `nabla-seccomp simulate`: what a filter decides for one syscall, computed
 * by the emulator. The filter is a policy (compiled with its params) or a
 * compiled `.bpf` file.
 */
import { disassemble } from '../bpf/disassemble.js';
import type { Instruction } from '../bpf/instructions.js';
import { Emulator } from '../bpf/emulator.js';
import { AuditArch, X32_SYSCALL_BIT } from '../bpf/seccomp.js';
import type { Command } from './command.js';
import { oneOf, parseCommandLine } from './command.js';
import { InputError, UsageError } from './errors.js';
import { readBytes } from './io.js';
import { syscallNumber } from './names.js';
import { bindingOptions, compilePolicyFile, readBindings } from './policy-input.js';
import { parseArch, parseArgsList, parseInteger } from './values.js';

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'show what a filter decides for one syscall',
  help: `Usage: nabla-seccomp simulate FILE.policy [--param NAME=JSON]… [--params FILE.json]
                              --arch A --syscall NAME|NR [--args A0,A1,…] [options]
       nabla-seccomp simulate FILE.bpf --arch A --syscall NAME|NR [--args …] [options]

Runs the filter in the emulator on one seccomp_data and prints the action it
returns. A FILE ending in .bpf is a compiled filter (raw sock_filter bytes);
anything else is a policy, compiled first with its params.

Options:
  --arch A            the calling arch (x86_64, x32, i386, aarch64, arm, riscv64);
                      x32 numbers get the x32 bit set for you. A policy is
                      compiled for its declared arches (or the host's), as
                      'compile' does; a caller it does not serve meets badarch
  --syscall NAME|NR   the syscall, by name in A's table or by number
  --args A0,A1,…      up to six argument values (decimal, 0x…, 0o…, 0b…, negative
                      values wrap modulo 2^64: write --args=-1,…); missing ones are 0
  --ip N              the instruction pointer (default 0)
  --param NAME=JSON   bind a policy param (repeatable)
  --params FILE.json  bind params from a JSON object
  --format text|json  output format (default text); json prints
                      {"action","data","ret","steps"}
  -h, --help          show this help
`,
  run(argv, io) {
    const { values, positionals } = parseCommandLine('simulate', argv, {
      arch: { type: 'string' },
      syscall: { type: 'string' },
      args: { type: 'string' },
      ip: { type: 'string' },
      format: { type: 'string' },
      ...bindingOptions,
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.stdout.write(simulateCommand.help);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('simulate takes exactly one FILE');
    if (values.arch === undefined) throw new UsageError('simulate needs --arch');
    if (values.syscall === undefined) throw new UsageError('simulate needs --syscall');
    const format = oneOf('--format', values.format, ['text', 'json'], 'text');
    const arch = parseArch(values.arch);
    const file = positionals[0]!;
    let nr = syscallNumber(values.syscall, arch);
    if (arch === 'x32') nr = (nr | X32_SYSCALL_BIT) >>> 0;
    const args = parseArgsList(values.args);
    const instructionPointer = values.ip === undefined ? 0n : parseInteger(values.ip, '--ip');

    let program: readonly Instruction[];
    if (file.endsWith('.bpf')) {
      if (values.param !== undefined || values.params !== undefined) {
        throw new UsageError('--param and --params apply to policies, not to a compiled .bpf file');
      }
      program = disassemble(readBytes(file)).instructions;
    } else {
      // The policy compiles as `compile` compiles it by default (its declared arches,
      // or the host's); --arch names only the caller, so a foreign caller meets badarch.
      program = compilePolicyFile(file, { bindings: readBindings(values), io }).instructions;
    }
    let emulator: Emulator;
    try {
      emulator = Emulator.create(program);
    } catch (error) {
      throw new InputError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const result = emulator.run({ nr, arch: AuditArch[arch], args, instructionPointer });
    if (format === 'json') {
      const { action, data, ret, steps } = result;
      io.stdout.write(`${JSON.stringify({ action, data, ret, steps })}\n`);
    } else {
      const shown = args.map((a) => `0x${a.toString(16)}`).join(', ');
      const data = result.action === 'errno' || result.action === 'trap' || result.action === 'trace' ? `(${result.data})` : '';
      io.stdout.write(
        `${values.syscall}(${shown}) on ${arch}: ${result.action}${data}  ` +
          `[ret 0x${result.ret.toString(16).padStart(8, '0')}, ${result.steps} instructions]\n`,
      );
    }
    return 0;
  },
};
