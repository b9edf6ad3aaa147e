/**
 * The errors a launch reports. Each carries the CLI exit code it maps to:
 * 1 when the launch was refused (a bad executable, manifest, device or
 * option value), 2 for usage and I/O problems.
 */

/** TenderError is a launch failure with a one-line message and an exit code. */
export class TenderError extends Error {
  override readonly name: string = 'TenderError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
    /** Text printed as is instead of the message (diagnostics with carets). */
    readonly formatted?: string,
  ) {
    super(message);
  }
}

/** LaunchRefused: the executable, its manifest or a device is unfit to run (exit 1). */
export class LaunchRefused extends TenderError {
  override readonly name = 'LaunchRefused';
  constructor(message: string, formatted?: string) {
    super(message, 1, formatted);
  }
}

/** LaunchUsageError: the launch options themselves are malformed (exit 2). */
export class LaunchUsageError extends TenderError {
  override readonly name = 'LaunchUsageError';
  constructor(message: string) {
    super(message, 2);
  }
}

/** LaunchIoError: a file, device or system call failed on the host (exit 2). */
export class LaunchIoError extends TenderError {
  override readonly name = 'LaunchIoError';
  constructor(message: string) {
    super(message, 2);
  }
}
