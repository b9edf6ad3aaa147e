/**
 * The view of the syscall and constant tables that `check` needs. The
 * default comes from src/arch; tests and embedders may pass their own.
 */
import type { ArchName } from '../ir/model.js';

/** SyscallArgumentInfo is one parameter of a syscall's kernel prototype. */
export interface SyscallArgumentInfo {
  readonly name: string;
  readonly width: 32 | 64;
}

/** SyscallInfo is a syscall on one arch: its number and, when known, its prototype. */
export interface SyscallInfo {
  readonly name: string;
  readonly number: number;
  /** Absent when the tables lack the prototype: the syscall is then filtered on raw registers. */
  readonly args?: readonly SyscallArgumentInfo[];
}

/** SyscallTables answers the questions `check` asks about kernels. */
export interface SyscallTables {
  /** syscall looks a syscall up by name on one arch. */
  syscall(arch: ArchName, name: string): SyscallInfo | undefined;
  /** constant gives the value of a kernel constant (O_RDONLY, EPERM, …) on one arch. */
  constant(name: string, arch: ArchName): bigint | undefined;
  /** hostArch is the arch a policy without `arch` is compiled for by default. */
  hostArch(): ArchName;
}
