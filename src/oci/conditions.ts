/**
 * Writing libseccomp's comparisons in the policy language, per arch.
 *
 * libseccomp compares every argument on all 64 bits on x86_64, aarch64 and
 * riscv64 (on i386, arm and x32, on the low 32 bits of the argument and the
 * value). The language compares a 32-bit kernel argument on its low half only,
 * as the kernel reads it. The two agree whenever the upper half of the
 * register is clear, which is what a program passing an `int` gives; they
 * differ on junk or sign-extension in the upper half. Two ways to import:
 *
 * - `kernel` (the default): name the argument, as the kernel reads it. A value
 *   beyond 32 bits for a 32-bit argument is settled as libseccomp settles it
 *   for a clean upper half (`== 2^32` never holds, `!= 2^32` always does).
 * - `libseccomp`: keep libseccomp's reading exactly, with the raw registers
 *   of `syscall(N)`, 64 bits wide, wherever a 32-bit argument is compared.
 */
import type { ArchName } from '../ir/model.js';
import type { SyscallInfo } from '../arch/index.js';
import type { OciArg, OciOperator } from './profile.js';

/** How 32-bit arguments are compared: as the kernel reads them, or as libseccomp does. */
export type WidthMode = 'kernel' | 'libseccomp';

const LOW_WORD = 0xffff_ffffn;
const RESERVED = new Set(['in', 'not', 'and', 'or']);

/** libseccompWidth is the width libseccomp compares arguments at on an arch. */
export function libseccompWidth(arch: ArchName): 32 | 64 {
  return arch === 'i386' || arch === 'arm' || arch === 'x32' ? 32 : 64;
}

const OPERATOR_TEXT: Readonly<Record<Exclude<OciOperator, 'SCMP_CMP_MASKED_EQ'>, string>> = {
  SCMP_CMP_EQ: '==',
  SCMP_CMP_NE: '!=',
  SCMP_CMP_LT: '<',
  SCMP_CMP_LE: '<=',
  SCMP_CMP_GT: '>',
  SCMP_CMP_GE: '>=',
};

/** formatValue writes a value in decimal when small, else in hex. */
export function formatValue(value: bigint): string {
  return value < 0x1000n ? value.toString() : `0x${value.toString(16)}`;
}

/** ValueNamer names a value compared with an argument (SYS_SOCKET for socketcall's call 1), or gives undefined. */
export type ValueNamer = (index: number, value: bigint) => string | undefined;

/** A comparison written out, or settled to a constant for the inputs it can see. */
export type WrittenComparison = { readonly text: string } | { readonly constant: boolean };

/** argumentName is how a rule names argument `index` of a syscall: its prototype name, or `argN`. */
function argumentName(info: SyscallInfo | undefined, index: number): string {
  const name = info?.args?.[index]?.name;
  if (name === undefined || RESERVED.has(name) || /^arg\d$/.test(name) || !/^[A-Za-z_]\w*$/.test(name)) return `arg${index}`;
  return name;
}

/**
 * needsRawRegisters says whether a comparison must be written on the raw
 * registers of `syscall(N)`: past the prototype (the language refuses to name
 * such an argument), or, in `libseccomp` mode, on a 32-bit argument that
 * libseccomp compares on all 64 bits.
 */
export function needsRawRegisters(arch: ArchName, info: SyscallInfo, arg: OciArg, mode: WidthMode): boolean {
  if (info.args === undefined) return false;
  const kernelArg = info.args[arg.index];
  if (kernelArg === undefined) return true;
  return mode === 'libseccomp' && libseccompWidth(arch) === 64 && kernelArg.width === 32;
}

/** settle reads a comparison of a clean 32-bit argument whose value libseccomp compares on 64 bits. */
function settleWide(arg: OciArg): WrittenComparison | undefined {
  if (arg.op === 'SCMP_CMP_MASKED_EQ') {
    return (arg.valueTwo & arg.value) > LOW_WORD ? { constant: false } : undefined;
  }
  if (arg.value <= LOW_WORD) return undefined;
  switch (arg.op) {
    case 'SCMP_CMP_EQ':
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_GE':
      return { constant: false };
    default:
      return { constant: true };
  }
}

/**
 * writeComparison writes one libseccomp comparison for a syscall on an arch.
 * `raw` writes it on the raw registers (`argN`, 64 bits). A masked == is
 * written with its value masked, as libseccomp compares it.
 */
export function writeComparison(
  arch: ArchName,
  info: SyscallInfo | undefined,
  arg: OciArg,
  raw: boolean,
  constantName?: ValueNamer,
): WrittenComparison {
  const narrow = libseccompWidth(arch) === 32;
  const kernelWidth = raw || info?.args === undefined ? 64 : (info.args[arg.index]?.width ?? 64);
  const top = narrow || kernelWidth === 32 ? LOW_WORD : 0xffff_ffff_ffff_ffffn;
  if (!narrow && !raw && kernelWidth === 32) {
    const settled = settleWide(arg);
    if (settled !== undefined) return settled;
  }
  const name = raw ? `arg${arg.index}` : argumentName(info, arg.index);
  if (arg.op === 'SCMP_CMP_MASKED_EQ') {
    const mask = arg.value & top;
    const want = arg.valueTwo & arg.value & top;
    if (mask === 0n) return { constant: want === 0n };
    return { text: `${name} & ${formatValue(mask)} == ${formatValue(want)}` };
  }
  const value = arg.value & top;
  return { text: `${name} ${OPERATOR_TEXT[arg.op]} ${constantName?.(arg.index, value) ?? formatValue(value)}` };
}

/**
 * writeCondition writes the ORed terms of one action: undefined when it
 * always holds, null when it never does. Terms of one `==` each on a single
 * argument become a set: `persona in { 0, 8 }`.
 */
export function writeCondition(
  arch: ArchName,
  info: SyscallInfo | undefined,
  terms: readonly (readonly OciArg[])[],
  raw: boolean,
  constantName?: ValueNamer,
): string | undefined | null {
  const written: string[][] = [];
  for (const term of terms) {
    const parts: string[] = [];
    let holds = true;
    for (const arg of term) {
      const comparison = writeComparison(arch, info, arg, raw, constantName);
      if ('constant' in comparison) holds &&= comparison.constant;
      else parts.push(comparison.text);
    }
    if (!holds) continue;
    if (parts.length === 0) return undefined;
    if (!written.some((other) => other.join() === parts.join())) written.push(parts);
  }
  if (written.length === 0) return null;
  const equalities = written.map((parts) => (parts.length === 1 ? /^(\w+) == (\w+)$/.exec(parts[0]!) : null));
  const first = equalities[0];
  if (written.length > 1 && first && equalities.every((match) => match !== null && match[1] === first[1])) {
    return `${first[1]} in { ${equalities.map((match) => match![2]).join(', ')} }`;
  }
  if (written.length === 1) return written[0]!.join(' && ');
  return written.map((parts) => (parts.length === 1 ? parts[0]! : `(${parts.join(' && ')})`)).join(' || ');
}
