/**
 * The loadable segments of an spt executable for a given guest memory size,
 * checked with upstream's loader rules: only PT_LOAD with file contents,
 * inside [1 MiB, mem_size), in order, not overlapping, page aligned, and
 * never writable and executable at once.
 */
import { GUEST_MIN_BASE, MAX_LOAD_SEGMENTS, PAGE_SIZE } from './abi.js';
import { fitsInFile, PF_R, PF_W, PF_X, PT_LOAD, type ElfFile, type ProgramHeader } from './elf.js';
import { LaunchRefused } from './errors.js';

/** Protection bits as mmap/mprotect take them. */
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

/** LoadSegment is one segment the tender copies and protects. */
export interface LoadSegment {
  readonly programHeader: number;
  readonly fileOffset: bigint;
  readonly vaddr: bigint;
  readonly filesz: bigint;
  readonly memsz: bigint;
  /** First byte of the protected range (vaddr aligned down to p_align). */
  readonly mapStart: bigint;
  /** End of the protected range, exclusive (vaddr + memsz aligned up to p_align). */
  readonly mapEnd: bigint;
  readonly prot: number;
}

/** LoadPlan is every loadable segment and the end of the highest one (the boot info's kernel_end). */
export interface LoadPlan {
  readonly segments: readonly LoadSegment[];
  readonly kernelEnd: bigint;
}

const U64_MAX = (1n << 64n) - 1n;

function hex(value: bigint): string {
  return `0x${value.toString(16)}`;
}

function protection(flags: number): number {
  return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
}

function checkSegment(header: ProgramHeader, memSize: bigint, previousEnd: bigint, previousVaddr: bigint, fileLength: number): LoadSegment {
  const where = `segment ${header.index}`;
  const refuse = (problem: string): never => {
    throw new LaunchRefused(`${where} ${problem}`);
  };
  const { vaddr, filesz, memsz, align } = header;
  if (vaddr < BigInt(GUEST_MIN_BASE)) refuse(`loads at ${hex(vaddr)}, below the guest's lowest address ${hex(BigInt(GUEST_MIN_BASE))}`);
  if (vaddr < previousVaddr) refuse(`loads at ${hex(vaddr)}, below the segment before it (${hex(previousVaddr)})`);
  if (align === 0n || (align & (align - 1n)) !== 0n) refuse(`has an alignment of ${align}, not a power of two`);
  const mapStart = vaddr & ~(align - 1n);
  if (mapStart < BigInt(GUEST_MIN_BASE)) refuse(`starts at ${hex(mapStart)} once aligned, below ${hex(BigInt(GUEST_MIN_BASE))}`);
  if (mapStart < previousEnd) refuse(`overlaps the segment before it (starts at ${hex(mapStart)}, before ${hex(previousEnd)})`);
  if (vaddr >= memSize) refuse(`loads at ${hex(vaddr)}, outside guest memory (${hex(memSize)} bytes)`);
  if (filesz > memSize - vaddr) refuse(`holds ${filesz} bytes from ${hex(vaddr)}, past the end of guest memory (${hex(memSize)})`);
  if (memsz < filesz) refuse(`has p_memsz ${memsz} smaller than p_filesz ${filesz}`);
  if (memsz > U64_MAX - vaddr - (align - 1n)) refuse(`has a p_memsz of ${hex(memsz)} that overflows the address space`);
  const mapEnd = (vaddr + memsz + align - 1n) & ~(align - 1n);
  if (mapEnd > memSize) refuse(`ends at ${hex(mapEnd)}, past the end of guest memory (${hex(memSize)})`);
  const page = BigInt(PAGE_SIZE);
  if (mapStart % page !== 0n || mapEnd % page !== 0n) refuse(`is not page aligned (${hex(mapStart)}..${hex(mapEnd)})`);
  if ((header.flags & PF_W) !== 0 && (header.flags & PF_X) !== 0) refuse('requests WRITE and EXEC permissions');
  if (!fitsInFile(header.offset, filesz, fileLength)) refuse(`lies past the end of the file (offset ${header.offset}, ${filesz} bytes)`);
  return Object.freeze({
    programHeader: header.index,
    fileOffset: header.offset,
    vaddr,
    filesz,
    memsz,
    mapStart,
    mapEnd,
    prot: protection(header.flags),
  });
}

/**
 * planLoad checks every PT_LOAD with p_filesz != 0 against a guest of
 * `memSize` bytes and the entry point, and returns what the tender must load.
 * Segments without file contents (a .tdata at 0, a .bss) are skipped, as
 * upstream does: the zeroed RW guest memory already serves them.
 */
export function planLoad(elf: ElfFile, memSize: bigint): LoadPlan {
  const segments: LoadSegment[] = [];
  let previousEnd = 0n;
  let previousVaddr = 0n;
  for (const header of elf.programHeaders) {
    if (header.type !== PT_LOAD || header.filesz === 0n) continue;
    const segment = checkSegment(header, memSize, previousEnd, previousVaddr, elf.bytes.length);
    segments.push(segment);
    previousEnd = segment.mapEnd;
    previousVaddr = segment.vaddr;
  }
  if (segments.length === 0) throw new LaunchRefused('the executable has no loadable segment');
  if (segments.length > MAX_LOAD_SEGMENTS) {
    throw new LaunchRefused(`the executable has ${segments.length} loadable segments, more than ${MAX_LOAD_SEGMENTS}`);
  }
  if (elf.entry < BigInt(GUEST_MIN_BASE) || elf.entry >= memSize) {
    throw new LaunchRefused(`entry point ${hex(elf.entry)} is outside guest memory [${hex(BigInt(GUEST_MIN_BASE))}, ${hex(memSize)})`);
  }
  return Object.freeze({ segments: Object.freeze(segments), kernelEnd: previousEnd });
}
