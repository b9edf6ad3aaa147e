/**
 * The shape every subcommand shares: a name, its help text, and a run
 * function that parses its own arguments and returns the exit code.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';
import type { Io } from './io.js';

/** Command is one `nabla-seccomp NAME …` subcommand. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** The full `--help` text. */
  readonly help: string;
  run(argv: readonly string[], io: Io): Promise<number> | number;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * parseCommandLine runs util.parseArgs in strict mode and turns its errors
 * into a UsageError that names the command.
 */
export function parseCommandLine<O extends Options>(command: string, argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${command}: ${message.replace(/\. To specify a positional.*$/s, '')}`);
  }
}

/** oneOf checks that an option's value is one of the allowed words. */
export function oneOf<T extends string>(what: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${what} must be one of ${allowed.join(', ')}, not '${value}'`);
}
