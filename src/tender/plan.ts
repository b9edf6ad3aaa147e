/**
 * The launch plan: every decision of a launch made in one pure step from the
 * checked executable and the opened devices: guest memory, the fd layout
 * the tender and the guest see, the filled manifest, the boot blob, both
 * filters and the launch record.
 */
import { DEFAULT_MEMORY_MIB, MAX_MEMORY_MIB, MIN_MEMORY_MIB } from './abi.js';
import { bootBlob } from './boot.js';
import type { OpenDevice } from './devices.js';
import { LaunchUsageError } from './errors.js';
import type { SptImage } from './image.js';
import { encodeLaunchRecord } from './launch-record.js';
import { fillManifest, type Attachment } from './manifest.js';
import { compileLaunchFilters, type LaunchFilters, type LaunchPolicies } from './policies.js';
import { planLoad, type LoadSegment } from './segments.js';

/** FdLayout is the fd numbers inside the tender (and, for devices, epoll and timer, the guest). */
export interface FdLayout {
  readonly stdin: 0;
  readonly stdout: 1;
  readonly stderr: 2;
  readonly record: 3;
  /** Device fds in manifest order, from 4. */
  readonly devices: readonly number[];
  readonly epoll: number;
  readonly timer: number;
  readonly elf: number;
  readonly exec: number;
}

/** PlannedDevice is a device as the plan (and the guest) sees it. */
export interface PlannedDevice {
  readonly name: string;
  readonly source: string;
  readonly attachment: Attachment;
}

/** LaunchPlan is everything decided before the tender starts. */
export interface LaunchPlan {
  readonly kernel: string;
  /** The executable's bytes, exactly as checked: the tender reads its segments from these. */
  readonly executable: Uint8Array;
  readonly memSize: bigint;
  readonly entry: bigint;
  readonly kernelEnd: bigint;
  readonly args: readonly string[];
  readonly segments: readonly LoadSegment[];
  readonly devices: readonly PlannedDevice[];
  readonly fds: FdLayout;
  /** The manifest as the guest receives it, with devices filled in. */
  readonly manifest: Uint8Array;
  readonly blob: Uint8Array;
  readonly filters: LaunchFilters;
  readonly policies: { readonly guest: string; readonly tender: string };
  /** The encoded launch record. */
  readonly record: Uint8Array;
}

/** PlanInput is what a plan is made from. */
export interface PlanInput {
  readonly kernel: string;
  readonly image: SptImage;
  readonly memoryMiB?: number;
  readonly args?: readonly string[];
  /** Opened devices, in manifest order. */
  readonly devices: readonly Pick<OpenDevice, 'name' | 'source' | 'attachment'>[];
  readonly policies: LaunchPolicies;
}

/** memorySize turns `--mem` MiB into bytes, refusing sizes outside 2 MiB … 64 GiB. */
export function memorySize(memoryMiB: number = DEFAULT_MEMORY_MIB): bigint {
  if (!Number.isInteger(memoryMiB) || memoryMiB < MIN_MEMORY_MIB || memoryMiB > MAX_MEMORY_MIB) {
    throw new LaunchUsageError(`--mem must be ${MIN_MEMORY_MIB} to ${MAX_MEMORY_MIB} MiB, not ${memoryMiB}`);
  }
  return BigInt(memoryMiB) << 20n;
}

/** fdLayout numbers the tender's fds: 0-2 stdio, 3 the record, devices from 4, then epoll, timer, ELF, exec. */
export function fdLayout(deviceCount: number): FdLayout {
  const devices = Array.from({ length: deviceCount }, (_, i) => 4 + i);
  const epoll = 4 + deviceCount;
  return Object.freeze({ stdin: 0, stdout: 1, stderr: 2, record: 3, devices, epoll, timer: epoll + 1, elf: epoll + 2, exec: epoll + 3 });
}

/**
 * planLaunch decides a launch: segments for the memory size, the fd layout,
 * the manifest with each device's fd in that layout, the boot blob, both
 * filters bound to the same fds, and the launch record. Throws
 * LaunchRefused or LaunchUsageError.
 */
export function planLaunch(input: PlanInput): LaunchPlan {
  const memSize = memorySize(input.memoryMiB);
  const load = planLoad(input.image.elf, memSize);
  const fds = fdLayout(input.devices.length);
  const devices = input.devices.map((device, i) => ({
    name: device.name,
    source: device.source,
    attachment: { ...device.attachment, fd: fds.devices[i]! },
  }));
  const manifest = fillManifest(input.image.manifest, devices.map((d) => d.attachment));
  const args = input.args ?? [];
  const blob = bootBlob({ memSize, kernelEnd: load.kernelEnd, epollFd: fds.epoll, timerFd: fds.timer, manifest, args });
  const nets: number[] = [];
  const blocks: { fd: number; block_size: bigint; capacity: bigint }[] = [];
  for (const { attachment } of devices) {
    if (attachment.kind === 'net') nets.push(attachment.fd);
    else blocks.push({ fd: attachment.fd, block_size: BigInt(attachment.blockSize), capacity: attachment.capacity });
  }
  const filters = compileLaunchFilters(
    input.policies,
    { epoll: fds.epoll, timer: fds.timer, nets, blocks },
    { tender_exec: fds.exec, tender_elf: fds.elf, memory_size: memSize },
  );
  const record = encodeLaunchRecord({
    memSize,
    entry: input.image.elf.entry,
    elfFd: fds.elf,
    segments: load.segments,
    blob,
    filter: filters.guest.bytes,
  });
  return Object.freeze({
    kernel: input.kernel,
    executable: input.image.elf.bytes,
    memSize,
    entry: input.image.elf.entry,
    kernelEnd: load.kernelEnd,
    args,
    segments: load.segments,
    devices,
    fds,
    manifest,
    blob,
    filters,
    policies: { guest: input.policies.guest.file, tender: input.policies.tender.file },
    record,
  });
}
