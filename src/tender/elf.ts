/**
 * The ELF container of an spt unikernel: the file header and the program
 * headers, read from untrusted bytes with every offset and size checked
 * before use. Notes and segments are judged by notes.ts and segments.ts.
 */
import { LaunchRefused } from './errors.js';

/** ELF_HEADER_SIZE is e_ehsize of a 64-bit ELF file. */
export const ELF_HEADER_SIZE = 64;
/** PROGRAM_HEADER_SIZE is e_phentsize of a 64-bit ELF file. */
export const PROGRAM_HEADER_SIZE = 56;
/** EM_X86_64 is e_machine for x86_64, the only machine the tender runs. */
export const EM_X86_64 = 62;
/** ET_EXEC is e_type of a fixed-address executable. */
export const ET_EXEC = 2;
/** PT_LOAD, PT_NOTE: the program header types the loader reads. */
export const PT_LOAD = 1;
export const PT_NOTE = 4;
/** PF_X, PF_W, PF_R: program header permission flags. */
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

/** ProgramHeader is one Elf64_Phdr, 64-bit fields as bigint. */
export interface ProgramHeader {
  readonly index: number;
  readonly type: number;
  readonly flags: number;
  readonly offset: bigint;
  readonly vaddr: bigint;
  readonly filesz: bigint;
  readonly memsz: bigint;
  readonly align: bigint;
}

/** ElfFile is a checked header with its program headers. */
export interface ElfFile {
  readonly bytes: Uint8Array;
  readonly entry: bigint;
  readonly machine: number;
  readonly programHeaders: readonly ProgramHeader[];
}

const MACHINE_NAMES: Readonly<Record<number, string>> = { 3: 'i386', 40: 'arm', 62: 'x86_64', 183: 'aarch64', 21: 'ppc64', 243: 'riscv' };

function refuse(message: string): never {
  throw new LaunchRefused(message);
}

/** fitsInFile tells whether [offset, offset + size) lies inside a file of `length` bytes. */
export function fitsInFile(offset: bigint, size: bigint, length: number): boolean {
  return offset <= BigInt(length) && size <= BigInt(length) - offset;
}

/**
 * readElf checks the ELF header an spt tender requires (magic, ELFCLASS64,
 * little-endian, version 1, ET_EXEC, x86_64, the 64-bit header sizes, at
 * least one program header, all inside the file) and reads the program
 * headers. EI_OSABI and EI_ABIVERSION are ignored, as upstream does.
 * Throws LaunchRefused with a message naming the first problem.
 */
export function readElf(bytes: Uint8Array): ElfFile {
  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    refuse('not an ELF file (bad magic)');
  }
  if (bytes.length < ELF_HEADER_SIZE) refuse(`truncated ELF file: ${bytes.length} bytes, shorter than the 64-byte ELF header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[4] !== 2) refuse(`not a 64-bit ELF file (EI_CLASS ${bytes[4]})`);
  if (bytes[5] !== 1) refuse(`not a little-endian ELF file (EI_DATA ${bytes[5]})`);
  if (bytes[6] !== 1) refuse(`unsupported ELF identification version ${bytes[6]}`);
  const type = view.getUint16(16, true);
  if (type !== ET_EXEC) refuse(`not an executable ELF file (e_type ${type})`);
  const machine = view.getUint16(18, true);
  if (machine !== EM_X86_64) {
    const name = MACHINE_NAMES[machine];
    refuse(`ELF machine ${machine}${name ? ` (${name})` : ''} is not x86_64`);
  }
  const version = view.getUint32(20, true);
  if (version !== 1) refuse(`unsupported ELF version ${version}`);
  const entry = view.getBigUint64(24, true);
  const phoff = view.getBigUint64(32, true);
  const ehsize = view.getUint16(52, true);
  const phentsize = view.getUint16(54, true);
  const phnum = view.getUint16(56, true);
  if (ehsize !== ELF_HEADER_SIZE) refuse(`invalid ELF header size ${ehsize} (expected 64)`);
  if (phentsize !== PROGRAM_HEADER_SIZE) refuse(`invalid program header size ${phentsize} (expected 56)`);
  if (phnum < 1) refuse('the ELF file has no program headers');
  if (!fitsInFile(phoff, BigInt(phnum * PROGRAM_HEADER_SIZE), bytes.length)) {
    refuse(`truncated ELF file: ${phnum} program headers at offset ${phoff} run past its end (${bytes.length} bytes)`);
  }
  const programHeaders: ProgramHeader[] = [];
  for (let index = 0; index < phnum; index++) {
    const at = Number(phoff) + index * PROGRAM_HEADER_SIZE;
    programHeaders.push(
      Object.freeze({
        index,
        type: view.getUint32(at, true),
        flags: view.getUint32(at + 4, true),
        offset: view.getBigUint64(at + 8, true),
        vaddr: view.getBigUint64(at + 16, true),
        filesz: view.getBigUint64(at + 32, true),
        memsz: view.getBigUint64(at + 40, true),
        align: view.getBigUint64(at + 48, true),
      }),
    );
  }
  return Object.freeze({ bytes, entry, machine, programHeaders: Object.freeze(programHeaders) });
}
