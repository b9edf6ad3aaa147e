/**
 * The spt launcher: check a Solo5 spt unikernel, plan its launch, and run it
 * under the native tender confined by two seccomp filters compiled from
 * policies/solo5-spt.policy (the guest) and policies/spt-tender.policy (the
 * tender's own start-up plus the guest).
 */
export { runUnikernel, describeLaunch, signalName, type RunOptions, type RunResult, type OutputMode, type OutputSink } from './run.js';
export { measureLaunchTime, type LaunchTiming } from './timing.js';
export { parseRunArguments, type RunArguments, type BlockOption, type NetOption } from './arguments.js';
export { describePlan } from './describe.js';
export { planLaunch, fdLayout, memorySize, type LaunchPlan, type FdLayout, type PlannedDevice, type PlanInput } from './plan.js';
export { readSptImage, type SptImage } from './image.js';
export { readElf, type ElfFile, type ProgramHeader } from './elf.js';
export { planLoad, type LoadPlan, type LoadSegment } from './segments.js';
export { parseManifest, fillManifest, type Manifest, type ManifestEntry, type Attachment } from './manifest.js';
export { encodeLaunchRecord, type LaunchRecord } from './launch-record.js';
export { bootBlob, type BootInfo } from './boot.js';
export { loadLaunchPolicies, compileLaunchFilters, type LaunchPolicies, type LaunchFilters, type GuestParams, type TenderParams } from './policies.js';
export { TenderError, LaunchRefused, LaunchUsageError, LaunchIoError } from './errors.js';
