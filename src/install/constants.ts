/**
 * The kernel's installation ABI as constants: prctl options, seccomp(2)
 * operations and flags, and the user-notification ioctls and struct sizes.
 * Values from `linux/prctl.h` and `linux/seccomp.h`; they are the same on
 * every architecture the project serves.
 */
import { constants } from 'node:os';

/** Prctl holds the prctl options the installer uses. */
export const Prctl = {
  setSeccomp: 22,
  setNoNewPrivs: 38,
} as const;

/** SECCOMP_MODE_FILTER, the mode `prctl(PR_SET_SECCOMP, …)` takes. */
export const SECCOMP_MODE_FILTER = 2;

/** SeccompOperation holds the operations of seccomp(2) the installer uses. */
export const SeccompOperation = {
  setModeFilter: 1,
  getActionAvail: 2,
  getNotifSizes: 3,
} as const;

/** FilterFlag names a flag `seccomp(SECCOMP_SET_MODE_FILTER, flags, …)` takes. */
export type FilterFlag = 'tsync' | 'log' | 'spec_allow' | 'new_listener' | 'tsync_esrch' | 'wait_killable_recv';

/** FILTER_FLAGS lists every filter flag, in bit order. */
export const FILTER_FLAGS: readonly FilterFlag[] = [
  'tsync',
  'log',
  'spec_allow',
  'new_listener',
  'tsync_esrch',
  'wait_killable_recv',
];

/** FilterFlagBit is the bit of each SECCOMP_FILTER_FLAG_*. */
export const FilterFlagBit: Readonly<Record<FilterFlag, number>> = Object.freeze({
  tsync: 1 << 0,
  log: 1 << 1,
  spec_allow: 1 << 2,
  new_listener: 1 << 3,
  tsync_esrch: 1 << 4,
  wait_killable_recv: 1 << 5,
});

/** FilterFlagSince names the Linux release that introduced each flag, for error messages. */
export const FilterFlagSince: Readonly<Record<FilterFlag, string>> = Object.freeze({
  tsync: '3.17',
  log: '4.14',
  spec_allow: '4.17',
  new_listener: '5.0',
  tsync_esrch: '5.7',
  wait_killable_recv: '5.19',
});

/** flagBits folds a list of flag names into the bit mask the kernel takes. */
export function flagBits(flags: readonly FilterFlag[]): number {
  return flags.reduce((bits, flag) => bits | FilterFlagBit[flag], 0);
}

/** USER_NOTIF_FLAG_CONTINUE (SECCOMP_USER_NOTIF_FLAG_CONTINUE) lets a notified call run as if allowed. */
export const USER_NOTIF_FLAG_CONTINUE = 1;

/** NotifStructSize holds the sizes of the notification structs this module lays out. */
export const NotifStructSize = {
  /** `struct seccomp_notif`: u64 id, u32 pid, u32 flags, struct seccomp_data (64). */
  notif: 80,
  /** `struct seccomp_notif_resp`: u64 id, s64 val, s32 error, u32 flags. */
  response: 24,
  seccompData: 64,
} as const;

/**
 * ioctlNumber encodes an ioctl request the generic way (x86, arm, riscv):
 * direction in bits 30–31, argument size in 16–29, type in 8–15, number in 0–7.
 */
function ioctlNumber(direction: 'write' | 'readwrite', number: number, size: number): number {
  const bits = direction === 'write' ? 1 : 3;
  return ((bits << 30) | (size << 16) | (0x21 << 8) | number) >>> 0;
}

/** NotifIoctl holds the user-notification ioctls of a listener fd (type '!'). */
export const NotifIoctl = {
  receive: ioctlNumber('readwrite', 0, NotifStructSize.notif),
  send: ioctlNumber('readwrite', 1, NotifStructSize.response),
  idValid: ioctlNumber('write', 2, 8),
} as const;

/** Errno holds the errno values the installer and the supervisor interpret. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EBADF: 9,
  EAGAIN: 11,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EINVAL: 22,
  ENOSYS: 38,
  EOPNOTSUPP: 95,
} as const;

/** errnoName gives the symbolic name of an errno (`EPERM`), or `errno N` when it has none. */
export function errnoName(errno: number): string {
  const entry = Object.entries(constants.errno).find(([, value]) => value === errno);
  return entry ? entry[0] : `errno ${errno}`;
}
