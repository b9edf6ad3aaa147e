/**
 * A Policy bound again and again takes shortcuts: its compiled binder binds
 * the params (sharing one rule object between syscalls of one rule), and its
 * code generation reuses what earlier binds computed (the trees' plans, the
 * last layouts, patched with the new constants when the decision graph keeps
 * its shape) and the node of a keyed case for the next case alike. None of
 * that may change a program: every bind must give the bytes of a fresh bind
 * by the reporting walk, compiled with no cache at all (no shortcut taken),
 * and the tests count that the shortcuts were taken.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/bpf/assemble.js';
import { compileModel } from '../../src/codegen/index.js';
import { bind, bindReporting } from '../../src/ir/bind.js';
import { binderOf } from '../../src/ir/binder.js';
import type { ArchName } from '../../src/ir/model.js';
import { Policy } from '../../src/policy.js';
import { shippedPolicy, sptParams, type Block } from '../policies/load.js';
import { policyCase } from '../property/arbitraries.js';
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

const described = (params: unknown): string => JSON.stringify(params, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value));

describe('binding one Policy many times', () => {
  for (const { name, arch } of configurations) {
    it(`gives the bytes of a fresh bind and compile, for random params (${name})`, () => {
      const policy = shippedPolicy('solo5-spt.policy', arch ? { arch } : {});
      const binder = binderOf(policy.checked)!;
      const reused = policy.cache.counts.reusedCases;
      const rng = new Prng(arch === undefined ? 1 : arch.length);
      let params = randomParams(rng);
      for (let round = 0; round < 400; round++) {
        const program = policy.bind(params);
        const fresh = compileModel(bindReporting(policy.checked, params));
        expect(program.bytes, `round ${round}: ${described(params)}`).toEqual(fresh.bytes);
        if (round % 8 === 0) expect(assemble(program.instructions)).toEqual(fresh.bytes);
        params = nextParams(rng, params);
      }
      // Every bind went through the compiled binder, and some cases were reused.
      expect(binder.counts).toEqual({ compiled: 400, reporting: 0 });
      expect(policy.cache.counts.reusedCases - reused).toBeGreaterThan(100);
    });
  }

  it('reuses the case of every device alike to the one before, and lowers pwrite64 as pread64 (one rule object)', () => {
    const policy = shippedPolicy('solo5-spt.policy', { arch: 'x86_64' });
    const disks = Array.from({ length: 63 }, (_, i): Block => ({ fd: 4 + i, block_size: 512, capacity: 4 << 20 }));
    const params = sptParams(67, 68, disks);
    const model = policy.model(params);
    const [pread64, pwrite64] = [model.arches[0]!.syscalls.get(17)!, model.arches[0]!.syscalls.get(18)!];
    expect(pread64.every((entry, i) => entry === pwrite64[i])).toBe(true);
    expect(model).toEqual(bindReporting(policy.checked, params));
    const before = policy.cache.counts.reusedCases;
    expect(policy.bind(params).bytes).toEqual(compileModel(bindReporting(policy.checked, params)).bytes);
    expect(policy.cache.counts.reusedCases - before).toBe(62);
  });

  it('gives each program its own bytes: writing to one leaves the next bind alone', () => {
    const policy = shippedPolicy('solo5-spt.policy', { arch: 'x86_64' });
    const disks = (capacity: number): Block[] => [4, 5, 6].map((at) => ({ fd: at, block_size: 512, capacity }));
    const first = policy.bind(sptParams(7, 8, disks(1 << 20)));
    first.bytes.fill(0);
    const again = policy.bind(sptParams(7, 8, disks(2 << 20)));
    expect(again.bytes).toEqual(compileModel(bind(policy.checked, sptParams(7, 8, disks(2 << 20)))).bytes);
  });
});

describe('the compiled binder', () => {
  it('gives the model of the reporting walk for random policies and params, and its errors where it gives up', () => {
    const cases = fc.sample(policyCase('any'), { seed: 7, numRuns: 300 });
    let compiled = 0;
    let refused = 0;
    for (const [index, { text, params }] of cases.entries()) {
      let policy: Policy;
      try {
        policy = Policy.fromText(text, { arch: 'x86_64', file: 'random.policy' });
      } catch {
        continue;
      }
      const binder = binderOf(policy.checked);
      if (binder === undefined) continue;
      // The drawn params, and others: lists longer and shorter, numbers moved, names unknown or missing.
      const variants = [params, ...variantsOf(params)];
      for (const [v, bindings] of variants.entries()) {
        const before = binder.counts.compiled;
        const expected = outcome(() => bindReporting(policy.checked, bindings));
        const got = outcome(() => bind(policy.checked, bindings));
        expect(got, `case ${index}.${v}: ${text} ${described(bindings)}`).toEqual(expected);
        if (binder.counts.compiled > before) compiled++;
        else refused++;
        if (typeof got !== 'string') expect(policy.bind(bindings).bytes).toEqual(compileModel(expected as Parameters<typeof compileModel>[0]).bytes);
      }
    }
    // Most binds take the closures; the wrong params are left to the walk.
    expect(compiled).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(100);
  });
});

/** outcome is what a bind returns, or its error and diagnostics as text. */
function outcome(run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    return `${String(error)} ${described((error as { diagnostics?: unknown }).diagnostics)}`;
  }
}

/** variantsOf changes bindings: lists lengthened, reversed, shortened; numbers moved; a name unknown, missing or mistyped. */
function variantsOf(params: Readonly<Record<string, unknown>>): Record<string, unknown>[] {
  const moved = (value: unknown, by: number): unknown => {
    if (Array.isArray(value)) return value.map((element) => moved(element, by));
    if (typeof value === 'number') return (value + by) % 0x8000_0000;
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, moved(field, by)]));
    return value;
  };
  const listed = (change: (list: unknown[]) => unknown[]) =>
    Object.fromEntries(Object.entries(params).map(([key, value]) => [key, Array.isArray(value) ? change([...value]) : value]));
  const first = Object.keys(params)[0];
  return [
    listed((list) => [...list, ...list]),
    listed((list) => list.reverse()),
    listed((list) => list.slice(1)),
    moved(params, 3) as Record<string, unknown>,
    { ...params, unknown: 1 },
    ...(first === undefined ? [] : [Object.fromEntries(Object.entries(params).filter(([key]) => key !== first)), { ...params, [first]: 'x' }, { ...params, [first]: [{ fd: -1 }] }]),
  ];
}
