/**
 * OCI / Docker seccomp profiles: `importProfile` turns one into a policy with
 * the meaning runc gives it; `ociProfileText` writes a bound rule model back
 * as a profile.
 */
export { parseProfile, OciProfileError, OCI_ACTIONS, OCI_OPERATORS } from './profile.js';
export type { OciAction, OciArg, OciFilter, OciOperator, OciProfile, OciSyscall, OciArchMapEntry } from './profile.js';
export { resolveProfile, DOCKER_DEFAULT_CAPABILITIES, OCI_ARCHES, DOCKER_ARCH_NAMES } from './resolve.js';
export type { HostOptions, ResolvedProfile } from './resolve.js';
export { importProfile } from './import.js';
export type { ImportOptions, ImportResult } from './import.js';
export type { WidthMode } from './conditions.js';
export { exportOciProfile, ociProfileText, OciExportError } from './export.js';
