/**
 * The oracle of the import round trip: a profile given to libseccomp the way
 * runc gives it, written independently of src/oci.
 *
 * What runc does, step by step (libcontainer/seccomp, with Docker's profile
 * resolution before it):
 * - Docker keeps an entry unless its excludes match (host arch, a bounding
 *   capability, kernel at least minKernel) or its includes do not (host arch
 *   listed, every capability held, kernel at least minKernel); the arches
 *   are `architectures`, or the archMap entry of the host with its subarches;
 * - one filter: seccomp_init(default), seccomp_arch_add per arch (the native
 *   arch is always in), the binary tree layout past 32 syscall names;
 * - per name of each entry, in order: skip when the action equals the
 *   default; resolve the name on the native arch (unknown: skip); no args:
 *   seccomp_rule_add_array with none; distinct indexes: one rule with all;
 *   a repeated index: one rule per comparison. The calls are the non-exact
 *   ones, so libseccomp translates the name for each arch and multiplexes
 *   socket and IPC calls on i386;
 * - optionally the -ENOSYS stub of patchbpf, evaluated in front of the filter
 *   (`enosysVerdict`).
 *
 * test/support/libseccomp.ts builds per-arch contexts with the exact calls,
 * which cannot show the multiplexing, so this file binds the few calls it
 * needs itself.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditArch, X32_SYSCALL_BIT } from '../../src/bpf/seccomp.js';
import type { ArchName } from '../../src/ir/model.js';

type Pointer = Buffer & { isNull(): boolean };

interface RuncApi {
  seccomp_init(defaultAction: number): Pointer;
  seccomp_release(context: Pointer): void;
  seccomp_arch_add(context: Pointer, token: number): number;
  seccomp_attr_set(context: Pointer, attribute: number, value: number): number;
  seccomp_rule_add_array(context: Pointer, action: number, nr: number, count: number, compares: Buffer): number;
  seccomp_export_bpf(context: Pointer, fd: number): number;
  seccomp_syscall_resolve_name(name: string): number;
  seccomp_syscall_resolve_name_arch(token: number, name: string): number;
  seccomp_syscall_resolve_num_arch(token: number, nr: number): string | null;
}

let api: RuncApi | undefined;

function library(): RuncApi {
  if (api !== undefined) return api;
  const require = createRequire(import.meta.url);
  const ffi = require('ffi-napi') as { Library(name: string, functions: Record<string, [string, string[]]>): unknown };
  api = ffi.Library('libseccomp.so.2', {
    seccomp_init: ['pointer', ['uint32']],
    seccomp_release: ['void', ['pointer']],
    seccomp_arch_add: ['int', ['pointer', 'uint32']],
    seccomp_attr_set: ['int', ['pointer', 'int', 'uint32']],
    seccomp_rule_add_array: ['int', ['pointer', 'uint32', 'int', 'uint', 'pointer']],
    seccomp_export_bpf: ['int', ['pointer', 'int']],
    seccomp_syscall_resolve_name: ['int', ['string']],
    seccomp_syscall_resolve_name_arch: ['int', ['uint32', 'string']],
    seccomp_syscall_resolve_num_arch: ['string', ['uint32', 'int']],
  }) as RuncApi;
  return api;
}

/** The profile as runc reads it (only the fields runc and Docker use). */
interface RawProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures?: string[] | null }[];
  syscalls?: RawEntry[];
}
interface RawEntry {
  name?: string;
  names?: string[];
  action: string;
  errnoRet?: number;
  args?: { index: number; value?: number | bigint; valueTwo?: number | bigint; op: string }[];
  includes?: RawFilter;
  excludes?: RawFilter;
}
interface RawFilter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

/** The host the profile is resolved for, as Docker sees it. */
export interface RuncHost {
  readonly arch: ArchName;
  readonly capabilities: readonly string[];
  readonly kernel: string;
}

const TOKEN: Readonly<Record<string, number>> = {
  SCMP_ARCH_X86_64: 0xc000003e,
  SCMP_ARCH_X86: 0x40000003,
  SCMP_ARCH_X32: 0x4000003e,
  SCMP_ARCH_AARCH64: 0xc00000b7,
  SCMP_ARCH_ARM: 0x40000028,
  SCMP_ARCH_RISCV64: 0xc00000f3,
};
const HOST_NAME: Readonly<Record<ArchName, [string, string]>> = {
  x86_64: ['SCMP_ARCH_X86_64', 'amd64'],
  i386: ['SCMP_ARCH_X86', 'x86'],
  x32: ['SCMP_ARCH_X32', 'x32'],
  aarch64: ['SCMP_ARCH_AARCH64', 'arm64'],
  arm: ['SCMP_ARCH_ARM', 'arm'],
  riscv64: ['SCMP_ARCH_RISCV64', 'riscv64'],
};
const OPERATOR: Readonly<Record<string, number>> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

/** runcActionValue is the SCMP_ACT_* value runc passes to libseccomp. */
export function runcActionValue(name: string, errnoRet: number | undefined): number {
  const values: Record<string, number> = {
    SCMP_ACT_KILL: 0,
    SCMP_ACT_KILL_THREAD: 0,
    SCMP_ACT_KILL_PROCESS: 0x8000_0000,
    SCMP_ACT_TRAP: 0x0003_0000,
    SCMP_ACT_ERRNO: 0x0005_0000 | (errnoRet ?? 1),
    SCMP_ACT_TRACE: 0x7ff0_0000 | (errnoRet ?? 1),
    SCMP_ACT_ALLOW: 0x7fff_0000,
    SCMP_ACT_LOG: 0x7ffc_0000,
    SCMP_ACT_NOTIFY: 0x7fc0_0000,
  };
  const value = values[name];
  if (value === undefined) throw new Error(`runc refuses action ${name}`);
  return value >>> 0;
}

function atLeast(kernel: string, wanted: string): boolean {
  const [major, minor] = kernel.split('.').map(Number);
  const [wantMajor, wantMinor] = wanted.split('.').map(Number);
  return major! > wantMajor! || (major === wantMajor && minor! >= wantMinor!);
}

/** dockerEntries keeps the entries Docker hands to runc on this host, one per name. */
function dockerEntries(profile: RawProfile, host: RuncHost): { name: string; entry: RawEntry }[] {
  const arch = HOST_NAME[host.arch][1];
  const caps = new Set(host.capabilities);
  const kept: { name: string; entry: RawEntry }[] = [];
  for (const entry of profile.syscalls ?? []) {
    const ex = entry.excludes ?? {};
    const inc = entry.includes ?? {};
    if ((ex.arches ?? []).includes(arch)) continue;
    if ((ex.caps ?? []).some((cap) => caps.has(cap))) continue;
    if (ex.minKernel && atLeast(host.kernel, ex.minKernel)) continue;
    if ((inc.arches ?? []).length > 0 && !inc.arches!.includes(arch)) continue;
    if ((inc.caps ?? []).some((cap) => !caps.has(cap))) continue;
    if (inc.minKernel && !atLeast(host.kernel, inc.minKernel)) continue;
    for (const name of entry.name !== undefined ? [entry.name] : (entry.names ?? [])) kept.push({ name, entry });
  }
  return kept;
}

/** dockerArches lists the SCMP_ARCH_* names runc adds to the filter. */
function dockerArches(profile: RawProfile, host: RuncHost): string[] {
  if ((profile.archMap ?? []).length > 0) {
    const entry = profile.archMap!.find((candidate) => candidate.architecture === HOST_NAME[host.arch][0]);
    return entry === undefined ? [] : [entry.architecture, ...(entry.subArchitectures ?? [])];
  }
  return profile.architectures ?? [];
}

function packConditions(args: NonNullable<RawEntry['args']>): Buffer {
  const buffer = Buffer.alloc(24 * Math.max(1, args.length));
  args.forEach((arg, index) => {
    buffer.writeUInt32LE(arg.index, 24 * index);
    buffer.writeUInt32LE(OPERATOR[arg.op]!, 24 * index + 4);
    buffer.writeBigUInt64LE(BigInt(arg.value ?? 0), 24 * index + 8);
    buffer.writeBigUInt64LE(BigInt(arg.valueTwo ?? 0), 24 * index + 16);
  });
  return buffer;
}

/** A runc filter ready to be run, and what the -ENOSYS stub needs. */
export interface RuncFilter {
  readonly bytes: Uint8Array;
  readonly defaultAction: number;
  /** The largest number the profile names, per audit arch and x32-ness (for the stub). */
  readonly largest: ReadonlyMap<string, number>;
}

/** buildRuncFilter builds the filter runc would install for a profile (parsed with exact integers) on a host. */
export function buildRuncFilter(profile: RawProfile, host: RuncHost): RuncFilter {
  const lib = library();
  const defaultAction = runcActionValue(profile.defaultAction, profile.defaultErrnoRet);
  const entries = dockerEntries(profile, host);
  const arches = dockerArches(profile, host);
  const context = lib.seccomp_init(defaultAction);
  if (context.isNull()) throw new Error('seccomp_init failed');
  try {
    for (const arch of arches) {
      const status = lib.seccomp_arch_add(context, TOKEN[arch]!);
      if (status !== 0 && status !== -17) throw new Error(`seccomp_arch_add(${arch}) failed: ${status}`);
    }
    if (entries.length > 32 && lib.seccomp_attr_set(context, 8, 2) !== 0) throw new Error('optimize attribute refused');
    for (const { name, entry } of entries) {
      const chosen = runcActionValue(entry.action, entry.errnoRet);
      if (chosen === defaultAction) continue;
      const nr = lib.seccomp_syscall_resolve_name(name);
      if (nr === -1) continue;
      const args = entry.args ?? [];
      const indexes = new Set(args.map((arg) => arg.index));
      const sets = args.length === 0 ? [[]] : indexes.size === args.length ? [args] : args.map((arg) => [arg]);
      for (const set of sets) {
        const status = lib.seccomp_rule_add_array(context, chosen, nr, set.length, packConditions(set));
        if (status !== 0) throw new Error(`seccomp_rule_add_array(${name}) failed: ${status}`);
      }
    }
    const largest = new Map<string, number>();
    for (const arch of arches) {
      for (const { name } of entries) {
        const nr = lib.seccomp_syscall_resolve_name_arch(TOKEN[arch]!, name);
        if (nr < 0) continue;
        largest.set(arch, Math.max(largest.get(arch) ?? 0, nr));
      }
    }
    return { bytes: exportProgram(lib, context), defaultAction, largest };
  } finally {
    lib.seccomp_release(context);
  }
}

function exportProgram(lib: RuncApi, context: Pointer): Uint8Array {
  const directory = mkdtempSync(join(tmpdir(), 'runc-oracle-'));
  try {
    const path = join(directory, 'filter.bpf');
    const fd = openSync(path, 'w+');
    try {
      if (lib.seccomp_export_bpf(context, fd) !== 0) throw new Error('seccomp_export_bpf failed');
    } finally {
      closeSync(fd);
    }
    return new Uint8Array(readFileSync(path));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * enosysVerdict is what runc's -ENOSYS stub returns for a call before the
 * filter runs, or undefined when it lets the call through to the filter.
 */
export function enosysVerdict(filter: RuncFilter, arch: number, nr: number): number | undefined {
  const permissive = [0x7fff_0000, 0x7ffc_0000].includes(filter.defaultAction) || filter.defaultAction >>> 16 === 0x7ff0;
  if (permissive) return undefined;
  let name = Object.keys(TOKEN).find((key) => TOKEN[key] === arch >>> 0 && key !== 'SCMP_ARCH_X32');
  if (name === 'SCMP_ARCH_X86_64' && (nr & X32_SYSCALL_BIT) !== 0) name = 'SCMP_ARCH_X32';
  const largest = name === undefined ? undefined : filter.largest.get(name);
  if (largest === undefined) return undefined;
  return nr >>> 0 > largest ? (0x0005_0000 | 38) >>> 0 : undefined;
}

/** libseccompName is libseccomp's name for a number on an arch (x32 numbers carry the x32 bit), or undefined. */
export function libseccompName(arch: ArchName, nr: number): string | undefined {
  return library().seccomp_syscall_resolve_num_arch(TOKEN[HOST_NAME[arch][0]]!, nr | 0) ?? undefined;
}

/** AUDIT re-exported for tests that pick inputs per arch. */
export const AUDIT = AuditArch;
