/**
 * The CLI's window on the world: output streams, files and the environment,
 * gathered in one value so commands stay testable without a terminal.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { IoError } from './errors.js';

/** A place text or bytes are written to. */
export interface Sink {
  write(chunk: string | Uint8Array): void;
  readonly isTTY?: boolean;
}

/** Io is everything a command may touch outside itself. */
export interface Io {
  readonly stdout: Sink;
  readonly stderr: Sink;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** processIo is the Io of the running process. */
export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** readText reads a UTF-8 file, turning failures into an IoError naming the file. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new IoError(`cannot read ${path}: ${describe(error)}`);
  }
}

/** readBytes reads a file as bytes, turning failures into an IoError naming the file. */
export function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new IoError(`cannot read ${path}: ${describe(error)}`);
  }
}

/**
 * writeAtomically writes a file so that readers see the old content or the
 * whole new one, never a part: a temporary file beside it, then a rename.
 */
export function writeAtomically(path: string, data: string | Uint8Array): void {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(temporary, 'wx', 0o644);
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new IoError(`cannot write ${path}: ${describe(error)}`);
  }
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error) {
    const code = String((error as { code: unknown }).code);
    const known: Record<string, string> = {
      ENOENT: 'no such file or directory',
      EACCES: 'permission denied',
      EISDIR: 'is a directory',
      ENOTDIR: 'a component of the path is not a directory',
      EEXIST: 'already exists',
    };
    return known[code] ?? code;
  }
  return error instanceof Error ? error.message : String(error);
}
