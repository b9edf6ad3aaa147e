/**
 * Hand-assembled seccomp filters for the native tests, independent of the
 * project's compiler: allow-all, deny-one, and an allow list of syscalls with
 * argument conditions (the shape of the spt guest policy and of the tender's
 * own policy).
 */

/** Seccomp return values used here. */
export const RET_ALLOW = 0x7fff0000;
export const RET_KILL_PROCESS = 0x80000000;
/** RET_ERRNO returns SECCOMP_RET_ERRNO with the given errno. */
export const RET_ERRNO = (errno: number): number => 0x00050000 | errno;

const LOAD_WORD_ABSOLUTE = 0x20;
const JUMP_EQUAL = 0x15;
const JUMP_GREATER = 0x25;
const RETURN_CONSTANT = 0x06;
const AUDIT_ARCH_X86_64 = 0xc000003e;
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
const argumentOffset = (index: number, high: boolean): number => 16 + 8 * index + (high ? 4 : 0);

function instruction(code: number, jumpTrue: number, jumpFalse: number, k: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeUInt16LE(code, 0);
  bytes.writeUInt8(jumpTrue, 2);
  bytes.writeUInt8(jumpFalse, 3);
  bytes.writeUInt32LE(k >>> 0, 4);
  return bytes;
}

/** allowAll is the one-instruction filter that allows everything. */
export function allowAll(): Buffer {
  return instruction(RETURN_CONSTANT, 0, 0, RET_ALLOW);
}

/** denySyscall returns `action` for syscall `nr` and allows everything else. */
export function denySyscall(nr: number, action: number): Buffer {
  return Buffer.concat([
    instruction(LOAD_WORD_ABSOLUTE, 0, 0, OFFSET_NR),
    instruction(JUMP_EQUAL, 0, 1, nr),
    instruction(RETURN_CONSTANT, 0, 0, action),
    instruction(RETURN_CONSTANT, 0, 0, RET_ALLOW),
  ]);
}

/** Condition compares one 64-bit argument: equal to a value, or at most a value below 2^32. */
export interface Condition { arg: number; op: 'eq' | 'le'; value: bigint }
/** Rule allows syscall `nr` when all its conditions hold. */
export interface Rule { nr: number; conditions?: readonly Condition[] }

/**
 * allowList checks the architecture, then tries each rule in turn (each rule
 * is a block that falls through to the next on any mismatch), and kills the
 * process when none allows the call.
 */
export function allowList(rules: readonly Rule[]): Buffer {
  const parts: Buffer[] = [
    instruction(LOAD_WORD_ABSOLUTE, 0, 0, OFFSET_ARCH),
    instruction(JUMP_EQUAL, 1, 0, AUDIT_ARCH_X86_64),
    instruction(RETURN_CONSTANT, 0, 0, RET_KILL_PROCESS),
  ];
  for (const rule of rules) {
    const conditions = rule.conditions ?? [];
    const length = 2 + 4 * conditions.length + 1;
    const block: Buffer[] = [];
    // A jump at block position p to the block's end skips length - p - 1 instructions.
    const toEnd = (): number => length - block.length - 1;
    block.push(instruction(LOAD_WORD_ABSOLUTE, 0, 0, OFFSET_NR));
    block.push(instruction(JUMP_EQUAL, 0, toEnd(), rule.nr));
    for (const condition of conditions) {
      const value = BigInt.asUintN(64, condition.value);
      const high = Number(value >> 32n);
      const low = Number(value & 0xffffffffn);
      if (condition.op === 'le' && high !== 0) throw new Error('le conditions take values below 2^32');
      block.push(instruction(LOAD_WORD_ABSOLUTE, 0, 0, argumentOffset(condition.arg, true)));
      block.push(instruction(JUMP_EQUAL, 0, toEnd(), high));
      block.push(instruction(LOAD_WORD_ABSOLUTE, 0, 0, argumentOffset(condition.arg, false)));
      block.push(condition.op === 'eq'
        ? instruction(JUMP_EQUAL, 0, toEnd(), low)
        : instruction(JUMP_GREATER, toEnd(), 0, low));
    }
    block.push(instruction(RETURN_CONSTANT, 0, 0, RET_ALLOW));
    parts.push(...block);
  }
  parts.push(instruction(RETURN_CONSTANT, 0, 0, RET_KILL_PROCESS));
  return Buffer.concat(parts);
}

const eq = (arg: number, value: bigint | number): Condition => ({ arg, op: 'eq', value: BigInt(value) });

/** SptDevices are the fds and sizes an spt guest filter pins. */
export interface SptDevices {
  epoll: number;
  timer: number;
  nets?: readonly number[];
  blocks?: readonly { fd: number; blockSize: number; capacity: number }[];
}

/** sptGuestRules are the upstream spt rules (solo5-spt-abi.md §8) for x86_64. */
export function sptGuestRules(devices: SptDevices): Rule[] {
  const rules: Rule[] = [
    { nr: 231 }, // exit_group
    { nr: 1, conditions: [eq(0, 1)] }, // write(1, ...)
    { nr: 281, conditions: [eq(0, devices.epoll)] }, // epoll_pwait
    { nr: 286, conditions: [eq(0, devices.timer)] }, // timerfd_settime
    { nr: 228, conditions: [eq(0, 1)] }, // clock_gettime(CLOCK_MONOTONIC)
    { nr: 228, conditions: [eq(0, 0)] }, // clock_gettime(CLOCK_REALTIME)
    { nr: 158, conditions: [eq(0, 0x1002)] }, // arch_prctl(ARCH_SET_FS)
  ];
  for (const fd of devices.nets ?? []) {
    rules.push({ nr: 0, conditions: [eq(0, fd)] }, { nr: 1, conditions: [eq(0, fd)] });
  }
  for (const block of devices.blocks ?? []) {
    const conditions: Condition[] = [
      eq(0, block.fd), eq(2, block.blockSize), { arg: 3, op: 'le', value: BigInt(block.capacity - block.blockSize) },
    ];
    rules.push({ nr: 17, conditions }, { nr: 18, conditions });
  }
  return rules;
}

/**
 * tenderRules are what the tender itself needs between exec and the guest
 * entry, pinned as the project's tender policy pins them.
 */
export function tenderRules(options: { execFd: number; elfFd: number; memSize: bigint }): Rule[] {
  return [
    { nr: 322, conditions: [eq(0, options.execFd), eq(4, 0x1000 /* AT_EMPTY_PATH */)] }, // execveat
    { nr: 0, conditions: [eq(0, 3)] }, // read(3, ...)
    {
      nr: 9, // mmap(0x10000, mem_size - 0x10000, RW, PRIVATE|ANONYMOUS|FIXED_NOREPLACE, -1, 0)
      conditions: [eq(0, 0x10000), eq(1, options.memSize - 0x10000n), eq(2, 3), eq(3, 0x100022), eq(4, -1n)],
    },
    { nr: 17, conditions: [eq(0, options.elfFd)] }, // pread64(elf, ...)
    { nr: 10, conditions: [eq(2, 1)] }, // mprotect(..., R)
    { nr: 10, conditions: [eq(2, 3)] }, // mprotect(..., RW)
    { nr: 10, conditions: [eq(2, 5)] }, // mprotect(..., RX)
    { nr: 3, conditions: [eq(0, 3)] }, // close(3)
    { nr: 3, conditions: [eq(0, options.elfFd)] }, // close(elf)
    { nr: 317, conditions: [eq(0, 1), eq(1, 0)] }, // seccomp(SET_MODE_FILTER, 0, ...)
    { nr: 1, conditions: [eq(0, 2)] }, // write(2, ...)
    { nr: 231 }, // exit_group
  ];
}
