/**
 * Errors the command line reports without a stack trace. Each knows its exit
 * code: 1 when the input is wrong, 2 for usage and I/O problems.
 */

/** CliError is a failure the CLI prints as a message and turns into an exit code. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
    /** Text printed as is (already formatted, e.g. diagnostics with carets). */
    readonly formatted?: string,
  ) {
    super(message);
  }
}

/** UsageError: the command line itself is wrong (exit 2). */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(message, 2);
  }
}

/** InputError: the files or values given are wrong (exit 1). */
export class InputError extends CliError {
  override readonly name = 'InputError';
  constructor(message: string, formatted?: string) {
    super(message, 1, formatted);
  }
}

/** IoError: a file could not be read or written (exit 2). */
export class IoError extends CliError {
  override readonly name = 'IoError';
  constructor(message: string) {
    super(message, 2);
  }
}
