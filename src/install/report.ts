/**
 * Calls as people read them: `fchmodat(dfd=-100, filename=0x5581…, mode=0644)`,
 * named from the syscall tables with each argument at its kernel width.
 */
import type { ArchName } from '../ir/model.js';
import type { SyscallArg } from '../arch/index.js';
import { archByAuditValue, archTable } from '../arch/index.js';
import type { ActionName, SeccompData } from '../bpf/seccomp.js';
import { X32_SYSCALL_BIT } from '../bpf/seccomp.js';
import { errnoName } from './constants.js';

/** formatArgument renders one register as its type suggests: pointers in hex, modes in octal, signed ints signed. */
export function formatArgument(value: bigint, info: SyscallArg | undefined): string {
  if (info === undefined) return `0x${value.toString(16)}`;
  const reduced = BigInt.asUintN(info.width, value);
  if (info.type.includes('*')) return `0x${reduced.toString(16)}`;
  if (info.type === 'umode_t' || info.type === 'mode_t') return `0${reduced.toString(8)}`;
  if (info.signed) return BigInt.asIntN(info.width, reduced).toString();
  return reduced < 0x10000n ? reduced.toString() : `0x${reduced.toString(16)}`;
}

/** CallDescription is a call's arch, number and readable form. */
export interface CallDescription {
  readonly arch: ArchName | undefined;
  /** nr is the number the table knows (the x32 bit included for x32). */
  readonly nr: number;
  readonly name: string | undefined;
  /** text is `name(arg=value, …)`, or `syscall(N)(…)` for a number the table lacks. */
  readonly text: string;
}

/** describeCall names a call and renders its arguments (all six where the table has no prototype). */
export function describeCall(data: Required<SeccompData>): CallDescription {
  const native = archByAuditValue(data.arch);
  const arch: ArchName | undefined = native === 'x86_64' && (data.nr & X32_SYSCALL_BIT) !== 0 ? 'x32' : native;
  const info = arch === undefined ? undefined : archTable(arch).byNumber.get(data.nr >>> 0);
  const argumentInfo = info?.args;
  const shown = argumentInfo === undefined ? data.args : data.args.slice(0, argumentInfo.length);
  const rendered = shown.map((value, index) => {
    const described = argumentInfo?.[index];
    return described ? `${described.name}=${formatArgument(value, described)}` : formatArgument(value, undefined);
  });
  const name = info?.name;
  return { arch, nr: data.nr >>> 0, name, text: `${name ?? `syscall(${data.nr >>> 0})`}(${rendered.join(', ')})` };
}

/** describeAction renders an action and its data as a policy would write it: `errno(EPERM)`, `kill_process`. */
export function describeAction(action: ActionName, data: number): string {
  switch (action) {
    case 'errno': {
      const name = errnoName(data);
      return `errno(${name.startsWith('errno ') ? data : name})`;
    }
    case 'trap':
    case 'trace':
      return `${action}(${data})`;
    default:
      return action;
  }
}
