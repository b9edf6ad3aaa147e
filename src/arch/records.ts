/**
 * The shapes of the generated tables in ./generated/. They are compact
 * tuples, one line per syscall or constant; ./index.ts turns them into the
 * records the rest of the project uses.
 */
import type { ArchName } from '../ir/model.js';

/** GeneratedArg is one syscall register: [name, C type, compare width, signed]. */
export type GeneratedArg = readonly [name: string, type: string, width: 32 | 64, signed: boolean];

/** GeneratedSyscall is [number, name, args]; args are absent where the kernel tree has no prototype. */
export type GeneratedSyscall = readonly [number: number, name: string, args?: readonly GeneratedArg[]];

/** GeneratedTable is one arch's syscall table as the generator writes it. */
export interface GeneratedTable {
  readonly arch: ArchName;
  readonly kernelVersion: string;
  readonly syscalls: readonly GeneratedSyscall[];
}

/** GeneratedConstantOverrides gives the arches whose value differs; null means not defined there. */
export type GeneratedConstantOverrides = Readonly<Partial<Record<ArchName, bigint | null>>>;

/** GeneratedConstant is [name, value on most arches, overrides]. */
export type GeneratedConstant = readonly [name: string, value: bigint, overrides?: GeneratedConstantOverrides];
