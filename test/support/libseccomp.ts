/**
 * libseccomp as a test oracle: builds the filter libseccomp would build for a
 * rule model, through its C API (ffi-napi), and returns the BPF bytes.
 *
 * Only models in libseccomp's expressible subset are accepted (see
 * libseccomp-plan.ts). Facts about libseccomp 2.5.4 this file relies on,
 * measured here:
 * - `seccomp_rule_add_exact_array` answers EOPNOTSUPP once a context holds two
 *   arches, so each arch is built in its own context and they are joined with
 *   `seccomp_merge`.
 * - Syscall numbers passed to the API are always in the native (x86_64)
 *   numbering and translated to each arch by name, even by the "exact" calls;
 *   a model's number for another arch is mapped back through its name.
 * - A rule whose action equals the default is refused (EACCES); the plan
 *   never produces one.
 * - On i386, arm and x32 libseccomp compares only the low 32 bits of an
 *   argument; on x86_64 it compares all 64, whatever the kernel type.
 * - On x86_64 without x32, nr -1 reaches the rules instead of the bad-arch
 *   action.
 * - A masked == compares `(arg & mask) == (value & mask)`: the value is
 *   masked too.
 * - Actions: trap takes no data, errno data must be below 4095 (EINVAL).
 * - 2.5.4 has no `seccomp_export_bpf_mem`: the program goes through a file.
 * - Its merged filters are sometimes wrong (test/differential shows it): a
 *   64-bit comparison may read an accumulator left over from another
 *   argument, and rules ordering one argument against different bounds are
 *   merged so that one rule's later tests hang under another's bound.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditArch } from '../../src/bpf/seccomp.js';
import type { ArchName, RuleModel } from '../../src/ir/model.js';
import { NotExpressibleError, planForLibseccomp } from './libseccomp-plan.js';
import type { LibseccompPlan, ScmpArchPlan, ScmpComparison } from './libseccomp-plan.js';

export { NotExpressibleError } from './libseccomp-plan.js';

/** Options for a libseccomp build. */
export interface LibseccompOptions {
  /** SCMP_FLTATR_CTL_OPTIMIZE: 1 the default linear layout by priority, 2 a binary tree. */
  readonly optimize?: 1 | 2;
}

/** LibseccompError reports a libseccomp call that failed. */
export class LibseccompError extends Error {
  override readonly name = 'LibseccompError';
}

type Pointer = Buffer & { isNull(): boolean };

/** The subset of libseccomp's API used here, as ffi-napi exposes it. */
interface LibseccompApi {
  seccomp_init(defaultAction: number): Pointer;
  seccomp_release(context: Pointer): void;
  seccomp_attr_set(context: Pointer, attribute: number, value: number): number;
  seccomp_arch_add(context: Pointer, token: number): number;
  seccomp_arch_remove(context: Pointer, token: number): number;
  seccomp_arch_native(): number;
  seccomp_merge(destination: Pointer, source: Pointer): number;
  seccomp_rule_add_exact_array(context: Pointer, action: number, nr: number, count: number, compares: Buffer): number;
  seccomp_export_bpf(context: Pointer, fd: number): number;
  seccomp_syscall_resolve_num_arch(token: number, nr: number): string | null;
  seccomp_syscall_resolve_name_arch(token: number, name: string): number;
  seccomp_version(): Pointer;
}

interface FfiModule {
  Library(name: string, functions: Record<string, [string, string[]]>): unknown;
}
interface RefModule {
  reinterpret(buffer: Buffer, size: number, offset: number): Buffer;
}

const ATTRIBUTE_BAD_ARCH = 2;
const ATTRIBUTE_OPTIMIZE = 8;
/** `__NR_SCMP_ERROR`: what name resolution answers for an unknown name. */
const NR_SCMP_ERROR = -1;
/** SCMP_ARCH_* tokens are the AUDIT_ARCH values, except x32's (EM_X86_64 | __AUDIT_ARCH_LE). */
const ARCH_TOKEN: Readonly<Record<ArchName, number>> = {
  x86_64: AuditArch.x86_64,
  x32: 0x4000003e,
  i386: AuditArch.i386,
  aarch64: AuditArch.aarch64,
  arm: AuditArch.arm,
  riscv64: AuditArch.riscv64,
};
const COMPARISON_SIZE = 24;

let loaded: { api: LibseccompApi; ref: RefModule } | { error: string } | undefined;

function load(): { api: LibseccompApi; ref: RefModule } | { error: string } {
  if (loaded !== undefined) return loaded;
  try {
    const require = createRequire(import.meta.url);
    const ffi = require('ffi-napi') as FfiModule;
    const ref = require('ref-napi') as RefModule;
    const api = ffi.Library('libseccomp.so.2', {
      seccomp_init: ['pointer', ['uint32']],
      seccomp_release: ['void', ['pointer']],
      seccomp_attr_set: ['int', ['pointer', 'int', 'uint32']],
      seccomp_arch_add: ['int', ['pointer', 'uint32']],
      seccomp_arch_remove: ['int', ['pointer', 'uint32']],
      seccomp_arch_native: ['uint32', []],
      seccomp_merge: ['int', ['pointer', 'pointer']],
      seccomp_rule_add_exact_array: ['int', ['pointer', 'uint32', 'int', 'uint', 'pointer']],
      seccomp_export_bpf: ['int', ['pointer', 'int']],
      seccomp_syscall_resolve_num_arch: ['string', ['uint32', 'int']],
      seccomp_syscall_resolve_name_arch: ['int', ['uint32', 'string']],
      seccomp_version: ['pointer', []],
    }) as LibseccompApi;
    loaded = { api, ref };
  } catch (error) {
    loaded = { error: error instanceof Error ? error.message : String(error) };
  }
  return loaded;
}

function library(): LibseccompApi {
  const state = load();
  if ('error' in state) throw new LibseccompError(`libseccomp is not available: ${state.error}`);
  return state.api;
}

/** libseccompAvailable says whether libseccomp.so.2 can be loaded through ffi-napi, and why not. */
export function libseccompAvailable(): { ok: boolean; reason?: string } {
  const state = load();
  return 'error' in state ? { ok: false, reason: state.error } : { ok: true };
}

/** libseccompVersion returns the loaded library's version, like "2.5.4". */
export function libseccompVersion(): string {
  const state = load();
  if ('error' in state) throw new LibseccompError(`libseccomp is not available: ${state.error}`);
  const words = state.ref.reinterpret(state.api.seccomp_version(), 12, 0);
  return `${words.readUInt32LE(0)}.${words.readUInt32LE(4)}.${words.readUInt32LE(8)}`;
}

/**
 * libseccompSyscallNumber is libseccomp's own number for a syscall name on an
 * arch (x32 numbers carry the x32 bit), or undefined where it does not know
 * the name.
 */
export function libseccompSyscallNumber(arch: ArchName, name: string): number | undefined {
  const nr = library().seccomp_syscall_resolve_name_arch(ARCH_TOKEN[arch], name);
  return nr < 0 ? undefined : nr >>> 0;
}

/**
 * buildWithLibseccomp builds a model with libseccomp and returns the exported
 * program (`struct sock_filter` array, host byte order). Throws
 * NotExpressibleError for models outside libseccomp's subset and
 * LibseccompError when a libseccomp call fails.
 */
export function buildWithLibseccomp(model: RuleModel, options: LibseccompOptions = {}): Uint8Array {
  return buildPlanWithLibseccomp(planForLibseccomp(model), options);
}

/** buildPlanWithLibseccomp builds an already translated plan (see planForLibseccomp). */
export function buildPlanWithLibseccomp(plan: LibseccompPlan, options: LibseccompOptions = {}): Uint8Array {
  const api = library();
  if (plan.arches.length === 0) throw new NotExpressibleError('libseccomp needs at least one arch');
  const contexts: Pointer[] = [];
  try {
    for (const archPlan of plan.arches) {
      contexts.push(archContext(api, plan.defaultAction, plan.badArchAction, archPlan, options));
    }
    const first = contexts[0]!;
    while (contexts.length > 1) {
      const next = contexts.pop()!;
      const status = api.seccomp_merge(first, next);
      // On success libseccomp releases the merged context itself.
      if (status !== 0) {
        api.seccomp_release(next);
        fail('seccomp_merge', status);
      }
    }
    return exportProgram(api, first);
  } finally {
    for (const context of contexts) api.seccomp_release(context);
  }
}

/** archContext builds a context serving one arch with that arch's rules. */
function archContext(api: LibseccompApi, defaultAction: number, badArch: number, plan: ScmpArchPlan, options: LibseccompOptions): Pointer {
  const context = api.seccomp_init(defaultAction);
  if (context.isNull()) throw new LibseccompError(`seccomp_init refused default action 0x${defaultAction.toString(16)}`);
  try {
    check('seccomp_attr_set(ACT_BADARCH)', api.seccomp_attr_set(context, ATTRIBUTE_BAD_ARCH, badArch));
    if (options.optimize !== undefined) {
      check('seccomp_attr_set(CTL_OPTIMIZE)', api.seccomp_attr_set(context, ATTRIBUTE_OPTIMIZE, options.optimize));
    }
    const token = ARCH_TOKEN[plan.arch];
    const native = api.seccomp_arch_native();
    if (token !== native) {
      check(`seccomp_arch_add(${plan.arch})`, api.seccomp_arch_add(context, token));
      check('seccomp_arch_remove(native)', api.seccomp_arch_remove(context, native));
    }
    for (const entry of plan.rules) {
      const nr = nativeNumber(api, plan.arch, token, native, entry.nr);
      const status = api.seccomp_rule_add_exact_array(context, entry.action, nr, entry.comparisons.length, packComparisons(entry.comparisons));
      check(`seccomp_rule_add_exact_array(${plan.arch} ${entry.nr})`, status);
    }
    return context;
  } catch (error) {
    api.seccomp_release(context);
    throw error;
  }
}

/** nativeNumber maps an arch's syscall number to the native number libseccomp's API expects. */
function nativeNumber(api: LibseccompApi, arch: ArchName, token: number, native: number, nr: number): number {
  if (token === native) return nr;
  const name = api.seccomp_syscall_resolve_num_arch(token, nr);
  const translated = name === null ? NR_SCMP_ERROR : api.seccomp_syscall_resolve_name_arch(native, name);
  const back = name === null ? NR_SCMP_ERROR : api.seccomp_syscall_resolve_name_arch(token, name);
  if (translated < 0 || back >>> 0 !== nr >>> 0) {
    throw new NotExpressibleError(`libseccomp cannot name ${arch} syscall ${nr} in the native numbering`);
  }
  return translated;
}

function packComparisons(comparisons: readonly ScmpComparison[]): Buffer {
  const buffer = Buffer.alloc(COMPARISON_SIZE * Math.max(1, comparisons.length));
  comparisons.forEach((entry, index) => {
    const base = COMPARISON_SIZE * index;
    buffer.writeUInt32LE(entry.argument, base);
    buffer.writeUInt32LE(entry.operator, base + 4);
    buffer.writeBigUInt64LE(entry.datumA, base + 8);
    buffer.writeBigUInt64LE(entry.datumB, base + 16);
  });
  return buffer;
}

/** exportProgram writes the program to a scratch file (2.5.4 cannot export to memory) and reads it back. */
function exportProgram(api: LibseccompApi, context: Pointer): Uint8Array {
  const directory = mkdtempSync(join(tmpdir(), 'libseccomp-oracle-'));
  try {
    const path = join(directory, 'filter.bpf');
    const fd = openSync(path, 'w+');
    try {
      check('seccomp_export_bpf', api.seccomp_export_bpf(context, fd));
    } finally {
      closeSync(fd);
    }
    return new Uint8Array(readFileSync(path));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function check(call: string, status: number): void {
  if (status !== 0) fail(call, status);
}

function fail(call: string, status: number): never {
  const name = Object.entries(constants.errno).find(([, value]) => value === -status)?.[0] ?? `error ${status}`;
  throw new LibseccompError(`${call} failed: ${name}`);
}
