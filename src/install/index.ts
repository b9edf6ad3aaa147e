/**
 * The installer: the project's only use of native code. It installs compiled
 * filters (`installFilter`), reports what the running kernel supports
 * (`kernelSupport`), becomes a program under a filter (`prepareConfinedExec`,
 * through the spawn helper) or replaces the process bare (`prepareExec`), and
 * supervises the `notify` action (`NotificationListener`, `supervise`).
 *
 * ffi-napi and ref-napi are loaded on first use, so importing this module is
 * cheap and works where they are missing; calls then throw InstallError
 * E_FFI_UNAVAILABLE.
 */
export { FILTER_FLAGS, FilterFlagBit, flagBits, type FilterFlag } from './constants.js';
export { InstallError, type InstallErrorCode, type InstallStep } from './errors.js';
export { installFilter, prepareInstall, type InstallOptions, type InstallResult, type PreparedInstall } from './install.js';
export { actionAvailable, flagAvailable, kernelSupport, notifSizes, type KernelSupport, type NotifSizes } from './support.js';
export {
  HelperStep,
  prepareConfinedExec,
  prepareExec,
  prepareProcessForExec,
  type ConfinedExecOptions,
  type PreparedConfinedExec,
  type PreparedExec,
} from './execve.js';
export { describeAction, describeCall, formatArgument, type CallDescription } from './report.js';
export { runSupervised, type CommandExit, type SupervisedCommand } from './supervised.js';
export {
  NotificationListener,
  supervise,
  type NotificationResponse,
  type SeccompNotification,
  type SuperviseOptions,
  type WaitOutcome,
} from './notify.js';
