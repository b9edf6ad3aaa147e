/**
 * `nabla-seccomp compile FILE`: a policy, bound to its params, as a filter.
 */
import type { Command } from './command.js';
import { oneOf, parseCommandLine } from './command.js';
import { OciExportError } from '../oci/index.js';
import { InputError, UsageError } from './errors.js';
import { FORMATS, render } from './formats.js';
import { writeAtomically } from './io.js';
import { bindingOptions, compilePolicyFile, readBindings, readProfile } from './policy-input.js';
import { parseArch } from './values.js';

export const compileCommand: Command = {
  name: 'compile',
  summary: 'compile a policy, with its params bound, into a seccomp filter',
  help: `Usage: nabla-seccomp compile FILE [--arch A] [--param NAME=JSON]… [--params FILE.json]
                             [--format raw|c|hex|json|asm|listing|oci]
                             [--profile FILE.json] [-o OUT]

Checks the policy, binds its params and writes the filter.

Options:
  --arch A            compile for A; with a policy that declares 'arch', restrict
                      the filter to A (which must be declared). Default: the
                      policy's arches, or the host's when it declares none
  --param NAME=JSON   bind a param, e.g. --param epoll=4 --param 'nets=[5]'
                      (repeatable; a u64 beyond 2^53 is a string: '"0xffff…"')
  --params FILE.json  bind params from a JSON object of names to values
  --format F          raw      the sock_filter array itself, 8 bytes an instruction
                      c        a C array and sock_fprog with a comment per line
                      hex      one instruction a line as 16 hex digits
                      json     {name, arches, length, filter: [{code, jt, jf, k}]}
                      asm      bpf_asm source
                      listing  the listing 'disasm' prints
                      oci      an OCI runtime-spec / Docker seccomp profile (JSON)
                               deciding as the filter does, for runc or Docker
                      Default: raw with -o or when stdout is not a terminal,
                      listing on a terminal
  --profile FILE.json a syscall frequency profile, {"read": 9000, "write": 4000, …}:
                      frequent syscalls are decided in fewer instructions
  -o, --output OUT    write to OUT (replaced whole, never half-written)
  -h, --help          show this help
`,
  run(argv, io) {
    const { values, positionals } = parseCommandLine('compile', argv, {
      arch: { type: 'string' },
      format: { type: 'string' },
      output: { type: 'string', short: 'o' },
      profile: { type: 'string' },
      ...bindingOptions,
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.stdout.write(compileCommand.help);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('compile takes exactly one policy FILE');
    const toTerminal = values.output === undefined && io.stdout.isTTY === true;
    const format = oneOf('--format', values.format, FORMATS, toTerminal ? 'listing' : 'raw');
    const arch = values.arch === undefined ? undefined : parseArch(values.arch);
    const codegen = values.profile === undefined ? undefined : readProfile(values.profile);
    const compiled = compilePolicyFile(positionals[0]!, { arch, bindings: readBindings(values), io, codegen });
    let output: string | Uint8Array;
    try {
      output = render({ ...compiled, model: compiled.program.model }, format);
    } catch (error) {
      if (error instanceof OciExportError) throw new InputError(error.message, `error[${error.code}]: ${error.message}\n`);
      throw error;
    }
    if (values.output !== undefined) writeAtomically(values.output, output);
    else io.stdout.write(output);
    return 0;
  },
};
