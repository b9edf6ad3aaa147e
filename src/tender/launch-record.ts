/**
 * The launch record: everything the native tender needs to set up the guest,
 * in one little-endian buffer it reads from fd 3.
 *
 *     header (64 bytes)
 *       0  u8[8] magic "NBLAUNCH"      32  u64 blob_size
 *       8  u32 version 1               40  u32 elf_fd
 *      12  u32 header_size 64          44  u32 segment_count
 *      16  u64 mem_size                48  u32 filter_len
 *      24  u64 entry                   52  u32 flags 0
 *                                      56  u64 reserved 0
 *     segments (48 bytes each)
 *       0 u64 file_offset   8 u64 vaddr   16 u64 filesz   24 u64 memsz
 *      32 u32 map_start_page   36 u32 map_end_page   40 u32 prot   44 u32 0
 *     blob (blob_size bytes), copied to guest address 0x11000
 *     filter (filter_len sock_filter records, 8 bytes each)
 */
import { BOOT_INFO_BASE, GUEST_MIN_BASE, MAX_LOAD_SEGMENTS, PAGE_SIZE } from './abi.js';
import type { LoadSegment } from './segments.js';
import { PROT_EXEC, PROT_WRITE } from './segments.js';

/** LAUNCH_MAGIC opens every launch record. */
export const LAUNCH_MAGIC = 'NBLAUNCH';
/** LAUNCH_VERSION is the record layout version. */
export const LAUNCH_VERSION = 1;
/** LAUNCH_HEADER_SIZE is the size of the record header. */
export const LAUNCH_HEADER_SIZE = 64;
/** LAUNCH_SEGMENT_SIZE is the size of one segment entry. */
export const LAUNCH_SEGMENT_SIZE = 48;
/** LAUNCH_MAX_BLOB is the largest boot blob: it must fit in guest memory below 1 MiB. */
export const LAUNCH_MAX_BLOB = 0x10000;
/** LAUNCH_MAX_FILTER is the most guest filter instructions (the kernel's BPF_MAXINSNS). */
export const LAUNCH_MAX_FILTER = 4096;

/** LaunchRecord is what the encoder writes. */
export interface LaunchRecord {
  readonly memSize: bigint;
  readonly entry: bigint;
  readonly elfFd: number;
  readonly segments: readonly LoadSegment[];
  readonly blob: Uint8Array;
  /** The guest filter in the kernel's layout (8 bytes an instruction). */
  readonly filter: Uint8Array;
}

/**
 * encodeLaunchRecord lays a record out as the tender reads it, asserting the
 * bounds the tender re-checks (a violation here is a bug in the launcher).
 */
export function encodeLaunchRecord(record: LaunchRecord): Uint8Array {
  const { segments, blob, filter } = record;
  const page = BigInt(PAGE_SIZE);
  if (record.memSize % page !== 0n || record.memSize <= BigInt(GUEST_MIN_BASE)) throw new RangeError('launch record: bad mem_size');
  if (record.entry < BigInt(GUEST_MIN_BASE) || record.entry >= record.memSize) throw new RangeError('launch record: entry out of range');
  if (segments.length < 1 || segments.length > MAX_LOAD_SEGMENTS) throw new RangeError('launch record: segment count');
  if (blob.length > Math.min(LAUNCH_MAX_BLOB, GUEST_MIN_BASE - BOOT_INFO_BASE)) throw new RangeError('launch record: blob too large');
  if (filter.length % 8 !== 0 || filter.length < 8 || filter.length > LAUNCH_MAX_FILTER * 8) throw new RangeError('launch record: filter length');
  const size = LAUNCH_HEADER_SIZE + segments.length * LAUNCH_SEGMENT_SIZE + blob.length + filter.length;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set(Buffer.from(LAUNCH_MAGIC, 'latin1'), 0);
  view.setUint32(8, LAUNCH_VERSION, true);
  view.setUint32(12, LAUNCH_HEADER_SIZE, true);
  view.setBigUint64(16, record.memSize, true);
  view.setBigUint64(24, record.entry, true);
  view.setBigUint64(32, BigInt(blob.length), true);
  view.setUint32(40, record.elfFd, true);
  view.setUint32(44, segments.length, true);
  view.setUint32(48, filter.length / 8, true);
  view.setUint32(52, 0, true);
  view.setBigUint64(56, 0n, true);
  segments.forEach((segment, index) => {
    const at = LAUNCH_HEADER_SIZE + index * LAUNCH_SEGMENT_SIZE;
    if ((segment.prot & (PROT_WRITE | PROT_EXEC)) === (PROT_WRITE | PROT_EXEC)) throw new RangeError('launch record: W+X segment');
    view.setBigUint64(at, segment.fileOffset, true);
    view.setBigUint64(at + 8, segment.vaddr, true);
    view.setBigUint64(at + 16, segment.filesz, true);
    view.setBigUint64(at + 24, segment.memsz, true);
    view.setUint32(at + 32, Number(segment.mapStart / page), true);
    view.setUint32(at + 36, Number(segment.mapEnd / page), true);
    view.setUint32(at + 40, segment.prot, true);
    view.setUint32(at + 44, 0, true);
  });
  const blobAt = LAUNCH_HEADER_SIZE + segments.length * LAUNCH_SEGMENT_SIZE;
  bytes.set(blob, blobAt);
  bytes.set(filter, blobAt + blob.length);
  return bytes;
}
