/**
 * Syscall names for listings and for `--syscall NAME`, from the generated
 * tables.
 */
import { archTable, syscallNameOf } from '../arch/index.js';
import type { ArchName } from '../ir/model.js';
import { UsageError } from './errors.js';
import { parseInteger } from './values.js';

/**
 * syscallNamer names a number for the arch a listing found tested (an
 * AUDIT_ARCH value); `forced` names every number with one arch's table.
 */
export function syscallNamer(forced?: ArchName): (nr: number, audit: number) => string | undefined {
  return (nr, audit) => syscallNameOf(nr, audit, forced);
}

/** syscallNumber reads `--syscall NAME|NR` for an arch. */
export function syscallNumber(text: string, arch: ArchName): number {
  if (/^-?[0-9]/.test(text)) return Number(parseInteger(text, '--syscall') & 0xffff_ffffn);
  const info = archTable(arch).byName.get(text);
  if (info === undefined) throw new UsageError(`--syscall: ${arch} has no syscall named '${text}'`);
  return info.number;
}
