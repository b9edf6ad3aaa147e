/**
 * Resolving a profile for one host, as Docker does before it hands the
 * profile to runc: pick the arches (`architectures`, or the `archMap` entry of
 * the host arch with its sub-architectures), and keep the syscall entries
 * whose `includes` hold and whose `excludes` do not, judged on the host arch,
 * the container's bounding capabilities and the kernel version.
 */
import type { ArchName } from '../ir/model.js';
import type { OciFilter, OciProfile, OciSyscall } from './profile.js';
import { OciProfileError } from './profile.js';

/** The `SCMP_ARCH_*` names this project can filter, and the arch each stands for. */
export const OCI_ARCHES: Readonly<Record<string, ArchName>> = {
  SCMP_ARCH_X86_64: 'x86_64',
  SCMP_ARCH_X86: 'i386',
  SCMP_ARCH_X32: 'x32',
  SCMP_ARCH_AARCH64: 'aarch64',
  SCMP_ARCH_ARM: 'arm',
  SCMP_ARCH_RISCV64: 'riscv64',
};

/** The names Docker gives the host arch in `includes.arches` / `excludes.arches` (libseccomp's arch names). */
export const DOCKER_ARCH_NAMES: Readonly<Record<ArchName, string>> = {
  x86_64: 'amd64',
  i386: 'x86',
  x32: 'x32',
  aarch64: 'arm64',
  arm: 'arm',
  riscv64: 'riscv64',
};

/**
 * DOCKER_DEFAULT_CAPABILITIES is the bounding set Docker gives a container by
 * default; `includes.caps` and `excludes.caps` are judged against it unless
 * other capabilities are given.
 */
export const DOCKER_DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** What `includes` and `excludes` are judged on. */
export interface HostOptions {
  /** The host arch: picks the `archMap` entry and matches `includes.arches`. Default x86_64. */
  readonly hostArch?: ArchName;
  /** The container's bounding capabilities. Default DOCKER_DEFAULT_CAPABILITIES. */
  readonly capabilities?: readonly string[];
  /** The host kernel version, `MAJOR.MINOR`. Default 6.1 (the syscall tables' kernel). */
  readonly kernel?: string;
}

/** A profile resolved for a host: the arches it serves and the entries that apply, in profile order. */
export interface ResolvedProfile {
  /** The arches of the filter, in the order runc adds them; those this project cannot filter are in `unsupportedArches`. */
  readonly arches: readonly ArchName[];
  readonly unsupportedArches: readonly string[];
  /** The entries that apply, each with its position in the profile. */
  readonly entries: readonly { readonly entry: OciSyscall; readonly position: number }[];
  /** Entries left out, with the reason, for the policy's header. */
  readonly dropped: readonly { readonly position: number; readonly names: readonly string[]; readonly reason: string }[];
}

function kernelAtLeast(host: readonly [number, number], wanted: string): boolean {
  const [major, minor] = wanted.split('.').map((part) => Number.parseInt(part, 10));
  return host[0] > major! || (host[0] === major && host[1] >= minor!);
}

function parseKernel(version: string): [number, number] {
  const match = /^(\d+)\.(\d+)/.exec(version);
  if (match === null) throw new OciProfileError('E_OCI_OPTION', '', `kernel version must look like 6.1, not '${version}'`);
  return [Number(match[1]), Number(match[2])];
}

/** whyExcluded gives the reason Docker would leave an entry out on this host, or undefined when it keeps it. */
function whyExcluded(entry: OciSyscall, arch: string, capabilities: ReadonlySet<string>, kernel: [number, number]): string | undefined {
  const { includes, excludes } = entry;
  if (excludes.arches.includes(arch)) return `excluded on ${arch}`;
  const excludedCap = excludes.caps.find((cap) => capabilities.has(cap));
  if (excludedCap !== undefined) return `excluded with ${excludedCap}`;
  if (excludes.minKernel !== undefined && kernelAtLeast(kernel, excludes.minKernel)) return `excluded from kernel ${excludes.minKernel}`;
  if (includes.arches.length > 0 && !includes.arches.includes(arch)) return `only on ${includes.arches.join(', ')}`;
  const missingCap = includes.caps.find((cap) => !capabilities.has(cap));
  if (missingCap !== undefined) return `needs ${includes.caps.join(' and ')}`;
  if (includes.minKernel !== undefined && !kernelAtLeast(kernel, includes.minKernel)) return `needs kernel ${includes.minKernel}`;
  return undefined;
}

function emptyFilter(filter: OciFilter): boolean {
  return filter.caps.length === 0 && filter.arches.length === 0 && filter.minKernel === undefined;
}

/** hasHostFilters says whether any entry of a profile depends on the host (Docker's includes/excludes). */
export function hasHostFilters(profile: OciProfile): boolean {
  return profile.syscalls.some((entry) => !emptyFilter(entry.includes) || !emptyFilter(entry.excludes));
}

/**
 * resolveProfile applies Docker's host filters and picks the arches.
 * Without `architectures` or a matching `archMap` entry the filter serves the
 * host arch alone, as libseccomp's native arch.
 */
export function resolveProfile(profile: OciProfile, options: HostOptions = {}): ResolvedProfile {
  const hostArch = options.hostArch ?? 'x86_64';
  const dockerArch = DOCKER_ARCH_NAMES[hostArch];
  const capabilities = new Set(options.capabilities ?? DOCKER_DEFAULT_CAPABILITIES);
  const kernel = parseKernel(options.kernel ?? '6.1');
  let names: readonly string[] = profile.architectures;
  if (profile.archMap.length > 0) {
    const selected = profile.archMap.find((entry) => OCI_ARCHES[entry.architecture] === hostArch);
    names = selected === undefined ? [] : [selected.architecture, ...selected.subArchitectures];
  }
  const arches: ArchName[] = [hostArch];
  const unsupportedArches: string[] = [];
  for (const name of names) {
    const arch = OCI_ARCHES[name];
    if (arch === undefined) unsupportedArches.push(name);
    else if (!arches.includes(arch)) arches.push(arch);
  }
  const entries: { entry: OciSyscall; position: number }[] = [];
  const dropped: { position: number; names: readonly string[]; reason: string }[] = [];
  profile.syscalls.forEach((entry, position) => {
    const reason = whyExcluded(entry, dockerArch, capabilities, kernel);
    if (reason === undefined) entries.push({ entry, position });
    else dropped.push({ position, names: entry.names, reason });
  });
  return { arches, unsupportedArches, entries, dropped };
}
