/**
 * Parsing of the small values the command line takes: arch names, integers
 * (decimal, 0x, 0o, 0b, `_` separators, a leading minus taken modulo 2^64),
 * syscall names or numbers, and `NAME=JSON` bindings.
 */
import { ARCH_NAMES } from '../ir/model.js';
import type { ArchName } from '../ir/model.js';
import { UsageError } from './errors.js';

const U64 = 1n << 64n;

/** parseArch checks an `--arch` value. */
export function parseArch(value: string): ArchName {
  if ((ARCH_NAMES as readonly string[]).includes(value)) return value as ArchName;
  throw new UsageError(`unknown arch '${value}' (known: ${ARCH_NAMES.join(', ')})`);
}

/** parseInteger reads an integer literal; negative values wrap modulo 2^64. */
export function parseInteger(text: string, what: string): bigint {
  const trimmed = text.trim();
  const match = /^(-?)(0x[0-9a-f_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*)$/i.exec(trimmed);
  if (!match) throw new UsageError(`${what} '${text}' is not an integer`);
  const digits = match[2]!.replaceAll('_', '');
  const magnitude = BigInt(digits.toLowerCase().startsWith('0o') ? `0o${digits.slice(2)}` : digits);
  const value = match[1] === '-' ? -magnitude : magnitude;
  if (value >= U64 || value < -(U64 / 2n)) throw new UsageError(`${what} '${text}' does not fit 64 bits`);
  return ((value % U64) + U64) % U64;
}

/** parseArgsList reads `--args A0,A1,…` (at most six). */
export function parseArgsList(text: string | undefined): bigint[] {
  if (text === undefined || text.trim() === '') return [];
  const parts = text.split(',');
  if (parts.length > 6) throw new UsageError(`--args takes at most 6 values, not ${parts.length}`);
  return parts.map((part, i) => parseInteger(part, `argument ${i}`));
}

/** parseBinding reads one `--param NAME=JSON`. */
export function parseBinding(text: string): [string, unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`--param takes NAME=JSON, not '${text}'`);
  const name = text.slice(0, eq);
  const json = text.slice(eq + 1);
  try {
    return [name, JSON.parse(json) as unknown];
  } catch {
    throw new UsageError(`--param ${name}: '${json}' is not JSON (strings need quotes: ${name}='"text"')`);
  }
}
