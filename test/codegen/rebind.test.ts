/**
 * A Policy bound again and again reuses what its earlier binds computed: the
 * trees' plans, and the last layouts, patched with the new constants when the
 * decision graph keeps its shape. None of that may change a program: every
 * bind must give the bytes that a fresh bind, compiled with no cache at all,
 * gives.
 */
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/bpf/assemble.js';
import { compileModel } from '../../src/codegen/index.js';
import { bind } from '../../src/ir/bind.js';
import type { ArchName } from '../../src/ir/model.js';
import { shippedPolicy, sptParams, type Block } from '../policies/load.js';
import { Prng } from '../support/prng.js';

/** Params as the tender gives them, with bigints where a value may pass 2^53. */
type Params = {
  readonly epoll: number;
  readonly timer: number;
  readonly nets: readonly number[];
  readonly blocks: readonly { readonly fd: number; readonly block_size: bigint; readonly capacity: bigint }[];
};

const MAX_U64 = (1n << 64n) - 1n;

/** fd draws a descriptor: usually a small one, sometimes anywhere up to 2^31 - 1. */
const fd = (rng: Prng): number => (rng.chance(0.85) ? rng.int(0, 80) : rng.int(0, 0x7fff_ffff));

function blockSize(rng: Prng): bigint {
  return rng.chance(0.7) ? rng.pick([512n, 4096n]) : rng.chance(0.5) ? BigInt(rng.int(1, 1 << 20)) : rng.u64() | 1n;
}

/** capacity draws a u64 capacity no smaller than the block size (the policy subtracts one from the other). */
function capacity(rng: Prng, size: bigint): bigint {
  const roll = rng.float();
  const drawn = roll < 0.4 ? size * BigInt(rng.int(1, 1 << 22)) : roll < 0.7 ? BigInt(rng.int(1, 64)) << 20n : roll < 0.9 ? rng.u64() : rng.pick([size, MAX_U64]);
  return drawn < size ? size : drawn > MAX_U64 ? MAX_U64 : drawn;
}

function block(rng: Prng, at?: number): Params['blocks'][number] {
  const size = blockSize(rng);
  return { fd: at ?? fd(rng), block_size: size, capacity: capacity(rng, size) };
}

/** randomParams draws a whole launch: 0 to 63 block devices, on consecutive fds or anywhere. */
function randomParams(rng: Prng): Params {
  const count = rng.chance(0.5) ? rng.int(0, 63) : rng.int(0, 4);
  const base = fd(rng);
  const consecutive = rng.chance(0.5);
  const shared = rng.chance(0.3) ? block(rng) : undefined;
  const blocks = Array.from({ length: count }, (_, i) => {
    const at = consecutive ? (base + i) % 0x8000_0000 : undefined;
    return shared && rng.chance(0.8) ? { ...shared, fd: at ?? fd(rng) } : block(rng, at);
  });
  return { epoll: fd(rng), timer: fd(rng), nets: Array.from({ length: rng.int(0, 3) }, () => fd(rng)), blocks };
}

/**
 * nextParams mostly changes a launch a little (another capacity, block size
 * or fd, every fd moved, a device more or less, two devices made alike), so
 * that binds keep their shape or change it slightly; sometimes it draws anew.
 */
function nextParams(rng: Prng, params: Params): Params {
  const blocks = [...params.blocks];
  const index = blocks.length > 0 ? rng.int(0, blocks.length - 1) : -1;
  const roll = rng.float();
  if (roll < 0.15 || index < 0) return randomParams(rng);
  if (roll < 0.4) blocks[index] = { ...blocks[index]!, capacity: capacity(rng, blocks[index]!.block_size) };
  else if (roll < 0.5) blocks[index] = block(rng, blocks[index]!.fd);
  else if (roll < 0.6) blocks[index] = { ...blocks[index]!, fd: fd(rng) };
  else if (roll < 0.7) {
    const shift = rng.int(1, 20);
    return { ...params, epoll: params.epoll + shift, timer: params.timer + shift, blocks: blocks.map((b) => ({ ...b, fd: b.fd + shift })) };
  } else if (roll < 0.8) {
    if (blocks.length < 63 && rng.chance(0.5)) blocks.push(block(rng));
    else blocks.splice(index, 1);
  } else if (roll < 0.9) blocks[index] = { ...blocks[rng.int(0, blocks.length - 1)]!, fd: blocks[index]!.fd };
  else return { ...params, epoll: params.timer, timer: params.epoll, nets: params.nets.length > 0 ? [] : [fd(rng)] };
  return { ...params, blocks };
}

const configurations: readonly { readonly name: string; readonly arch?: ArchName }[] = [{ name: 'host arch' }, { name: 'x86_64', arch: 'x86_64' }, { name: 'aarch64', arch: 'aarch64' }];

describe('binding one Policy many times', () => {
  for (const { name, arch } of configurations) {
    it(`gives the bytes of a fresh bind and compile, for random params (${name})`, () => {
      const policy = shippedPolicy('solo5-spt.policy', arch ? { arch } : {});
      const rng = new Prng(arch === undefined ? 1 : arch.length);
      let params = randomParams(rng);
      for (let round = 0; round < 400; round++) {
        const program = policy.bind(params);
        const fresh = compileModel(bind(policy.checked, params));
        expect(program.bytes, `round ${round}: ${JSON.stringify(params, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value))}`).toEqual(fresh.bytes);
        if (round % 8 === 0) expect(assemble(program.instructions)).toEqual(fresh.bytes);
        params = nextParams(rng, params);
      }
    });
  }

  it('gives each program its own bytes: writing to one leaves the next bind alone', () => {
    const policy = shippedPolicy('solo5-spt.policy', { arch: 'x86_64' });
    const disks = (capacity: number): Block[] => [4, 5, 6].map((at) => ({ fd: at, block_size: 512, capacity }));
    const first = policy.bind(sptParams(7, 8, disks(1 << 20)));
    first.bytes.fill(0);
    const again = policy.bind(sptParams(7, 8, disks(2 << 20)));
    expect(again.bytes).toEqual(compileModel(bind(policy.checked, sptParams(7, 8, disks(2 << 20)))).bytes);
  });
});
