/**
 * The generated tables of src/arch, seen as the SyscallTables `check` uses.
 */
import { archTable, constantValue, hostArch } from '../arch/index.js';
import type { SyscallTables } from './tables.js';

let tables: SyscallTables | undefined;

/** defaultTables returns the tables generated from the kernel sources. */
export function defaultTables(): SyscallTables {
  tables ??= {
    syscall(arch, name) {
      const info = archTable(arch).byName.get(name);
      if (!info) return undefined;
      return info.args ? { name, number: info.number, args: info.args } : { name, number: info.number };
    },
    constant: constantValue,
    hostArch,
  };
  return tables;
}
