/**
 * An spt executable read and judged before anything runs: the ELF header,
 * the program headers, the ABI1 note and the manifest. Segment checks need
 * the guest memory size and live in segments.ts.
 */
import { readElf, type ElfFile } from './elf.js';
import { parseManifest, type Manifest } from './manifest.js';
import { readAbi, readManifestNote, type AbiInfo } from './notes.js';

/** SptImage is an executable whose header, notes and manifest passed every check. */
export interface SptImage {
  readonly elf: ElfFile;
  readonly abi: AbiInfo;
  readonly manifest: Manifest;
}

/**
 * readSptImage checks the bytes of an spt executable in the order upstream's
 * tender does (header, ABI note, manifest) and returns the parts. Throws
 * LaunchRefused naming the first problem.
 */
export function readSptImage(bytes: Uint8Array): SptImage {
  const elf = readElf(bytes);
  const abi = readAbi(elf);
  const manifest = parseManifest(readManifestNote(elf));
  return Object.freeze({ elf, abi, manifest });
}
