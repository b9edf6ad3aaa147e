/**
 * `nabla-seccomp disasm FILE.bpf [--arch A]`: a filter's bytes as a listing
 * that speaks seccomp.
 */
import { disassemble, DisassembleError } from '../bpf/disassemble.js';
import { listing } from '../bpf/listing.js';
import { validate } from '../bpf/validate.js';
import type { Command } from './command.js';
import { parseCommandLine } from './command.js';
import { InputError, UsageError } from './errors.js';
import { readBytes } from './io.js';
import { syscallNamer } from './names.js';
import { parseArch } from './values.js';

export const disasmCommand: Command = {
  name: 'disasm',
  summary: 'list a compiled filter (raw sock_filter bytes) instruction by instruction',
  help: `Usage: nabla-seccomp disasm FILE.bpf [--arch A]

Prints a filter, as written by 'compile --format raw', one instruction a line:
loads named by the seccomp_data field they read (A = args[1].hi), jumps with
their targets, returns with their action (return ERRNO(1)), and syscall
numbers by name where the arch tested before them is known.

Options:
  --arch A     name syscall numbers with A's table even where the filter does
               not test the arch first (x86_64, x32, i386, aarch64, arm, riscv64)
  -h, --help   show this help
`,
  run(argv, io) {
    const { values, positionals } = parseCommandLine('disasm', argv, {
      arch: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.stdout.write(disasmCommand.help);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('disasm takes exactly one FILE.bpf');
    const file = positionals[0]!;
    const bytes = readBytes(file);
    let instructions;
    try {
      ({ instructions } = disassemble(bytes));
    } catch (error) {
      if (error instanceof DisassembleError) throw new InputError(`${file}: ${error.message}`);
      throw error;
    }
    const arch = values.arch === undefined ? undefined : parseArch(values.arch);
    io.stdout.write(`${listing(instructions, { syscallName: syscallNamer(arch) })}\n`);
    const verdict = validate(instructions);
    if (!verdict.ok) {
      io.stderr.write(`${file}: warning: the kernel would refuse this filter: ${verdict.message}\n`);
    }
    return 0;
  },
};
