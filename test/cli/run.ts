/**
 * Running the CLI in the test process with captured output (fast), or as a
 * real process through bin/ (for exit codes and the absence of stack traces).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import type { Io, Sink } from '../../src/cli/io.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

class Capture implements Sink {
  readonly chunks: Buffer[] = [];
  constructor(readonly isTTY = false) {}
  write(chunk: string | Uint8Array): void {
    this.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** CliResult is what a CLI run printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
}

/** cli runs main() with captured streams, from the project root. */
export async function cli(args: readonly string[], options: { tty?: boolean; env?: Record<string, string> } = {}): Promise<CliResult> {
  const stdout = new Capture(options.tty);
  const stderr = new Capture(options.tty);
  const io: Io = { stdout, stderr, env: options.env ?? {}, cwd: ROOT };
  const previous = process.cwd();
  process.chdir(ROOT);
  try {
    const code = await main(args, io);
    return { code, stdout: stdout.bytes.toString('utf8'), stdoutBytes: stdout.bytes, stderr: stderr.bytes.toString('utf8') };
  } finally {
    process.chdir(previous);
  }
}

/** cliProcess runs bin/nabla-seccomp.js (the built CLI) as a child process. */
export function cliProcess(args: readonly string[]): CliResult {
  const result = spawnSync(process.execPath, [`${ROOT}bin/nabla-seccomp.js`, ...args], { cwd: ROOT, encoding: 'buffer' });
  return {
    code: result.status ?? -1,
    stdout: result.stdout.toString('utf8'),
    stdoutBytes: result.stdout,
    stderr: result.stderr.toString('utf8'),
  };
}
