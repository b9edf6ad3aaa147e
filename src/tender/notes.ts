/**
 * The Solo5 notes of an spt executable: the ABI1 note (target and version)
 * and the MFT1 note (the device manifest), found the way upstream's loader
 * finds them: only PT_NOTE program headers, only the first note of each.
 */
import {
  ABI1_MAX_DESC,
  MFT1_MAX_DESC,
  NOTE_OWNER,
  NOTE_TYPE_ABI1,
  NOTE_TYPE_MFT1,
  SPT_ABI_TARGET,
  SPT_ABI_VERSION,
} from './abi.js';
import { fitsInFile, PT_NOTE, type ElfFile } from './elf.js';
import { LaunchRefused } from './errors.js';

/** NOTE_HEADER_SIZE is the Solo5 note header: namesz, descsz, type, "Solo5\0" padded to 8. */
export const NOTE_HEADER_SIZE = 20;
/** ABI1_INFO_SIZE is `struct abi1_info`: target, version and two reserved words. */
export const ABI1_INFO_SIZE = 16;
/** MFT_PAYLOAD_GAP is the padding, counted in n_descsz, that 8-aligns the manifest. */
export const MFT_PAYLOAD_GAP = 4;

/** AbiInfo is the ABI1 note's payload. */
export interface AbiInfo {
  readonly target: number;
  readonly version: number;
}

/**
 * findNote returns the descriptor of the Solo5 note of `type`, or undefined
 * when no PT_NOTE starts with one. A PT_NOTE shorter than 12 bytes makes the
 * executable invalid; one shorter than 20 bytes is skipped.
 */
export function findNote(elf: ElfFile, type: number, maxDesc: number, what: string): Uint8Array | undefined {
  const { bytes } = elf;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const header of elf.programHeaders) {
    if (header.type !== PT_NOTE) continue;
    if (header.filesz < 12n) {
      throw new LaunchRefused(`invalid executable: PT_NOTE program header ${header.index} is shorter than 12 bytes`);
    }
    if (!fitsInFile(header.offset, header.filesz, bytes.length)) {
      throw new LaunchRefused(`truncated ELF file: PT_NOTE program header ${header.index} runs past the end of the file`);
    }
    if (header.filesz < BigInt(NOTE_HEADER_SIZE)) continue;
    const at = Number(header.offset);
    const namesz = view.getUint32(at, true);
    const descsz = view.getUint32(at + 4, true);
    const noteType = view.getUint32(at + 8, true);
    if (namesz !== NOTE_OWNER.length + 1 || noteType !== type) continue;
    const name = new TextDecoder().decode(bytes.subarray(at + 12, at + 12 + namesz));
    if (name !== `${NOTE_OWNER}\0`) continue;
    if (descsz < 1 || descsz > maxDesc) {
      throw new LaunchRefused(`${what} note has an invalid size: n_descsz ${descsz} (accepted 1..${maxDesc})`);
    }
    if (header.filesz < BigInt(NOTE_HEADER_SIZE + descsz)) {
      throw new LaunchRefused(`${what} note is larger than its PT_NOTE segment (${descsz} > ${header.filesz - 20n} bytes)`);
    }
    return bytes.subarray(at + NOTE_HEADER_SIZE, at + NOTE_HEADER_SIZE + descsz);
  }
  return undefined;
}

/**
 * readAbi finds the ABI1 note and requires the spt target and ABI version 2,
 * with upstream's messages.
 */
export function readAbi(elf: ElfFile): AbiInfo {
  const descriptor = findNote(elf, NOTE_TYPE_ABI1, ABI1_MAX_DESC, 'Solo5 ABI');
  if (descriptor === undefined) throw new LaunchRefused('No Solo5 ABI information found in executable');
  if (descriptor.length < ABI1_INFO_SIZE) {
    throw new LaunchRefused(`Solo5 ABI note is too short: ${descriptor.length} bytes, the ABI information needs ${ABI1_INFO_SIZE}`);
  }
  const view = new DataView(descriptor.buffer, descriptor.byteOffset, descriptor.byteLength);
  const target = view.getUint32(0, true);
  const version = view.getUint32(4, true);
  if (target !== SPT_ABI_TARGET) throw new LaunchRefused(`Executable is not for the solo5-spt target (ABI target ${target})`);
  if (version !== SPT_ABI_VERSION) throw new LaunchRefused(`Executable requests unsupported ABI version ${version}`);
  return { target, version };
}

/**
 * readManifestNote finds the MFT1 note and returns the manifest bytes: the
 * descriptor after its 4 bytes of alignment padding.
 */
export function readManifestNote(elf: ElfFile): Uint8Array {
  const descriptor = findNote(elf, NOTE_TYPE_MFT1, MFT1_MAX_DESC, 'Solo5 manifest');
  if (descriptor === undefined) throw new LaunchRefused('No Solo5 manifest found in executable');
  if (descriptor.length < MFT_PAYLOAD_GAP) {
    throw new LaunchRefused(`Solo5 manifest is invalid: the note holds ${descriptor.length} bytes, less than its padding`);
  }
  return descriptor.subarray(MFT_PAYLOAD_GAP);
}
