/**
 * User notification: a filter's `notify` action hands the call to a
 * supervisor holding the filter's listener fd, which decides its outcome.
 *
 * `NotificationListener` wraps the fd's ioctls (SECCOMP_IOCTL_NOTIF_RECV,
 * _SEND and _ID_VALID); `supervise` runs the receive–decide–respond loop,
 * waiting with ppoll on the libuv thread pool so the event loop stays free.
 * Receiving blocks until a call arrives, so a supervisor must run in a
 * process or thread the filter does not cover.
 */
import { hostConstants } from '../arch/index.js';
import type { SeccompData } from '../bpf/seccomp.js';
import { Errno, NotifFlag, NotifIoctl, NotifStructSize } from './constants.js';
import { systemCallFailed } from './errors.js';
import { nativeCalls } from './ffi.js';
import { notifSizes } from './support.js';

/** Kernel constants, from the generated tables. */
const K = hostConstants({
  POLLIN: 'POLLIN',
  POLLHUP: 'POLLHUP',
  POLLNVAL: 'POLLNVAL',
});

/** SeccompNotification is one intercepted call: its cookie, the calling task and the call. */
export interface SeccompNotification {
  /** id is the cookie that names this call in a response. */
  readonly id: bigint;
  /** pid is the calling thread's id, in the supervisor's pid namespace. */
  readonly pid: number;
  readonly data: Required<SeccompData>;
}

/** NotificationResponse is the outcome a supervisor gives a call. */
export type NotificationResponse =
  /** Let the call run as if the filter had allowed it (SECCOMP_USER_NOTIF_FLAG_CONTINUE). */
  | { readonly kind: 'continue' }
  /** Fail the call with an errno (1..4095). */
  | { readonly kind: 'errno'; readonly errno: number }
  /** Make the call return a value without running it. */
  | { readonly kind: 'return'; readonly value: bigint };

/** WaitOutcome says why waiting on a listener ended. */
export type WaitOutcome = 'ready' | 'hangup' | 'timeout';

/** NotificationListener is a listener fd with the notification ioctls. */
export class NotificationListener {
  readonly #notifSize: number;
  readonly #responseSize: number;

  /** The listener's fd must come from installing with the new_listener flag. */
  constructor(readonly fd: number) {
    const sizes = notifSizes();
    this.#notifSize = Math.max(sizes?.notif ?? 0, NotifStructSize.notif);
    this.#responseSize = Math.max(sizes?.response ?? 0, NotifStructSize.response);
  }

  /**
   * receive waits for the next call (blocking the thread) and returns it, or
   * undefined when the call went away before it was read.
   */
  receive(): SeccompNotification | undefined {
    const calls = nativeCalls();
    for (;;) {
      const buffer = Buffer.alloc(this.#notifSize);
      if (calls.syscall('ioctl', this.fd, NotifIoctl.receive, calls.address(buffer)) === 0) return parseNotification(buffer);
      const errno = calls.errno();
      if (errno === Errno.ENOENT) return undefined;
      if (errno !== Errno.EINTR) throw systemCallFailed('E_NOTIFY', 'notify_receive', 'SECCOMP_IOCTL_NOTIF_RECV', errno);
    }
  }

  /** respond answers a call; false when the calling task is gone (the answer is moot). */
  respond(id: bigint, response: NotificationResponse): boolean {
    const calls = nativeCalls();
    const buffer = Buffer.alloc(this.#responseSize);
    buffer.writeBigUInt64LE(id, 0);
    if (response.kind === 'return') buffer.writeBigInt64LE(BigInt.asIntN(64, response.value), 8);
    if (response.kind === 'errno') buffer.writeInt32LE(-response.errno, 16);
    if (response.kind === 'continue') buffer.writeUInt32LE(NotifFlag.continue, 20);
    if (calls.syscall('ioctl', this.fd, NotifIoctl.send, calls.address(buffer)) === 0) return true;
    const errno = calls.errno();
    if (errno === Errno.ENOENT) return false;
    throw systemCallFailed('E_NOTIFY', 'notify_send', 'SECCOMP_IOCTL_NOTIF_SEND', errno);
  }

  /** isValid tells whether a call is still waiting (the task has not died or been interrupted). */
  isValid(id: bigint): boolean {
    const calls = nativeCalls();
    const cookie = Buffer.alloc(8);
    cookie.writeBigUInt64LE(id, 0);
    if (calls.syscall('ioctl', this.fd, NotifIoctl.idValid, calls.address(cookie)) === 0) return true;
    const errno = calls.errno();
    if (errno === Errno.ENOENT) return false;
    throw systemCallFailed('E_NOTIFY', 'notify_id_valid', 'SECCOMP_IOCTL_NOTIF_ID_VALID', errno);
  }

  /**
   * wait resolves when a call is ready to receive, when no task uses the
   * filter any more (hangup), or after `timeoutMs`. It runs ppoll on the
   * thread pool.
   */
  async wait(timeoutMs: number): Promise<WaitOutcome> {
    const calls = nativeCalls();
    const pollfd = Buffer.alloc(8);
    pollfd.writeInt32LE(this.fd, 0);
    pollfd.writeInt16LE(K.POLLIN, 4);
    const timeout = Buffer.alloc(16);
    timeout.writeBigInt64LE(BigInt(Math.floor(timeoutMs / 1000)), 0);
    timeout.writeBigInt64LE(BigInt((timeoutMs % 1000) * 1_000_000), 8);
    const result = await calls.syscallAsync('ppoll', calls.address(pollfd), 1, calls.address(timeout), 0, 8);
    if (result === 0 || result === -1) return 'timeout';
    const events = pollfd.readInt16LE(6);
    if (events & K.POLLNVAL) throw systemCallFailed('E_NOTIFY', 'notify_poll', 'ppoll on the listener', Errno.EBADF);
    if (events & K.POLLIN) return 'ready';
    return events & K.POLLHUP ? 'hangup' : 'timeout';
  }

  /** close closes the listener; calls still waiting then fail with ENOSYS. */
  close(): void {
    nativeCalls().syscall('close', this.fd);
  }
}

/** parseNotification reads `struct seccomp_notif`. */
function parseNotification(buffer: Buffer): SeccompNotification {
  const args = [0, 1, 2, 3, 4, 5].map((index) => buffer.readBigUInt64LE(32 + 8 * index));
  return {
    id: buffer.readBigUInt64LE(0),
    pid: buffer.readUInt32LE(8),
    data: {
      nr: buffer.readUInt32LE(16),
      arch: buffer.readUInt32LE(20),
      instructionPointer: buffer.readBigUInt64LE(24),
      args,
    },
  };
}

/** SuperviseOptions tunes the supervision loop. */
export interface SuperviseOptions {
  /** stop is asked between waits; once it returns true, calls already waiting are answered and the loop ends. */
  readonly stop?: () => boolean;
  /** pollMs bounds each wait, and so how soon `stop` is noticed (default 50). */
  readonly pollMs?: number;
}

/**
 * supervise answers every call on a listener with `decide` until no task uses
 * the filter any more, or `stop` says so. It resolves with the number of calls
 * answered. Example:
 *
 *     await supervise(new NotificationListener(fd), (call) =>
 *       call.data.nr === mkdirNumber ? { kind: 'errno', errno: 13 } : { kind: 'continue' });
 */
export async function supervise(
  listener: NotificationListener,
  decide: (notification: SeccompNotification) => NotificationResponse,
  options: SuperviseOptions = {},
): Promise<number> {
  let answered = 0;
  for (;;) {
    const stopping = options.stop?.() ?? false;
    const outcome = await listener.wait(stopping ? 0 : (options.pollMs ?? 50));
    if (outcome === 'hangup' || (outcome === 'timeout' && stopping)) return answered;
    if (outcome !== 'ready') continue;
    const notification = listener.receive();
    if (notification === undefined) continue;
    listener.respond(notification.id, decide(notification));
    answered += 1;
  }
}
