/**
 * `nabla-seccomp lint FILE…`: findings about policies, as text with code
 * frames, JSON or SARIF 2.1.0. Exits 0 when there are no errors (warnings
 * too with --strict), 1 when there are, 2 for usage or I/O errors.
 */
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { formatJson, formatSarif, formatText, countFindings, lintFile } from '../lint/index.js';
import type { LintReport } from '../lint/index.js';
import type { Command } from './command.js';
import { oneOf, parseCommandLine } from './command.js';
import { UsageError } from './errors.js';
import { readText } from './io.js';
import { colorFor } from './policy-input.js';
import { parseArch } from './values.js';

const LINT_FORMATS = ['text', 'json', 'sarif'] as const;

function toolVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

/** lintCommand is `nabla-seccomp lint`. */
export const lintCommand: Command = {
  name: 'lint',
  summary: 'find dangerous, dead or doubtful rules in policies',
  help: `Usage: nabla-seccomp lint FILE… [--arch A] [--format text|json|sarif] [--strict]

Checks each policy, then looks for what the checker accepts but a reviewer
would question: I/O on unpinned fds, syscalls that escape the sandbox, gaps
between equivalent syscalls, shadowed or duplicate rules, conditions that are
always true or false, permissive defaults, and more (docs/lint-rules.md).

Silence a finding with a comment on the line before it, giving a reason:
  # lint-disable-next-line unpinned-io -- the fds are opened after start-up

Options:
  --arch A      lint for A only (with a policy that declares 'arch', one of
                its arches). Default: the policy's arches, or the host's
  --format F    text   findings with source frames and a summary line
                       (coloured on a terminal unless NO_COLOR is set)
                json   one object with every file's errors and findings
                sarif  a SARIF 2.1.0 log, for CI code scanning
                Default: text
  --strict      fail on warnings too
  -h, --help    show this help

Exit status: 0 no errors (and no warnings with --strict), 1 policy errors or
lint errors (or warnings with --strict), 2 usage or I/O error.
`,
  run(argv, io) {
    const { values, positionals } = parseCommandLine('lint', argv, {
      arch: { type: 'string' },
      format: { type: 'string' },
      strict: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.stdout.write(lintCommand.help);
      return 0;
    }
    if (positionals.length === 0) throw new UsageError('lint needs at least one policy FILE');
    const format = oneOf('--format', values.format, LINT_FORMATS, 'text');
    const arch = values.arch === undefined ? undefined : parseArch(values.arch);
    // Read every entry file first, so an unreadable one stops the run before any output.
    const texts = new Map(positionals.map((file) => [posix.normalize(file), readText(file)]));
    const readFile = (path: string) => texts.get(path) ?? readFileSync(path, 'utf8');
    const reports: LintReport[] = positionals.map((file) => lintFile(file, readFile, arch === undefined ? {} : { arch }));
    if (format === 'json') io.stdout.write(formatJson(reports));
    else if (format === 'sarif') io.stdout.write(formatSarif(reports, { toolVersion: toolVersion() }));
    else io.stdout.write(formatText(reports, colorFor(io, 'stdout')));
    const counts = countFindings(reports);
    return counts.errors > 0 || (values.strict === true && counts.warnings > 0) ? 1 : 0;
  },
};
