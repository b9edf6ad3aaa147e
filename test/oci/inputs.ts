/**
 * The calls the import round trip asks both filters about: every syscall
 * number of each served arch's table (x32 with its bit), with argument
 * vectors built around every comparison the profile makes for that name.
 *
 * `clean` vectors are what a program passing its arguments as declared
 * gives: the upper half of every 32-bit kernel argument is clear (on i386,
 * arm and x32 every argument fits 32 bits). `junk` vectors are the same with
 * garbage in the upper half of the 32-bit arguments of 64-bit arches.
 */
import { archTable } from '../../src/arch/index.js';
import { AuditArch } from '../../src/bpf/seccomp.js';
import type { SeccompData } from '../../src/bpf/seccomp.js';
import type { ArchName } from '../../src/ir/model.js';
import { MULTIPLEXED } from '../../src/oci/multiplexed.js';

/** A profile's comparisons as the inputs need them. */
export interface ProfileArgs {
  readonly syscalls?: readonly { names?: readonly string[]; name?: string; args?: readonly { index: number; value?: number; valueTwo?: number; op: string }[] }[];
}

const LOW = 0xffff_ffffn;
const JUNK = 0xdead_beef_0000_0000n;

/** candidates lists values near a comparison's edges. */
function candidates(op: string, value: bigint, valueTwo: bigint): bigint[] {
  if (op === 'SCMP_CMP_MASKED_EQ') {
    const low = value & -value;
    return [valueTwo, valueTwo | ~value, valueTwo ^ low, valueTwo | low, 0n];
  }
  return [value, value + 1n, value > 0n ? value - 1n : 0n, 0n];
}

/** satisfying gives a value that meets a comparison where one exists. */
function satisfying(op: string, value: bigint, valueTwo: bigint): bigint {
  switch (op) {
    case 'SCMP_CMP_NE':
    case 'SCMP_CMP_GT':
      return value + 1n;
    case 'SCMP_CMP_LT':
      return value > 0n ? value - 1n : 0n;
    case 'SCMP_CMP_MASKED_EQ':
      return valueTwo & value;
    default:
      return value;
  }
}

/** argumentVectors builds the vectors for one name from the profile's entries. */
function argumentVectors(profile: ProfileArgs, name: string): bigint[][] {
  const vectors: bigint[][] = [[0n, 0n, 0n, 0n, 0n, 0n]];
  for (const entry of profile.syscalls ?? []) {
    const names = entry.name !== undefined ? [entry.name] : (entry.names ?? []);
    if (!names.includes(name)) continue;
    const args = entry.args ?? [];
    const base = [0n, 0n, 0n, 0n, 0n, 0n];
    for (const arg of args) base[arg.index] = satisfying(arg.op, BigInt(arg.value ?? 0), BigInt(arg.valueTwo ?? 0));
    vectors.push(base);
    for (const arg of args) {
      for (const value of candidates(arg.op, BigInt(arg.value ?? 0), BigInt(arg.valueTwo ?? 0))) {
        const vector = [...base];
        vector[arg.index] = value & 0xffff_ffff_ffff_ffffn;
        vectors.push(vector);
      }
    }
  }
  return vectors;
}

/** One input, in its clean form and with junk in the upper halves. */
export interface RoundTripInput {
  readonly clean: SeccompData;
  readonly junk: SeccompData;
}

/** roundTripInputs lists the inputs for the arches a profile serves. */
export function roundTripInputs(profile: ProfileArgs, arches: readonly ArchName[]): RoundTripInput[] {
  const inputs: RoundTripInput[] = [];
  for (const arch of arches) {
    const table = archTable(arch);
    const narrowArch = arch === 'i386' || arch === 'arm' || arch === 'x32';
    const first = table.syscalls[0]!.number;
    const last = table.syscalls[table.syscalls.length - 1]!.number;
    for (let nr = first; nr <= last; nr++) {
      const info = table.byNumber.get(nr);
      let vectors = info === undefined ? [[0n, 0n, 0n, 0n, 0n, 0n]] : argumentVectors(profile, info.name);
      if (arch === 'i386' && (info?.name === 'socketcall' || info?.name === 'ipc')) {
        vectors = [...MULTIPLEXED.values()].filter((m) => m.through === info.name).flatMap((m) => [0, 1].map((d) => [BigInt(m.call + d), 0n, 0n, 0n, 0n, 0n]));
      }
      for (const vector of vectors) {
        const narrow = (index: number) => narrowArch || (info?.args?.[index]?.width ?? 64) === 32;
        const clean = vector.map((value, index) => (narrow(index) ? value & LOW : value));
        const junk = clean.map((value, index) => (narrow(index) && !narrowArch ? value | JUNK : value));
        inputs.push({ clean: { nr, arch: AuditArch[arch], args: clean }, junk: { nr, arch: AuditArch[arch], args: junk } });
      }
    }
  }
  return inputs;
}
