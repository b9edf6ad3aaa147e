/**
 * A test-only encoder for the tender's launch record (native/tender/launch.h),
 * with just enough ELF reading and boot-blob building to launch the test
 * guests by hand. Every field can be set to any value, so tests can also
 * write malformed records.
 */
import { readFileSync } from 'node:fs';

/** SegmentFields are the fields of one launch_segment (48 bytes). */
export interface SegmentFields {
  fileOffset: bigint;
  vaddr: bigint;
  filesz: bigint;
  memsz: bigint;
  mapStartPage: number;
  mapEndPage: number;
  prot: number;
  reserved: number;
}

/** LaunchFields are everything a launch record holds; counts default to the real lengths. */
export interface LaunchFields {
  magic: string;
  version: number;
  headerSize: number;
  memSize: bigint;
  entry: bigint;
  elfFd: number;
  flags: number;
  reserved: bigint;
  segments: SegmentFields[];
  blob: Buffer;
  filter: Buffer;
  /** Overrides of the counts written in the header. */
  blobSize?: bigint;
  segmentCount?: number;
  filterLength?: number;
}

/** HEADER_SIZE and SEGMENT_SIZE are the record's fixed sizes. */
export const HEADER_SIZE = 64;
export const SEGMENT_SIZE = 48;
/** BOOT_INFO_BASE is where the blob lands in guest memory. */
export const BOOT_INFO_BASE = 0x11000n;

/** encodeLaunchRecord lays out a record exactly as given. */
export function encodeLaunchRecord(fields: LaunchFields): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  header.write(fields.magic.padEnd(8, '\0').slice(0, 8), 0, 'latin1');
  header.writeUInt32LE(fields.version, 8);
  header.writeUInt32LE(fields.headerSize, 12);
  header.writeBigUInt64LE(fields.memSize, 16);
  header.writeBigUInt64LE(fields.entry, 24);
  header.writeBigUInt64LE(fields.blobSize ?? BigInt(fields.blob.length), 32);
  header.writeUInt32LE(fields.elfFd, 40);
  header.writeUInt32LE(fields.segmentCount ?? fields.segments.length, 44);
  header.writeUInt32LE(fields.filterLength ?? fields.filter.length / 8, 48);
  header.writeUInt32LE(fields.flags, 52);
  header.writeBigUInt64LE(fields.reserved, 56);
  const segments = fields.segments.map((segment) => {
    const bytes = Buffer.alloc(SEGMENT_SIZE);
    bytes.writeBigUInt64LE(segment.fileOffset, 0);
    bytes.writeBigUInt64LE(segment.vaddr, 8);
    bytes.writeBigUInt64LE(segment.filesz, 16);
    bytes.writeBigUInt64LE(segment.memsz, 24);
    bytes.writeUInt32LE(segment.mapStartPage, 32);
    bytes.writeUInt32LE(segment.mapEndPage, 36);
    bytes.writeUInt32LE(segment.prot, 40);
    bytes.writeUInt32LE(segment.reserved, 44);
    return bytes;
  });
  return Buffer.concat([header, ...segments, fields.blob, fields.filter]);
}

/** GuestImage is what a launch needs from a guest's ELF file. */
export interface GuestImage {
  entry: bigint;
  segments: SegmentFields[];
  /** The MFT1 note payload (struct mft), to be filled in and copied. */
  manifest: Buffer;
  /** The end of the last loaded segment. */
  kernelEnd: bigint;
}

const PT_LOAD = 1;
const PT_NOTE = 4;
const MFT1 = 0x3154464d;

/** readGuestImage reads the entry, the PT_LOADs with file bytes, and the manifest. */
export function readGuestImage(path: string): GuestImage {
  const elf = readFileSync(path);
  const entry = elf.readBigUInt64LE(24);
  const programHeaders = Number(elf.readBigUInt64LE(32));
  const count = elf.readUInt16LE(56);
  const segments: SegmentFields[] = [];
  let manifest: Buffer | undefined;
  let kernelEnd = 0n;
  for (let index = 0; index < count; index++) {
    const base = programHeaders + 56 * index;
    const type = elf.readUInt32LE(base);
    const flags = elf.readUInt32LE(base + 4);
    const offset = elf.readBigUInt64LE(base + 8);
    const vaddr = elf.readBigUInt64LE(base + 16);
    const filesz = elf.readBigUInt64LE(base + 32);
    const memsz = elf.readBigUInt64LE(base + 40);
    const align = elf.readBigUInt64LE(base + 48);
    if (type === PT_NOTE && elf.readUInt32LE(Number(offset) + 8) === MFT1) {
      const descsz = elf.readUInt32LE(Number(offset) + 4);
      manifest = Buffer.from(elf.subarray(Number(offset) + 24, Number(offset) + 20 + descsz));
    }
    if (type !== PT_LOAD || filesz === 0n) continue;
    const start = vaddr & ~(align - 1n);
    const end = (vaddr + memsz + align - 1n) & ~(align - 1n);
    // ELF flags are X=1, W=2, R=4; PROT_* are R=1, W=2, X=4.
    const prot = ((flags & 4) >> 2) | (flags & 2) | ((flags & 1) << 2);
    segments.push({
      fileOffset: offset, vaddr, filesz, memsz,
      mapStartPage: Number(start >> 12n), mapEndPage: Number(end >> 12n), prot, reserved: 0,
    });
    if (end > kernelEnd) kernelEnd = end;
  }
  if (manifest === undefined) throw new Error(`${path} has no MFT1 note`);
  return { entry, segments, manifest, kernelEnd };
}

/** DeviceFill is what the tender side fills into one manifest entry. */
export type DeviceFill =
  | { index: number; kind: 'block'; capacity: bigint; blockSize: number; hostFd: number }
  | { index: number; kind: 'net'; mac: readonly number[]; mtu: number; hostFd: number };

/** BootSettings describe the boot info and the copy of the manifest. */
export interface BootSettings {
  memSize: bigint;
  kernelEnd: bigint;
  manifest: Buffer;
  cmdline: string;
  epollFd: number;
  timerFd: number;
  devices?: readonly DeviceFill[];
}

/** buildBootBlob lays out boot info, manifest copy (at 0x11028) and command line. */
export function buildBootBlob(settings: BootSettings): Buffer {
  const manifest = Buffer.from(settings.manifest);
  for (const device of settings.devices ?? []) {
    const base = 8 + 104 * device.index;
    if (device.kind === 'block') {
      manifest.writeBigUInt64LE(device.capacity, base + 72);
      manifest.writeUInt16LE(device.blockSize, base + 80);
    } else {
      Buffer.from(device.mac).copy(manifest, base + 72);
      manifest.writeUInt16LE(device.mtu, base + 78);
    }
    manifest.writeInt32LE(device.hostFd, base + 88);
    manifest.writeUInt8(1, base + 96);
  }
  const info = Buffer.alloc(40);
  const manifestAddress = BOOT_INFO_BASE + 40n;
  info.writeBigUInt64LE(settings.memSize, 0);
  info.writeBigUInt64LE(settings.kernelEnd, 8);
  info.writeBigUInt64LE(manifestAddress + BigInt(manifest.length), 16);
  info.writeBigUInt64LE(manifestAddress, 24);
  info.writeInt32LE(settings.epollFd, 32);
  info.writeInt32LE(settings.timerFd, 36);
  return Buffer.concat([info, manifest, Buffer.from(`${settings.cmdline}\0`, 'latin1')]);
}

/** validLaunchFields builds a correct record for a guest image; tests then break one field. */
export function validLaunchFields(image: GuestImage, options: {
  memSize: bigint; elfFd: number; filter: Buffer; boot: Omit<BootSettings, 'memSize' | 'kernelEnd' | 'manifest'>;
}): LaunchFields {
  return {
    magic: 'NBLAUNCH', version: 1, headerSize: HEADER_SIZE,
    memSize: options.memSize, entry: image.entry, elfFd: options.elfFd, flags: 0, reserved: 0n,
    segments: image.segments.map((segment) => ({ ...segment })),
    blob: buildBootBlob({ ...options.boot, memSize: options.memSize, kernelEnd: image.kernelEnd, manifest: image.manifest }),
    filter: options.filter,
  };
}
