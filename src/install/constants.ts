/**
 * The kernel's installation ABI as constants: prctl options, seccomp(2)
 * operations and flags, and the user-notification ioctls and struct sizes.
 * Values come from the generated tables (`linux/prctl.h`, `linux/seccomp.h`,
 * `linux/errno.h` as the host's headers define them).
 */
import { constants } from 'node:os';
import { hostConstants } from '../arch/index.js';

/** Prctl holds the prctl options the installer uses. */
export const Prctl = hostConstants({
  setSeccomp: 'PR_SET_SECCOMP',
  setNoNewPrivs: 'PR_SET_NO_NEW_PRIVS',
  /** SECCOMP_MODE_FILTER, the mode `prctl(PR_SET_SECCOMP, …)` takes. */
  seccompModeFilter: 'SECCOMP_MODE_FILTER',
});

/** SeccompOperation holds the operations of seccomp(2) the installer uses. */
export const SeccompOperation = hostConstants({
  setModeFilter: 'SECCOMP_SET_MODE_FILTER',
  getActionAvail: 'SECCOMP_GET_ACTION_AVAIL',
  getNotifSizes: 'SECCOMP_GET_NOTIF_SIZES',
});

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
export const FilterFlagBit: Readonly<Record<FilterFlag, number>> = hostConstants(
  Object.fromEntries(FILTER_FLAGS.map((flag) => [flag, `SECCOMP_FILTER_FLAG_${flag.toUpperCase()}`])) as Record<FilterFlag, string>,
);

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

/** NotifFlag holds the response flags: `continue` lets a notified call run as if allowed. */
export const NotifFlag = hostConstants({ continue: 'SECCOMP_USER_NOTIF_FLAG_CONTINUE' });

/** NotifStructSize holds the sizes of the notification structs this module lays out. */
export const NotifStructSize = {
  /** `struct seccomp_notif`: u64 id, u32 pid, u32 flags, struct seccomp_data (64). */
  notif: 80,
  /** `struct seccomp_notif_resp`: u64 id, s64 val, s32 error, u32 flags. */
  response: 24,
  seccompData: 64,
} as const;

/** NotifIoctl holds the user-notification ioctls of a listener fd. */
export const NotifIoctl = hostConstants({
  receive: 'SECCOMP_IOCTL_NOTIF_RECV',
  send: 'SECCOMP_IOCTL_NOTIF_SEND',
  idValid: 'SECCOMP_IOCTL_NOTIF_ID_VALID',
});

/** Errno holds the errno values the installer and the supervisor interpret. */
export const Errno = hostConstants({
  EPERM: 'EPERM',
  ENOENT: 'ENOENT',
  ESRCH: 'ESRCH',
  EINTR: 'EINTR',
  EBADF: 'EBADF',
  EAGAIN: 'EAGAIN',
  EACCES: 'EACCES',
  EFAULT: 'EFAULT',
  EBUSY: 'EBUSY',
  EINVAL: 'EINVAL',
  ENOSYS: 'ENOSYS',
  EOPNOTSUPP: 'EOPNOTSUPP',
});

/** errnoName gives the symbolic name of an errno (`EPERM`), or `errno N` when it has none. */
export function errnoName(errno: number): string {
  const entry = Object.entries(constants.errno).find(([, value]) => value === errno);
  return entry ? entry[0] : `errno ${errno}`;
}
