/**
 * importProfile: an OCI / Docker seccomp profile as a policy with the meaning
 * runc gives it on a host. The stages: parse the JSON (profile.ts), resolve
 * Docker's host filters and the arches (resolve.ts), collect the libseccomp
 * rules runc adds and merge them per syscall as libseccomp does (rules.ts),
 * then write the text (render.ts).
 */
import { archTable } from '../arch/index.js';
import type { Action, ArchName } from '../ir/model.js';
import { action, sameAction } from '../ir/model.js';
import type { WidthMode } from './conditions.js';
import { libseccompWidth } from './conditions.js';
import type { OciProfile } from './profile.js';
import { OciProfileError, parseProfile } from './profile.js';
import type { HostOptions } from './resolve.js';
import { DOCKER_DEFAULT_CAPABILITIES, hasHostFilters, resolveProfile } from './resolve.js';
import type { RuleLine } from './render.js';
import { actionText, ruleLines, writeRules } from './render.js';
import { decideSyscall, ociAction, runcRules } from './rules.js';

/** Options of an import. */
export interface ImportOptions extends HostOptions {
  /** How 32-bit arguments are compared (see conditions.ts). Default `kernel`. */
  readonly widths?: WidthMode;
  /**
   * Reproduce runc's -ENOSYS stub: syscalls numbered above the largest one
   * the profile names on an arch fail with ENOSYS instead of the default
   * (unless the default is allow, log or trace). Written as rules for every
   * number up to the end of the syscall tables. Default false.
   */
  readonly enosys?: boolean;
  /** The policy's name. Default: from `source`, else `imported`. */
  readonly name?: string;
  /** The profile's file name, for the header comment. */
  readonly source?: string;
}

/** ImportResult is the policy text, the arches it serves, and what the import could not carry over. */
export interface ImportResult {
  readonly text: string;
  readonly arches: readonly ArchName[];
  readonly warnings: readonly string[];
}

function policyName(options: ImportOptions): string {
  if (options.name !== undefined) return options.name;
  const base = (options.source ?? 'imported').replace(/^.*\//, '').replace(/\.json$/, '');
  const cleaned = base.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `profile_${cleaned}`;
}

/** enosysLines writes runc's -ENOSYS stub for one arch: every number above the profile's largest. */
function enosysLines(arch: ArchName, profile: OciProfile, resolvedNames: readonly string[]): RuleLine[] {
  const table = archTable(arch);
  let largest = -1;
  for (const name of resolvedNames) largest = Math.max(largest, table.byName.get(name)?.number ?? -1);
  if (largest < 0 || profile.syscalls.length === 0) return [];
  const last = table.syscalls[table.syscalls.length - 1]!.number;
  const lines: RuleLine[] = [];
  for (let number = largest + 1; number <= last; number++) {
    const info = table.byNumber.get(number);
    const raw = arch === 'x32' ? number & ~0x4000_0000 : number;
    lines.push({ action: 'errno(ENOSYS)', target: info?.name ?? `syscall(${raw})` });
  }
  return lines;
}

function header(profile: OciProfile, options: ImportOptions, arches: readonly ArchName[]): string[] {
  const lines = [`# Imported from ${options.source ?? 'an OCI seccomp profile'} by nabla-seccomp import, with runc's meaning.`];
  if (hasHostFilters(profile)) {
    const caps = options.capabilities ?? DOCKER_DEFAULT_CAPABILITIES;
    lines.push(
      `# Resolved for host arch ${options.hostArch ?? 'x86_64'}, kernel ${options.kernel ?? '6.1'},`,
      `# capabilities ${caps.length === 0 ? 'none' : caps.join(' ')}.`,
    );
  }
  lines.push(`# Arguments are compared ${options.widths === 'libseccomp' ? 'as libseccomp does (whole registers)' : 'as the kernel reads them'}.`);
  if (arches.length > 1) lines.push(`# Serves ${arches.join(', ')}; other arches are killed, as libseccomp does.`);
  return lines;
}

/**
 * importProfile translates a profile (JSON text or parsed) into policy text.
 * Throws OciProfileError for a profile runc would refuse or whose meaning
 * depends on libseccomp's tree layout (E_OCI_AMBIGUOUS).
 *
 *     importProfile(readFileSync('default.json', 'utf8'), { source: 'default.json' }).text
 */
export function importProfile(input: string | OciProfile, options: ImportOptions = {}): ImportResult {
  const profile = typeof input === 'string' ? parseProfile(input) : input;
  const mode = options.widths ?? 'kernel';
  if (profile.defaultAction === 'SCMP_ACT_NOTIFY') {
    throw new OciProfileError('E_OCI_DEFAULT', 'defaultAction', 'runc refuses SCMP_ACT_NOTIFY as the default action');
  }
  const defaultAction: Action = ociAction(profile.defaultAction, profile.defaultErrnoRet, 'defaultAction');
  const resolved = resolveProfile(profile, options);
  const rules = runcRules(resolved, defaultAction);
  const warnings: string[] = [];
  if (resolved.unsupportedArches.length > 0) {
    warnings.push(`arches left out (no syscall tables for them): ${resolved.unsupportedArches.join(', ')}`);
  }
  if (rules.unknownNames.length > 0) warnings.push(`syscalls no served arch knows, skipped as runc does: ${rules.unknownNames.join(', ')}`);
  if (profile.flags.length > 0) warnings.push(`filter flags are not part of a policy: ${profile.flags.join(', ')}`);
  const comments = new Map(resolved.entries.flatMap(({ entry, position }) => (entry.comment === undefined ? [] : [[position, entry.comment] as const])));
  const perArch = new Map<ArchName, RuleLine[]>();
  for (const arch of resolved.arches) {
    const lines: RuleLine[] = [];
    const table = rules.byArch.get(arch)!;
    for (const name of [...table.keys()].sort()) {
      lines.push(...ruleLines(arch, name, decideSyscall(name, arch, table.get(name)!, libseccompWidth(arch)), mode, comments));
    }
    const permissive = ['allow', 'log', 'trace'].includes(defaultAction.kind);
    if (options.enosys === true && !permissive && !sameAction(defaultAction, action('errno', 38))) {
      const names = resolved.entries.flatMap(({ entry }) => entry.names);
      lines.push(...enosysLines(arch, profile, names));
    }
    perArch.set(arch, lines);
  }
  const text = [
    ...header(profile, options, resolved.arches),
    ...resolved.dropped.map(({ position, names, reason }) => `# Left out syscalls[${position}] (${names.join(', ')}): ${reason}.`),
    ...(rules.unknownNames.length > 0 ? [`# Unknown to every served arch, skipped: ${rules.unknownNames.join(', ')}.`] : []),
    '',
    `policy ${policyName(options)}`,
    `arch ${resolved.arches.join(', ')}`,
    `default ${actionText(defaultAction)}`,
    'badarch kill_thread',
    '',
    ...writeRules(perArch, resolved.arches),
    '',
  ].join('\n');
  return { text, arches: resolved.arches, warnings };
}
