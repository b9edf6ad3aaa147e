/**
 * Constants of the Solo5 spt ABI (version 2, x86_64) the launcher relies on.
 * See docs on the spt ABI: note types, guest memory layout and limits.
 */

/** SPT_ABI_TARGET is the ABI1 note's target id for spt. */
export const SPT_ABI_TARGET = 2;
/** SPT_ABI_VERSION is the only spt ABI version accepted. */
export const SPT_ABI_VERSION = 2;
/** MFT_VERSION is the only manifest version accepted. */
export const MFT_VERSION = 1;

/** NOTE_OWNER is the owner name of Solo5 notes. */
export const NOTE_OWNER = 'Solo5';
/** NOTE_TYPE_ABI1 is the n_type of the ABI note ("ABI1"). */
export const NOTE_TYPE_ABI1 = 0x31494241;
/** NOTE_TYPE_MFT1 is the n_type of the manifest note ("MFT1"). */
export const NOTE_TYPE_MFT1 = 0x3154464d;
/** ABI1_MAX_DESC is the largest ABI1 n_descsz accepted. */
export const ABI1_MAX_DESC = 32;
/** MFT1_MAX_DESC is the largest MFT1 n_descsz accepted (64 entries). */
export const MFT1_MAX_DESC = 6668;

/** MFT_MAX_ENTRIES is the most manifest entries, the reserved first one included. */
export const MFT_MAX_ENTRIES = 64;
/** MFT_ENTRY_SIZE is the size of one `struct mft_entry`. */
export const MFT_ENTRY_SIZE = 104;
/** MFT_HEADER_SIZE is the size of `struct mft` before its entries. */
export const MFT_HEADER_SIZE = 8;
/** MFT_NAME_SIZE is the size of an entry's NUL-terminated name field. */
export const MFT_NAME_SIZE = 68;

/** DeviceType is the manifest's `type` field. */
export const DeviceType = Object.freeze({
  block: 1,
  net: 2,
  reservedFirst: 0x40000000,
} as const);

/** HOST_MEM_BASE is the lowest mapped guest byte. */
export const HOST_MEM_BASE = 0x10000;
/** BOOT_INFO_BASE is where `spt_boot_info` sits in guest memory. */
export const BOOT_INFO_BASE = 0x11000;
/** BOOT_INFO_SIZE is the size of `spt_boot_info`. */
export const BOOT_INFO_SIZE = 40;
/** GUEST_MIN_BASE is the lowest address a segment may load at. */
export const GUEST_MIN_BASE = 0x100000;
/** CMDLINE_SIZE is the longest command line, its NUL included. */
export const CMDLINE_SIZE = 8192;
/** INTERNAL_TIMERFD_TAG is the epoll data of the internal timerfd. */
export const INTERNAL_TIMERFD_TAG = 0xfffffffen;
/** PAGE_SIZE is the loader's page size on x86_64. */
export const PAGE_SIZE = 0x1000;

/** DEFAULT_MEMORY_MIB is the guest memory when `--mem` is absent (512 MiB). */
export const DEFAULT_MEMORY_MIB = 512;
/** MAX_MEMORY_MIB is the largest `--mem` accepted (64 GiB), far below the tender's own image. */
export const MAX_MEMORY_MIB = 65536;
/** MIN_MEMORY_MIB is the smallest `--mem` accepted: guest memory must reach past 1 MiB. */
export const MIN_MEMORY_MIB = 2;
/** MAX_LOAD_SEGMENTS is the most loadable segments a launch record carries. */
export const MAX_LOAD_SEGMENTS = 16;
/** DEFAULT_SECTOR_SIZE is the block size when `--block-sector-size` is absent. */
export const DEFAULT_SECTOR_SIZE = 512;
