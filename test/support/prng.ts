/**
 * A small deterministic pseudo-random generator for tests: the same seed
 * always gives the same sequence, so a failing random case can be replayed
 * from its seed alone.
 *
 * The core is xoshiro128** seeded through splitmix32, both from their
 * published descriptions. Not for anything that needs real randomness.
 */

const MASK_32 = 0xffff_ffffn;

/** Values at the edges of 32- and 64-bit words, where comparisons go wrong. */
export const WORD_BOUNDARIES: readonly bigint[] = Object.freeze([
  0n,
  1n,
  2n,
  0x7fff_ffffn,
  0x8000_0000n,
  0xffff_fffen,
  0xffff_ffffn,
  0x1_0000_0000n,
  0x1_0000_0001n,
  0x7fff_ffff_ffff_ffffn,
  0x8000_0000_0000_0000n,
  0xffff_ffff_0000_0000n,
  0xffff_ffff_8000_0000n,
  0xffff_ffff_ffff_fffen,
  0xffff_ffff_ffff_ffffn,
]);

/** Prng is a seeded generator of numbers, choices and 64-bit values. */
export class Prng {
  private readonly state = new Uint32Array(4);

  constructor(readonly seed: number) {
    let mix = seed >>> 0;
    for (let index = 0; index < 4; index++) {
      mix = (mix + 0x9e3779b9) >>> 0;
      let z = mix;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.state[index] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.state.every((word) => word === 0)) this.state[0] = 1;
  }

  /** next returns the next unsigned 32-bit value. */
  next(): number {
    const s = this.state;
    let [s0, s1, s2, s3] = [s[0]!, s[1]!, s[2]!, s[3]!];
    const result = Math.imul(rotateLeft(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const shifted = (s1 << 9) >>> 0;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= shifted;
    s3 = rotateLeft(s3 >>> 0, 11);
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
    return result;
  }

  /** float returns a value in [0, 1). */
  float(): number {
    return this.next() / 0x1_0000_0000;
  }

  /** int returns an integer in [low, high], both included. */
  int(low: number, high: number): number {
    if (high < low) throw new RangeError(`empty range ${low}..${high}`);
    return low + Math.floor(this.float() * (high - low + 1));
  }

  /** chance is true with probability `probability`. */
  chance(probability: number): boolean {
    return this.float() < probability;
  }

  /** pick returns one element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** sample returns `count` distinct elements (fewer if the list is shorter), in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = [...items];
    for (let index = copy.length - 1; index > 0; index--) {
      const other = this.int(0, index);
      [copy[index], copy[other]] = [copy[other]!, copy[index]!];
    }
    return copy.slice(0, Math.min(count, copy.length));
  }

  /** u32 returns a uniformly random 32-bit value as a bigint. */
  u32(): bigint {
    return BigInt(this.next());
  }

  /** u64 returns a uniformly random 64-bit value. */
  u64(): bigint {
    return (this.u32() << 32n) | this.u32();
  }

  /**
   * word returns a value of the given width biased toward the places where
   * comparisons break: word boundaries, small numbers, and (for 64 bits)
   * values with junk in the upper half or a sign-extended lower half.
   */
  word(width: 32 | 64): bigint {
    const limit = width === 32 ? MASK_32 : (1n << 64n) - 1n;
    const roll = this.float();
    let value: bigint;
    if (roll < 0.35) value = this.pick(WORD_BOUNDARIES);
    else if (roll < 0.6) value = BigInt(this.int(0, 64));
    else if (roll < 0.7) value = 1n << BigInt(this.int(0, width - 1));
    else if (roll < 0.8 && width === 64) value = (this.u32() << 32n) | BigInt(this.int(0, 16));
    else if (roll < 0.9 && width === 64) value = 0xffff_ffff_0000_0000n | this.u32();
    else value = width === 32 ? this.u32() : this.u64();
    return value & limit;
  }
}

function rotateLeft(value: number, count: number): number {
  return ((value << count) | (value >>> (32 - count))) >>> 0;
}
