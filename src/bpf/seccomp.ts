/**
 * The kernel's seccomp ABI as constants: `seccomp_data` offsets, return
 * actions, and the AUDIT_ARCH values of the architectures we know.
 */

/** Byte offsets into `struct seccomp_data` (little-endian words). */
export const SeccompDataOffset = {
  nr: 0,
  arch: 4,
  instructionPointerLow: 8,
  instructionPointerHigh: 12,
  /** Offset of the low word of argument `index` (0..5). */
  argLow: (index: number): number => 16 + 8 * index,
  /** Offset of the high word of argument `index` (0..5). */
  argHigh: (index: number): number => 20 + 8 * index,
} as const;

/** Size of `struct seccomp_data` in bytes. */
export const SECCOMP_DATA_SIZE = 64;

/** Kernel limits. */
export const BPF_MAXINSNS = 4096;
export const BPF_MEMWORDS = 16;
/** Total instructions all stacked filters of a task may hold (each counts length + 4). */
export const MAX_INSNS_PER_PATH = 32768;

/** Action names, in the kernel's order from most to least restrictive. */
export type ActionName =
  | 'kill_process'
  | 'kill_thread'
  | 'trap'
  | 'errno'
  | 'notify'
  | 'trace'
  | 'log'
  | 'allow';

/** The high 16 bits of a filter's return value for each action. */
export const ActionValue: Readonly<Record<ActionName, number>> = Object.freeze({
  kill_process: 0x80000000,
  kill_thread: 0x00000000,
  trap: 0x00030000,
  errno: 0x00050000,
  notify: 0x7fc00000,
  trace: 0x7ff00000,
  log: 0x7ffc0000,
  allow: 0x7fff0000,
});

export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
export const SECCOMP_RET_DATA = 0x0000ffff;
/** The kernel caps ERRNO data at this value. */
export const MAX_ERRNO = 4095;

/** A return value decoded into its action and data. */
export interface DecodedAction {
  readonly action: ActionName;
  readonly data: number;
}

/**
 * decodeAction splits a filter's 32-bit return value the way the kernel
 * does. Unknown action codes act as kill_process.
 */
export function decodeAction(ret: number): DecodedAction {
  const value = ret >>> 0;
  const full = (value & SECCOMP_RET_ACTION_FULL) >>> 0;
  const data = value & SECCOMP_RET_DATA;
  for (const [name, code] of Object.entries(ActionValue) as [ActionName, number][]) {
    if (code === full) return { action: name, data };
  }
  return { action: 'kill_process', data };
}

/** encodeAction builds the 32-bit return value for an action and its data. */
export function encodeAction(action: ActionName, data = 0): number {
  return (ActionValue[action] | (data & SECCOMP_RET_DATA)) >>> 0;
}

/** AUDIT_ARCH values. x32 shares x86_64's value and sets X32_SYSCALL_BIT in nr. */
export const AuditArch = {
  x86_64: 0xc000003e,
  i386: 0x40000003,
  aarch64: 0xc00000b7,
  arm: 0x40000028,
  riscv64: 0xc00000f3,
  x32: 0xc000003e,
} as const;

export const X32_SYSCALL_BIT = 0x40000000;

/** The input a filter sees: nr, arch, instruction pointer, six 64-bit args. */
export interface SeccompData {
  readonly nr: number;
  readonly arch: number;
  readonly instructionPointer?: bigint;
  readonly args?: readonly bigint[];
}
