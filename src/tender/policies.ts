/**
 * The two filters of a launch, checked once and bound per launch: the
 * guest's (`policies/solo5-spt.policy` or `--policy FILE`) and the tender's
 * (`policies/spt-tender.policy`, which includes the guest's policy after its
 * own rules). Binding and code generation are cached per distinct set of
 * values, so launching the same configuration again costs a map lookup.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { check } from '../check/index.js';
import type { CheckedPolicy } from '../check/index.js';
import { compileModel, type CompiledProgram } from '../codegen/index.js';
import { formatDiagnostics, hasErrors, type SourceTexts } from '../diagnostics.js';
import { bind } from '../ir/index.js';
import { DiagnosticError } from '../diagnostics.js';
import { loadPolicy } from '../syntax/index.js';
import { PolicySyntaxError } from '../syntax/index.js';
import { LaunchIoError, LaunchRefused, LaunchUsageError } from './errors.js';
import { GUEST_POLICY, shippedPath, TENDER_POLICY } from './paths.js';

/** GuestParams are the values the guest policy is bound to. */
export interface GuestParams {
  readonly epoll: number;
  readonly timer: number;
  readonly nets: readonly number[];
  readonly blocks: readonly { readonly fd: number; readonly block_size: bigint; readonly capacity: bigint }[];
}

/** TenderParams are the tender policy's own values. */
export interface TenderParams {
  readonly tender_exec: number;
  readonly tender_elf: number;
  readonly memory_size: bigint;
}

/** PreparedPolicy is a checked policy ready to bind, with the files it came from. */
export interface PreparedPolicy {
  readonly file: string;
  readonly policy: CheckedPolicy;
  readonly sources: SourceTexts;
  readonly cache: Map<string, CompiledProgram>;
}

/** LaunchPolicies are the guest's and the tender's prepared policies. */
export interface LaunchPolicies {
  readonly guest: PreparedPolicy;
  readonly tender: PreparedPolicy;
}

/** LaunchFilters are both filters of one launch. */
export interface LaunchFilters {
  readonly guest: CompiledProgram;
  readonly tender: CompiledProgram;
}

const ARCH = 'x86_64';
const CACHE_LIMIT = 32;
const prepared = new Map<string, LaunchPolicies>();

function readPolicyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code ?? String(error);
    throw new Error(code === 'ENOENT' ? 'no such file or directory' : code);
  }
}

function refuse(file: string, error: DiagnosticError, sources: SourceTexts): never {
  throw new LaunchRefused(`policy ${file} is invalid`, `${formatDiagnostics(error.diagnostics, sources)}\n`);
}

/** prepare loads and checks one policy file; `redirect` substitutes the text of given files. */
function prepare(file: string, redirect: ReadonlyMap<string, string> = new Map()): PreparedPolicy {
  let loaded;
  try {
    loaded = loadPolicy(file, (path) => redirect.get(path) ?? readPolicyFile(path));
  } catch (error) {
    if (error instanceof PolicySyntaxError) refuse(file, error, error.sources);
    throw new LaunchIoError(`cannot read policy ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const result = check(loaded, { arch: ARCH });
  if (!result.policy || hasErrors(result.diagnostics)) {
    refuse(file, new DiagnosticError(result.diagnostics.filter((d) => d.severity === 'error')), loaded.sources);
  }
  return { file, policy: result.policy, sources: loaded.sources, cache: new Map() };
}

/** includeText is a one-line policy that includes `path`. */
function includeText(path: string): string {
  if (/[\n\r]/.test(path)) throw new LaunchUsageError(`--policy: the path ${JSON.stringify(path)} holds a line break`);
  return `include "${path.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"\n`;
}

/**
 * loadLaunchPolicies checks the guest policy (`guestFile`, or the shipped
 * one) and the tender policy, whose `include "solo5-spt.policy"` then reads
 * the same guest policy. Results are kept per guest file for the process's
 * lifetime. Throws LaunchRefused with formatted diagnostics.
 */
export function loadLaunchPolicies(guestFile?: string): LaunchPolicies {
  const guestPath = resolve(guestFile ?? shippedPath(GUEST_POLICY));
  const known = prepared.get(guestPath);
  if (known) return known;
  const tenderPath = shippedPath(TENDER_POLICY);
  const shippedGuest = join(dirname(tenderPath), 'solo5-spt.policy');
  const redirect = new Map<string, string>();
  if (guestPath !== shippedGuest) redirect.set(shippedGuest, includeText(guestPath));
  const policies = { guest: prepare(guestPath), tender: prepare(tenderPath, redirect) };
  prepared.set(guestPath, policies);
  return policies;
}

/** bindings keeps only the values a policy declares params for (a custom guest policy may use fewer). */
function bindings(policy: CheckedPolicy, values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const declared = new Set(policy.params.map((p) => p.name));
  return Object.fromEntries(Object.entries(values).filter(([name]) => declared.has(name)));
}

function cacheKey(values: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(values, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value));
}

/** compilePrepared binds and compiles a prepared policy, through its cache. */
export function compilePrepared(prepared: PreparedPolicy, values: Readonly<Record<string, unknown>>): CompiledProgram {
  const bound = bindings(prepared.policy, values);
  const key = cacheKey(bound);
  const cached = prepared.cache.get(key);
  if (cached) return cached;
  let program: CompiledProgram;
  try {
    program = compileModel(bind(prepared.policy, bound));
  } catch (error) {
    if (error instanceof DiagnosticError) refuse(prepared.file, error, prepared.sources);
    if (error instanceof Error) throw new LaunchRefused(`policy ${prepared.file}: ${error.message}`);
    throw error;
  }
  if (prepared.cache.size >= CACHE_LIMIT) prepared.cache.delete(prepared.cache.keys().next().value!);
  prepared.cache.set(key, program);
  return program;
}

/** compileLaunchFilters binds both policies to one launch's values and compiles them. */
export function compileLaunchFilters(policies: LaunchPolicies, guest: GuestParams, tender: TenderParams): LaunchFilters {
  const guestValues = { epoll: guest.epoll, timer: guest.timer, nets: guest.nets, blocks: guest.blocks };
  return {
    guest: compilePrepared(policies.guest, guestValues),
    tender: compilePrepared(policies.tender, { ...guestValues, ...tender }),
  };
}
