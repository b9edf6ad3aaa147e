/**
 * randomPrograms: seeded random filters aimed at the kernel checker's edges
 * (every classic opcode, k values around each limit, short jumps, a final
 * RET most of the time, now and then an arbitrary opcode). The opcode and k
 * lists are literal so that recorded kernel verdicts stay valid.
 */
import { prng } from './prng.js';

const CLASSIC_CODES = [
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0c, 0x14, 0x15, 0x16, 0x1c, 0x1d, 0x20, 0x24, 0x25, 0x28,
  0x2c, 0x2d, 0x30, 0x34, 0x35, 0x3c, 0x3d, 0x40, 0x44, 0x45, 0x48, 0x4c, 0x4d, 0x50, 0x54, 0x5c, 0x60, 0x61,
  0x64, 0x6c, 0x74, 0x7c, 0x80, 0x81, 0x84, 0x87, 0x94, 0x9c, 0xa4, 0xac, 0xb1,
];
const EDGE_VALUES = [
  0, 1, 2, 3, 4, 5, 8, 15, 16, 17, 31, 32, 33, 60, 61, 63, 64, 68, 0xfffff000, 0xfffff03c, 0xfffff040, 0xfffff004,
  0xfffff002, 0xffffffff, 0x7fff0000,
];

/** randomPrograms returns `count` programs as bytes, the same ones for the same seed. */
export function randomPrograms(seed: number, count: number): Uint8Array[] {
  const next = prng(seed);
  const pick = <T>(values: readonly T[]): T => values[next() % values.length]!;
  const programs: Uint8Array[] = [];
  for (let program = 0; program < count; program++) {
    const length = 1 + (next() % 10);
    const bytes = new Uint8Array(length * 8);
    const view = new DataView(bytes.buffer);
    for (let index = 0; index < length; index++) {
      let code = next() % 20 === 0 ? next() & (next() % 2 ? 0xff : 0xffff) : pick(CLASSIC_CODES);
      if (index === length - 1 && next() % 5 !== 0) code = pick([0x06, 0x16]);
      view.setUint16(index * 8, code, true);
      view.setUint8(index * 8 + 2, next() % 3 === 0 ? next() % 12 : 0);
      view.setUint8(index * 8 + 3, next() % 3 === 0 ? next() % 12 : 0);
      view.setUint32(index * 8 + 4, next() % 4 === 0 ? next() : pick(EDGE_VALUES), true);
    }
    programs.push(bytes);
  }
  return programs;
}
