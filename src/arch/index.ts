/**
 * Syscall tables and kernel constants per architecture.
 *
 * The data lives in ./generated/, written by scripts/generate-tables.mjs from
 * the kernel sources (`npm run tables`); never edit it by hand. This module
 * turns it into records with lookup maps, built on first use of each arch.
 *
 * @example
 *   const table = archTable('x86_64');
 *   table.byName.get('pread64')?.number; // 17
 *   constantValue('O_DIRECTORY', 'aarch64'); // 16384n
 */
import { AuditArch, X32_SYSCALL_BIT } from '../bpf/seccomp.js';
import { ARCH_NAMES } from '../ir/model.js';
import type { ArchName } from '../ir/model.js';
import { tableaarch64 } from './generated/aarch64.js';
import { tablearm } from './generated/arm.js';
import { constantTable } from './generated/constants.js';
import { tablei386 } from './generated/i386.js';
import { tableriscv64 } from './generated/riscv64.js';
import { tablex32 } from './generated/x32.js';
import { tablex86_64 } from './generated/x86_64.js';
import type { GeneratedConstantOverrides, GeneratedTable } from './records.js';

/**
 * SyscallArg is one syscall register as the kernel reads it: the name from
 * its SYSCALL_DEFINE, the C type, the width a filter compares (32 for types
 * narrower than 64 bits, since the kernel truncates the register) and the
 * signedness of the type. On 32-bit arches a 64-bit C argument spans two
 * registers, named NAME_lo and NAME_hi.
 */
export interface SyscallArg {
  readonly name: string;
  readonly type: string;
  readonly width: 32 | 64;
  readonly signed: boolean;
}

/** SyscallInfo is one syscall of one arch; args are undefined where the kernel has no prototype. */
export interface SyscallInfo {
  readonly name: string;
  readonly number: number;
  readonly args: readonly SyscallArg[] | undefined;
}

/** ArchTable is the syscall table of one arch, sorted by number, with lookups by name and number. */
export interface ArchTable {
  readonly arch: ArchName;
  readonly auditArch: number;
  readonly kernelVersion: string;
  readonly syscalls: readonly SyscallInfo[];
  readonly byName: ReadonlyMap<string, SyscallInfo>;
  readonly byNumber: ReadonlyMap<number, SyscallInfo>;
  readonly bits: 32 | 64;
}

const GENERATED_TABLES: Readonly<Record<ArchName, GeneratedTable>> = {
  x86_64: tablex86_64,
  x32: tablex32,
  i386: tablei386,
  aarch64: tableaarch64,
  arm: tablearm,
  riscv64: tableriscv64,
};

/** ARCH_BITS is the register width a filter sees per arch (x32 runs on 64-bit registers). */
export const ARCH_BITS: Readonly<Record<ArchName, 32 | 64>> = {
  x86_64: 64,
  x32: 64,
  i386: 32,
  aarch64: 64,
  arm: 32,
  riscv64: 64,
};

const builtTables = new Map<ArchName, ArchTable>();

function buildTable(generated: GeneratedTable): ArchTable {
  const syscalls = generated.syscalls.map(([number, name, args]): SyscallInfo => {
    const infoArgs = args?.map(([argName, type, width, signed]) => Object.freeze({ name: argName, type, width, signed }));
    return Object.freeze({ name, number, args: infoArgs && Object.freeze(infoArgs) });
  });
  return Object.freeze({
    arch: generated.arch,
    auditArch: AuditArch[generated.arch],
    kernelVersion: generated.kernelVersion,
    syscalls: Object.freeze(syscalls),
    byName: new Map(syscalls.map((info) => [info.name, info])),
    byNumber: new Map(syscalls.map((info) => [info.number, info])),
    bits: ARCH_BITS[generated.arch],
  });
}

/** archTable returns the syscall table of `arch`, building it on first use. */
export function archTable(arch: ArchName): ArchTable {
  let table = builtTables.get(arch);
  if (!table) {
    const generated = GENERATED_TABLES[arch];
    if (!generated) throw new Error(`no syscall table for arch ${String(arch)}`);
    table = buildTable(generated);
    builtTables.set(arch, table);
  }
  return table;
}

const NODE_ARCHES: Readonly<Record<string, ArchName>> = {
  x64: 'x86_64',
  ia32: 'i386',
  arm64: 'aarch64',
  arm: 'arm',
  riscv64: 'riscv64',
};

/** hostArch names the arch this process runs on, from process.arch; throws on one we lack tables for. */
export function hostArch(): ArchName {
  const arch = NODE_ARCHES[process.arch];
  if (!arch) throw new Error(`unsupported host architecture ${process.arch}`);
  return arch;
}

/** archByAuditValue maps a seccomp_data.arch value to its arch (0xC000003E is x86_64, not x32). */
export function archByAuditValue(value: number): ArchName | undefined {
  const unsigned = value >>> 0;
  return ARCH_NAMES.find((arch) => arch !== 'x32' && AuditArch[arch] === unsigned);
}

let constantIndex: ReadonlyMap<string, readonly [bigint, GeneratedConstantOverrides | undefined]> | undefined;

function constants(): ReadonlyMap<string, readonly [bigint, GeneratedConstantOverrides | undefined]> {
  constantIndex ??= new Map(constantTable.map(([name, value, overrides]) => [name, [value, overrides] as const]));
  return constantIndex;
}

/**
 * constantValue gives the value of a kernel constant on `arch`, or undefined
 * where the arch does not define it. Unsigned C expressions keep their
 * unsigned value (RLIM_INFINITY is 2^64 - 1 on x86_64, 2^32 - 1 on arm).
 */
export function constantValue(name: string, arch: ArchName): bigint | undefined {
  const entry = constants().get(name);
  if (!entry) return undefined;
  const [value, overrides] = entry;
  if (overrides && arch in overrides) return overrides[arch] ?? undefined;
  return value;
}

/** constantNames lists every constant defined on at least one arch, sorted. */
export function constantNames(): readonly string[] {
  return [...constants().keys()];
}

/**
 * hostConstant gives a kernel constant's value on the host arch as a number,
 * for code that passes it to a system call. It throws for a name the tables
 * lack: the host's own code must not guess a value.
 */
export function hostConstant(name: string): number {
  const value = constantValue(name, hostArch());
  if (value === undefined || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`no kernel constant ${name} on ${hostArch()} in the generated tables`);
  }
  return Number(value);
}

/**
 * hostConstants gives named host constants as an object whose values are
 * looked up when first read, so that merely importing code that uses them
 * works on a host the tables lack (the lookup throws only when used there).
 */
export function hostConstants<K extends string>(names: Readonly<Record<K, string>>): Readonly<Record<K, number>> {
  const values = {} as Record<K, number>;
  for (const key of Object.keys(names) as K[]) {
    let known: number | undefined;
    Object.defineProperty(values, key, { enumerable: true, get: () => (known ??= hostConstant(names[key])) });
  }
  return Object.freeze(values);
}

/**
 * syscallNameOf names a syscall number as a filter sees it: `audit` is the
 * `seccomp_data.arch` value, and on x86_64 a number with the x32 bit is an
 * x32 syscall. `forced` names every number with one arch's table instead.
 */
export function syscallNameOf(nr: number, audit: number, forced?: ArchName): string | undefined {
  let arch = forced ?? archByAuditValue(audit);
  if (arch === 'x86_64' && (nr & X32_SYSCALL_BIT) !== 0) arch = 'x32';
  return arch === undefined ? undefined : archTable(arch).byNumber.get(nr >>> 0)?.name;
}
