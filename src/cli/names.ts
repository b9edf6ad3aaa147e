/**
 * Syscall names for listings and for `--syscall NAME`, from the generated
 * tables.
 */
import { archByAuditValue, archTable } from '../arch/index.js';
import { X32_SYSCALL_BIT } from '../bpf/seccomp.js';
import type { ArchName } from '../ir/model.js';
import { UsageError } from './errors.js';
import { parseInteger } from './values.js';

/**
 * syscallNamer names a number for the arch a listing found tested (an
 * AUDIT_ARCH value); `forced` names every number with one arch's table.
 */
export function syscallNamer(forced?: ArchName): (nr: number, audit: number) => string | undefined {
  return (nr, audit) => {
    let arch = forced ?? archByAuditValue(audit);
    if (arch === 'x86_64' && (nr & X32_SYSCALL_BIT) !== 0) arch = 'x32';
    return arch === undefined ? undefined : archTable(arch).byNumber.get(nr >>> 0)?.name;
  };
}

/** syscallNumber reads `--syscall NAME|NR` for an arch. */
export function syscallNumber(text: string, arch: ArchName): number {
  if (/^-?[0-9]/.test(text)) return Number(parseInteger(text, '--syscall') & 0xffff_ffffn);
  const info = archTable(arch).byName.get(text);
  if (info === undefined) throw new UsageError(`--syscall: ${arch} has no syscall named '${text}'`);
  return info.number;
}
