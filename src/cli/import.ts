/**
 * `nabla-seccomp import PROFILE.json`: an OCI / Docker seccomp profile as a
 * policy, with the meaning runc gives it on the host described by the options.
 */
import type { ArchName } from '../ir/model.js';
import { parseJsonText } from './json.js';
import { DOCKER_DEFAULT_CAPABILITIES, importProfile, OciProfileError } from '../oci/index.js';
import type { WidthMode } from '../oci/index.js';
import type { Command } from './command.js';
import { oneOf, parseCommandLine } from './command.js';
import { InputError, UsageError } from './errors.js';
import { readText, writeAtomically } from './io.js';
import { parseArch } from './values.js';

const WIDTH_MODES: readonly WidthMode[] = ['kernel', 'libseccomp'];

export const importCommand: Command = {
  name: 'import',
  summary: 'translate an OCI / Docker seccomp profile (JSON) into a policy',
  help: `Usage: nabla-seccomp import PROFILE.json [--host-arch A] [--caps LIST] [--cap-add CAP]…
                             [--kernel X.Y] [--widths kernel|libseccomp] [--enosys]
                             [--name NAME] [-o OUT]

Reads a seccomp profile (an OCI config.json's linux.seccomp, or a Docker
profile with archMap and includes/excludes) and writes a policy that decides
every syscall as runc does with that profile.

Options:
  --host-arch A       the host: picks the archMap entry and matches Docker's
                      includes/excludes arches (default x86_64)
  --caps LIST         the container's bounding capabilities, comma-separated,
                      for Docker's includes/excludes caps ('' for none;
                      default: Docker's default set)
  --cap-add CAP       add a capability to the set (repeatable)
  --kernel X.Y        the host kernel for Docker's minKernel (default 6.1)
  --widths W          kernel      compare 32-bit arguments as the kernel reads
                                  them (default)
                      libseccomp  compare them on whole registers as libseccomp
                                  does, through syscall(N)
  --enosys            reproduce runc's -ENOSYS for syscalls newer than the
                      profile (numbers above its largest, up to the tables' end)
  --name NAME         the policy name (default: from the file name)
  -o, --output OUT    write to OUT instead of stdout
  -h, --help          show this help

Warnings (arches or syscalls left out) go to stderr.
`,
  run(argv, io) {
    const { values, positionals } = parseCommandLine('import', argv, {
      'host-arch': { type: 'string' },
      caps: { type: 'string' },
      'cap-add': { type: 'string', multiple: true },
      kernel: { type: 'string' },
      widths: { type: 'string' },
      enosys: { type: 'boolean' },
      name: { type: 'string' },
      output: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.stdout.write(importCommand.help);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('import takes exactly one PROFILE.json');
    const file = positionals[0]!;
    const hostArch: ArchName = values['host-arch'] === undefined ? 'x86_64' : parseArch(values['host-arch']);
    const base = values.caps === undefined ? DOCKER_DEFAULT_CAPABILITIES : values.caps.split(',').map((cap) => cap.trim()).filter(Boolean);
    const capabilities = [...new Set([...base, ...(values['cap-add'] ?? [])])];
    if (values.kernel !== undefined && !/^\d+\.\d+$/.test(values.kernel)) throw new UsageError(`--kernel must look like 6.1, not '${values.kernel}'`);
    if (values.name !== undefined && !/^[A-Za-z_]\w*$/.test(values.name)) throw new UsageError(`--name must be an identifier, not '${values.name}'`);
    const widths = oneOf('--widths', values.widths, WIDTH_MODES, 'kernel');
    const text = readText(file);
    const syntax = parseJsonText(file, text);
    if ('error' in syntax) throw new InputError(`${file}: not valid JSON`, syntax.error);
    try {
      const result = importProfile(text, {
        source: file.replace(/^.*\//, ''),
        hostArch,
        capabilities,
        widths,
        enosys: values.enosys === true,
        ...(values.kernel === undefined ? {} : { kernel: values.kernel }),
        ...(values.name === undefined ? {} : { name: values.name }),
      });
      for (const warning of result.warnings) io.stderr.write(`nabla-seccomp import: warning: ${warning}\n`);
      if (values.output !== undefined) writeAtomically(values.output, result.text);
      else io.stdout.write(result.text);
      return 0;
    } catch (error) {
      if (error instanceof OciProfileError) throw new InputError(`${file}: ${error.message}`, `nabla-seccomp import: ${file}: error[${error.code}]: ${error.message}\n`);
      throw error;
    }
  },
};
