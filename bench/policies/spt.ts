/**
 * The Solo5 spt guest policy (policies/solo5-spt.policy) as rule models, in
 * four device configurations: core only, one block device and one tap
 * device, and the maximum of 63 block devices, all alike or each of its own
 * size.
 *
 * The models follow the language's meaning: fd arguments are 32 bits wide, so
 * only their low word is compared; `pos` is 64 bits.
 */
import type { Condition, RuleModel } from '../../src/ir/model.js';
import { action, and, compare } from '../../src/ir/model.js';
import { argumentOf, equals, oneOf, RulesBuilder } from './build.js';
import type { BenchPolicy, KernelCase } from './types.js';

/** SptBlock is one attached block device as the tender binds it. */
export type SptBlock = {
  readonly fd: number;
  readonly block_size: number;
  readonly capacity: number;
};

/** SptParams are the policy's params: the fds of the epoll set, the timer, the taps and the disks. */
export type SptParams = {
  readonly epoll: number;
  readonly timer: number;
  readonly nets: readonly number[];
  readonly blocks: readonly SptBlock[];
};

const CLOCK_REALTIME = 0;
const CLOCK_MONOTONIC = 1;
const ARCH_SET_FS = 0x1002;
const SECTOR = 512;
const DISK_SIZE = 4 * 1024 * 1024;

/** blockCondition is `fd == b.fd && count == b.block_size && pos <= b.capacity - b.block_size` for one syscall. */
function blockCondition(syscall: string, block: SptBlock): Condition {
  return and(
    equals(syscall, 'fd', block.fd),
    equals(syscall, 'count', block.block_size),
    compare(argumentOf(syscall, 'pos'), 'le', BigInt(block.capacity - block.block_size)),
  );
}

/** sptModel builds the spt guest policy for one set of params, rule for rule as the policy file states it. */
export function sptModel(name: string, params: SptParams): RuleModel {
  const rules = new RulesBuilder()
    .add('exit_group')
    .add('write', equals('write', 'fd', 1))
    .add('epoll_pwait', equals('epoll_pwait', 'epfd', params.epoll))
    .add('timerfd_settime', equals('timerfd_settime', 'ufd', params.timer))
    .add('clock_gettime', oneOf('clock_gettime', 'which_clock', [CLOCK_MONOTONIC, CLOCK_REALTIME]))
    .add('arch_prctl', equals('arch_prctl', 'option', ARCH_SET_FS));
  for (const net of params.nets) {
    rules.add('read', equals('read', 'fd', net)).add('write', equals('write', 'fd', net));
  }
  for (const block of params.blocks) {
    rules.add('pread64', blockCondition('pread64', block)).add('pwrite64', blockCondition('pwrite64', block));
  }
  return rules.model(name, action('kill_process'), action('kill_process'));
}

function disk(fd: number, capacity = DISK_SIZE): SptBlock {
  return { fd, block_size: SECTOR, capacity };
}

/** lastSectorRead times pread64 of one sector at the last sector of the disk at `fd`. */
function lastSectorRead(fd: number): KernelCase {
  return {
    label: `pread64 fd ${fd}, 512 bytes at the last sector`,
    kind: 'argument-checked',
    syscall: 'pread64',
    args: [BigInt(fd), 'buffer', BigInt(SECTOR), BigInt(DISK_SIZE - SECTOR)],
    memoryFile: { fd, size: DISK_SIZE },
  };
}

const consoleWrite: KernelCase = {
  label: 'write fd 1 (/dev/null), 1 byte',
  kind: 'argument-checked',
  syscall: 'write',
  args: [1n, 'buffer', 1n],
  devNull: 1,
};

const KERNEL_NOTE =
  'spt allows no loopable syscall by number alone (only exit_group), so only argument-checked calls are timed';

/** sptPolicies are the four spt configurations of the benchmark. */
export function sptPolicies(): BenchPolicy[] {
  const core: SptParams = { epoll: 4, timer: 5, nets: [], blocks: [] };
  const blockAndNet: SptParams = { epoll: 6, timer: 7, nets: [5], blocks: [disk(4)] };
  const blocks = Array.from({ length: 63 }, (_, index) => disk(4 + index));
  const maxDevices: SptParams = { epoll: 67, timer: 68, nets: [], blocks };
  // Each device its own capacity, so no two share their checks: the most code a bind generates.
  const distinctBlocks = Array.from({ length: 63 }, (_, index) => disk(4 + index, (index + 1) * 1024 * 1024));
  const maxDistinct: SptParams = { epoll: 67, timer: 68, nets: [], blocks: distinctBlocks };
  const file = 'policies/solo5-spt.policy';
  return [
    {
      id: 'spt-core',
      title: 'Solo5 spt, core only (epoll 4, timer 5)',
      model: sptModel('spt-core', core),
      frontEnd: { file, params: core },
      kernelCases: [consoleWrite],
      kernelNote: KERNEL_NOTE,
    },
    {
      id: 'spt-block-net',
      title: 'Solo5 spt, core + 1 block (fd 4) + 1 net (fd 5)',
      model: sptModel('spt-block-net', blockAndNet),
      frontEnd: { file, params: blockAndNet },
      kernelCases: [consoleWrite, lastSectorRead(4)],
      kernelNote: KERNEL_NOTE,
    },
    {
      id: 'spt-63-blocks',
      title: 'Solo5 spt, core + 63 block devices (fds 4..66)',
      model: sptModel('spt-63-blocks', maxDevices),
      frontEnd: { file, params: maxDevices },
      kernelCases: [consoleWrite, lastSectorRead(66), lastSectorRead(4)],
      kernelNote: `${KERNEL_NOTE}; the first and the last device are both timed, as a filter that tries devices in order is slowest on one of them`,
    },
    {
      id: 'spt-63-distinct',
      title: 'Solo5 spt, core + 63 block devices of 1..63 MiB (fds 4..66)',
      model: sptModel('spt-63-distinct', maxDistinct),
      frontEnd: { file, params: maxDistinct },
      kernelCases: [],
      kernelNote: 'none: the filter has the shape of spt-63-blocks, whose calls are timed; this configuration is here for the time binding takes',
    },
  ];
}
