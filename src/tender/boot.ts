/**
 * The boot blob: what the guest finds at 0x11000 when it starts, with every
 * pointer already filled in.
 *
 *     0x11000  spt_boot_info (40 bytes): mem_size, kernel_end, cmdline, mft,
 *              epollfd (i32), timerfd (i32)
 *     0x11028  the filled manifest copy
 *     after    the NUL-terminated command line
 */
import { BOOT_INFO_BASE, BOOT_INFO_SIZE, CMDLINE_SIZE } from './abi.js';
import { LaunchRefused } from './errors.js';

/** BootInfo is the content of the boot blob. */
export interface BootInfo {
  readonly memSize: bigint;
  readonly kernelEnd: bigint;
  readonly epollFd: number;
  readonly timerFd: number;
  /** The filled manifest. */
  readonly manifest: Uint8Array;
  /** The guest's command line words, joined by single spaces. */
  readonly args: readonly string[];
}

/** commandLine joins the guest's words and refuses one of 8192 bytes or more. */
export function commandLine(args: readonly string[]): Uint8Array {
  const text = Buffer.from(args.join(' '), 'utf8');
  if (text.length >= CMDLINE_SIZE) {
    throw new LaunchRefused(`the guest command line is ${text.length} bytes, the limit is ${CMDLINE_SIZE - 1}`);
  }
  if (text.includes(0)) throw new LaunchRefused('the guest command line contains a NUL byte');
  return text;
}

/** MANIFEST_ADDRESS is the guest address of the manifest copy. */
export const MANIFEST_ADDRESS = BOOT_INFO_BASE + BOOT_INFO_SIZE;

/** bootBlob lays out boot info, manifest copy and command line. */
export function bootBlob(info: BootInfo): Uint8Array {
  const line = commandLine(info.args);
  const blob = new Uint8Array(BOOT_INFO_SIZE + info.manifest.length + line.length + 1);
  const view = new DataView(blob.buffer);
  const cmdlineAddress = MANIFEST_ADDRESS + info.manifest.length;
  view.setBigUint64(0, info.memSize, true);
  view.setBigUint64(8, info.kernelEnd, true);
  view.setBigUint64(16, BigInt(cmdlineAddress), true);
  view.setBigUint64(24, BigInt(MANIFEST_ADDRESS), true);
  view.setInt32(32, info.epollFd, true);
  view.setInt32(36, info.timerFd, true);
  blob.set(info.manifest, BOOT_INFO_SIZE);
  blob.set(line, BOOT_INFO_SIZE + info.manifest.length);
  return blob;
}
