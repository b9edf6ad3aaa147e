/**
 * The `nabla-seccomp` command line: dispatch to a subcommand, and turn every
 * failure into a message and an exit code (0 success, 1 wrong input, 2 usage
 * or I/O), never a stack trace.
 */
import { readFileSync } from 'node:fs';
import type { Command } from './command.js';
import { compileCommand } from './compile.js';
import { disasmCommand } from './disasm.js';
import { execCommand } from './exec.js';
import { importCommand } from './import.js';
import { lintCommand } from './lint.js';
import { CliError } from './errors.js';
import type { Io } from './io.js';
import { processIo } from './io.js';
import { runCommand } from './run.js';
import { simulateCommand } from './simulate.js';

const COMMANDS: readonly Command[] = [compileCommand, lintCommand, simulateCommand, disasmCommand, execCommand, runCommand, importCommand];

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: nabla-seccomp COMMAND [options]',
    '',
    'Compile seccomp policies into BPF filters, check them, and run programs under them.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show this help (COMMAND --help for a command)',
    '  -V, --version  print the version',
    '',
    'Exit status: 0 success, 1 the input is wrong, 2 usage or I/O error.',
    '',
  ].join('\n');
}

/** main runs the CLI with the given arguments and returns the exit code. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    (first === undefined ? io.stderr : io.stdout).write(usage());
    return first === undefined ? 2 : 0;
  }
  if (first === '-V' || first === '--version') {
    io.stdout.write(`nabla-seccomp ${version()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (command === undefined) {
    io.stderr.write(`nabla-seccomp: unknown command '${first}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr.write(error.formatted ?? `nabla-seccomp ${command.name}: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
