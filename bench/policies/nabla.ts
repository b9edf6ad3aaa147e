/**
 * The seven-syscall policy of the original nabla containers runtime
 * (policies/nabla.policy): read, write, exit_group, clock_gettime, ppoll,
 * pread64 and pwrite64, pinned to the tender's fds and pollfd array.
 */
import type { RuleModel } from '../../src/ir/model.js';
import { action, and } from '../../src/ir/model.js';
import { equals, RulesBuilder } from './build.js';
import type { BenchPolicy } from './types.js';

/** NablaParams are the policy's params. */
export type NablaParams = {
  readonly pollfds: number;
  readonly poll_entries: number;
  readonly disks: readonly number[];
  readonly taps: readonly number[];
};

/** nablaModel builds the nabla policy for one set of params, in the policy file's rule order. */
export function nablaModel(params: NablaParams): RuleModel {
  const rules = new RulesBuilder()
    .add('exit_group')
    .add('clock_gettime')
    .add('write', equals('write', 'fd', 1))
    .add('ppoll', and(equals('ppoll', 'ufds', params.pollfds), equals('ppoll', 'nfds', params.poll_entries)));
  for (const disk of params.disks) {
    rules.add('pread64', equals('pread64', 'fd', disk)).add('pwrite64', equals('pwrite64', 'fd', disk));
  }
  for (const tap of params.taps) {
    rules.add('read', equals('read', 'fd', tap)).add('write', equals('write', 'fd', tap));
  }
  return rules.model('nabla', action('kill_process'), action('kill_process'));
}

/** nablaPolicy is the benchmark's nabla configuration: pollfd array at 0x7fff0000 with one entry, disk fd 4, tap fd 5. */
export function nablaPolicy(): BenchPolicy {
  const params: NablaParams = { pollfds: 0x7fff0000, poll_entries: 1, disks: [4], taps: [5] };
  return {
    id: 'nabla',
    title: 'nabla seven-syscall policy (disk fd 4, tap fd 5)',
    model: nablaModel(params),
    frontEnd: { file: 'policies/nabla.policy', params },
    kernelCases: [
      {
        label: 'clock_gettime(CLOCK_MONOTONIC) as a real syscall',
        kind: 'cached',
        syscall: 'clock_gettime',
        args: [1n, 'buffer'],
      },
      {
        label: 'pread64 fd 4, 512 bytes at offset 0',
        kind: 'argument-checked',
        syscall: 'pread64',
        args: [4n, 'buffer', 512n, 0n],
        memoryFile: { fd: 4, size: 4 * 1024 * 1024 },
      },
    ],
    kernelNote: 'clock_gettime is the only loopable syscall the policy allows by number alone',
  };
}
