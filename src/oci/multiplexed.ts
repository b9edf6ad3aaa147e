/**
 * The socket and SysV IPC calls that i386 also reaches through one
 * multiplexing syscall, `socketcall(call, args)` or `ipc(call, …)`, with the
 * call number of `<linux/net.h>` (SYS_*) or of the kernel's ipc multiplexer.
 * libseccomp adds a rule for such a name to the multiplexer as well, keyed
 * on the call number in place of arg0 (the real arguments sit in memory, out of a
 * filter's reach). Comparisons of the other arguments stay, on the
 * multiplexer's own registers, as libseccomp keeps them.
 */

/** How a name is reached through a multiplexer: which syscall, which call number, and its constant if any. */
export interface Multiplexed {
  readonly through: 'socketcall' | 'ipc';
  readonly call: number;
  readonly constant?: string;
}

const SOCKET_CALLS: readonly (readonly [string, number])[] = [
  ['socket', 1],
  ['bind', 2],
  ['connect', 3],
  ['listen', 4],
  ['accept', 5],
  ['getsockname', 6],
  ['getpeername', 7],
  ['socketpair', 8],
  ['send', 9],
  ['recv', 10],
  ['sendto', 11],
  ['recvfrom', 12],
  ['shutdown', 13],
  ['setsockopt', 14],
  ['getsockopt', 15],
  ['sendmsg', 16],
  ['recvmsg', 17],
  ['accept4', 18],
  ['recvmmsg', 19],
  ['sendmmsg', 20],
];

const IPC_CALLS: readonly (readonly [string, number])[] = [
  ['semop', 1],
  ['semget', 2],
  ['semctl', 3],
  ['semtimedop', 4],
  ['msgsnd', 11],
  ['msgrcv', 12],
  ['msgget', 13],
  ['msgctl', 14],
  ['shmat', 21],
  ['shmdt', 22],
  ['shmget', 23],
  ['shmctl', 24],
];

/** MULTIPLEXED maps a syscall name to its multiplexed form on i386. */
export const MULTIPLEXED: ReadonlyMap<string, Multiplexed> = new Map([
  ...SOCKET_CALLS.map(([name, call]): [string, Multiplexed] => [name, { through: 'socketcall', call, constant: `SYS_${name.toUpperCase()}` }]),
  ...IPC_CALLS.map(([name, call]): [string, Multiplexed] => [name, { through: 'ipc', call }]),
]);
