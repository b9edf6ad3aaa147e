/**
 * The shipped policies, loaded from policies/ the way the CLI loads them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Policy, type PolicyOptions } from '../../src/policy.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** shippedPolicy loads policies/NAME. */
export function shippedPolicy(name: string, options: PolicyOptions = {}): Policy {
  return Policy.load(`${root}policies/${name}`, (path) => readFileSync(path, 'utf8'), options);
}

/** Block devices as the spt policy's `blocks` param takes them. */
export interface Block {
  readonly fd: number;
  readonly block_size: number;
  readonly capacity: number;
}

/** sptParams binds the spt policy the way a tender does. */
export function sptParams(epoll: number, timer: number, blocks: readonly Block[] = [], nets: readonly number[] = []) {
  return { epoll, timer, nets, blocks };
}
