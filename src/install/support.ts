/**
 * What the running kernel supports, asked without installing anything:
 * `SECCOMP_GET_ACTION_AVAIL` for actions, `SECCOMP_GET_NOTIF_SIZES` for the
 * notification structs, and a probe for each filter flag.
 *
 * The flag probe calls `seccomp(SECCOMP_SET_MODE_FILTER, flag, NULL)`: the
 * kernel checks the flags before it reads the program, so a flag it knows
 * fails with EFAULT (no program at NULL) and one it does not with EINVAL.
 */
import type { ActionName } from '../bpf/seccomp.js';
import { ActionValue } from '../bpf/seccomp.js';
import type { FilterFlag } from './constants.js';
import { Errno, FILTER_FLAGS, FilterFlagBit, SeccompOperation } from './constants.js';
import { systemCallFailed } from './errors.js';
import { nativeCalls } from './ffi.js';

/** NotifSizes are the kernel's sizes of the user-notification structs. */
export interface NotifSizes {
  readonly notif: number;
  readonly response: number;
  readonly seccompData: number;
}

/** KernelSupport is what the running kernel offers for installing filters. */
export interface KernelSupport {
  /** seccompSyscall is false where only prctl(PR_SET_SECCOMP) exists. */
  readonly seccompSyscall: boolean;
  readonly actions: Readonly<Record<ActionName, boolean>>;
  readonly flags: Readonly<Record<FilterFlag, boolean>>;
  /** Absent on kernels without user notification. */
  readonly notifSizes: NotifSizes | undefined;
}

/** flagAvailable tells whether the running kernel knows a filter flag. */
export function flagAvailable(flag: FilterFlag): boolean {
  const calls = nativeCalls();
  // WAIT_KILLABLE_RECV is refused on its own, so it is probed with NEW_LISTENER.
  const bits = FilterFlagBit[flag] | (flag === 'wait_killable_recv' ? FilterFlagBit.new_listener : 0);
  if (calls.syscall('seccomp', SeccompOperation.setModeFilter, bits, 0) !== -1) {
    throw new Error('seccomp accepted a NULL program');
  }
  return calls.errno() === Errno.EFAULT;
}

/** actionAvailable asks the running kernel whether it knows an action (SECCOMP_GET_ACTION_AVAIL). */
export function actionAvailable(action: ActionName): boolean {
  const calls = nativeCalls();
  const value = Buffer.alloc(4);
  value.writeUInt32LE(ActionValue[action], 0);
  if (calls.syscall('seccomp', SeccompOperation.getActionAvail, 0, calls.address(value)) === 0) return true;
  const errno = calls.errno();
  if (errno === Errno.EOPNOTSUPP || errno === Errno.ENOSYS || errno === Errno.EINVAL) return false;
  throw systemCallFailed('E_SECCOMP', 'seccomp', 'seccomp(SECCOMP_GET_ACTION_AVAIL)', errno);
}

/** notifSizes asks the kernel for the notification struct sizes, undefined where it has none. */
export function notifSizes(): NotifSizes | undefined {
  const calls = nativeCalls();
  const sizes = Buffer.alloc(6);
  if (calls.syscall('seccomp', SeccompOperation.getNotifSizes, 0, calls.address(sizes)) === -1) {
    const errno = calls.errno();
    if (errno === Errno.EINVAL || errno === Errno.ENOSYS) return undefined;
    throw systemCallFailed('E_NOTIFY', 'notify_sizes', 'seccomp(SECCOMP_GET_NOTIF_SIZES)', errno);
  }
  return { notif: sizes.readUInt16LE(0), response: sizes.readUInt16LE(2), seccompData: sizes.readUInt16LE(4) };
}

/** seccompSyscallAvailable tells whether the kernel has seccomp(2), not only prctl(PR_SET_SECCOMP). */
export function seccompSyscallAvailable(): boolean {
  const calls = nativeCalls();
  const probe = calls.syscall('seccomp', SeccompOperation.setModeFilter, 0, 0);
  return !(probe === -1 && calls.errno() === Errno.ENOSYS);
}

/** kernelSupport reports the actions, flags and notification sizes of the running kernel. */
export function kernelSupport(): KernelSupport {
  const seccompSyscall = seccompSyscallAvailable();
  const actions = Object.fromEntries(
    (Object.keys(ActionValue) as ActionName[]).map((name) => [name, seccompSyscall && actionAvailable(name)]),
  ) as Record<ActionName, boolean>;
  const flags = Object.fromEntries(
    FILTER_FLAGS.map((flag) => [flag, seccompSyscall && flagAvailable(flag)]),
  ) as Record<FilterFlag, boolean>;
  return { seccompSyscall, actions, flags, notifSizes: seccompSyscall ? notifSizes() : undefined };
}
