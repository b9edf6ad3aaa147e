/**
 * OCI runtime-spec and Docker seccomp profiles: their shape, and a reader
 * that checks a profile's JSON and keeps every 64-bit value exact.
 *
 * A profile is what `linux.seccomp` holds in an OCI `config.json`, or what
 * `docker run --security-opt seccomp=FILE` reads: a default action, the
 * architectures (`architectures`, or Docker's `archMap` of a main arch and
 * its sub-architectures), and syscall entries with an action and argument
 * comparisons. Docker entries may also be filtered by `includes` and
 * `excludes` (capabilities, host arches, minimum kernel).
 */

/** The `SCMP_ACT_*` actions runc accepts. */
export const OCI_ACTIONS = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
] as const;
/** OciAction is one `SCMP_ACT_*` name. */
export type OciAction = (typeof OCI_ACTIONS)[number];

/** The `SCMP_CMP_*` operators runc accepts. */
export const OCI_OPERATORS = [
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
] as const;
/** OciOperator is one `SCMP_CMP_*` name. */
export type OciOperator = (typeof OCI_OPERATORS)[number];

/** OciArg is one argument comparison: `args[index] op value` (MASKED_EQ: `(args[index] & value) == valueTwo`). */
export interface OciArg {
  readonly index: number;
  readonly value: bigint;
  readonly valueTwo: bigint;
  readonly op: OciOperator;
}

/** OciFilter is Docker's `includes` or `excludes` of an entry. */
export interface OciFilter {
  readonly caps: readonly string[];
  readonly arches: readonly string[];
  readonly minKernel?: string;
}

/** OciSyscall is one entry of `syscalls`. */
export interface OciSyscall {
  readonly names: readonly string[];
  readonly action: OciAction;
  readonly errnoRet?: number;
  readonly args: readonly OciArg[];
  readonly comment?: string;
  readonly includes: OciFilter;
  readonly excludes: OciFilter;
}

/** OciArchMapEntry is one entry of Docker's `archMap`. */
export interface OciArchMapEntry {
  readonly architecture: string;
  readonly subArchitectures: readonly string[];
}

/** OciProfile is a whole profile as read. */
export interface OciProfile {
  readonly defaultAction: OciAction;
  readonly defaultErrnoRet?: number;
  readonly architectures: readonly string[];
  readonly archMap: readonly OciArchMapEntry[];
  readonly syscalls: readonly OciSyscall[];
  readonly flags: readonly string[];
}

/** OciProfileError says what is wrong with a profile, and where (`syscalls[3].args[0].op`). */
export class OciProfileError extends Error {
  override readonly name = 'OciProfileError';
  constructor(
    readonly code: string,
    readonly path: string,
    message: string,
  ) {
    super(path === '' ? message : `${path}: ${message}`);
  }
}

/** A marker for integers too long for a JS number, kept as text by `quoteLongIntegers`. */
const EXACT = '#exact-integer:';

/**
 * quoteLongIntegers wraps every integer literal of 16 digits or more that
 * stands outside a string in quotes with a marker, so that JSON.parse keeps it
 * exact (uint64 values such as 18446744073709551615 do not fit a double).
 */
function quoteLongIntegers(text: string): string {
  let output = '';
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '"') {
      let end = index + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      output += text.slice(index, end + 1);
      index = end + 1;
      continue;
    }
    const number = /^-?\d+(?![.eE\d])/.exec(text.slice(index, index + 40));
    if (number !== null && /[\s,:[]/.test(text[index - 1] ?? ' ') && number[0].replace('-', '').length >= 16) {
      output += `"${EXACT}${number[0]}"`;
      index += number[0].length;
      continue;
    }
    output += char;
    index++;
  }
  return output;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(path: string, message: string, code = 'E_OCI_PROFILE'): never {
  throw new OciProfileError(code, path, message);
}

function readInteger(value: Json | undefined, path: string, max: bigint): bigint {
  let result: bigint;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) fail(path, `${value} is not an exact integer`);
    result = BigInt(value);
  } else if (typeof value === 'string' && value.startsWith(EXACT)) {
    result = BigInt(value.slice(EXACT.length));
  } else {
    fail(path, `expected an integer, not ${JSON.stringify(value)}`);
  }
  if (result < 0n || result > max) fail(path, `${result} is out of range 0..${max}`);
  return result;
}

function readStrings(value: Json | undefined, path: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) fail(path, 'expected a list of strings');
  return value as string[];
}

function readEnum<T extends string>(value: Json | undefined, path: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(path, `expected one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`, 'E_OCI_UNKNOWN');
  }
  return value as T;
}

function readFilter(value: Json | undefined, path: string): OciFilter {
  if (value === undefined || value === null) return { caps: [], arches: [] };
  if (!isObject(value)) fail(path, 'expected an object');
  const minKernel = value['minKernel'];
  if (minKernel !== undefined && minKernel !== null && (typeof minKernel !== 'string' || !/^\d+\.\d+/.test(minKernel))) {
    fail(`${path}.minKernel`, `expected a kernel version like "4.8", not ${JSON.stringify(minKernel)}`);
  }
  return {
    caps: readStrings(value['caps'], `${path}.caps`),
    arches: readStrings(value['arches'], `${path}.arches`),
    ...(typeof minKernel === 'string' ? { minKernel } : {}),
  };
}

function readArg(value: Json, path: string): OciArg {
  if (!isObject(value)) fail(path, 'expected an object');
  const index = Number(readInteger(value['index'], `${path}.index`, 5n));
  const u64 = 0xffff_ffff_ffff_ffffn;
  return {
    index,
    value: readInteger(value['value'] ?? 0, `${path}.value`, u64),
    valueTwo: readInteger(value['valueTwo'] ?? 0, `${path}.valueTwo`, u64),
    op: readEnum(value['op'], `${path}.op`, OCI_OPERATORS),
  };
}

function readSyscall(value: Json, path: string): OciSyscall {
  if (!isObject(value)) fail(path, 'expected an object');
  const single = value['name'];
  const names = readStrings(value['names'], `${path}.names`);
  if (typeof single === 'string' && names.length > 0) fail(path, "give either 'name' or 'names', not both");
  if (typeof single === 'string') names.push(single);
  if (names.length === 0 || names.some((name) => name === '')) fail(path, 'a syscall entry needs names');
  const args = value['args'];
  if (args !== undefined && args !== null && !Array.isArray(args)) fail(`${path}.args`, 'expected a list');
  const errnoRet = value['errnoRet'];
  const comment = value['comment'];
  return {
    names,
    action: readEnum(value['action'], `${path}.action`, OCI_ACTIONS),
    ...(errnoRet === undefined || errnoRet === null ? {} : { errnoRet: Number(readInteger(errnoRet, `${path}.errnoRet`, 0xffffn)) }),
    args: (args ?? []).map((arg, index) => readArg(arg, `${path}.args[${index}]`)),
    ...(typeof comment === 'string' && comment !== '' ? { comment } : {}),
    includes: readFilter(value['includes'], `${path}.includes`),
    excludes: readFilter(value['excludes'], `${path}.excludes`),
  };
}

function readArchMap(value: Json | undefined): OciArchMapEntry[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail('archMap', 'expected a list');
  return value.map((entry, index) => {
    const path = `archMap[${index}]`;
    if (!isObject(entry) || typeof entry['architecture'] !== 'string') fail(path, "expected an object with 'architecture'");
    return { architecture: entry['architecture'], subArchitectures: readStrings(entry['subArchitectures'], `${path}.subArchitectures`) };
  });
}

/**
 * parseProfile reads a profile's JSON text. Throws OciProfileError (code
 * E_OCI_JSON, E_OCI_PROFILE or E_OCI_UNKNOWN) naming the faulty field.
 *
 *     parseProfile('{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}')
 */
export function parseProfile(text: string): OciProfile {
  let root: Json;
  try {
    root = JSON.parse(quoteLongIntegers(text)) as Json;
  } catch (error) {
    fail('', `not valid JSON: ${error instanceof Error ? error.message : String(error)}`, 'E_OCI_JSON');
  }
  if (!isObject(root)) fail('', 'a profile is a JSON object');
  // A whole OCI config.json holds the profile at linux.seccomp.
  const linux = root['linux'];
  if (root['defaultAction'] === undefined && isObject(linux) && isObject(linux['seccomp'])) root = linux['seccomp'];
  const architectures = readStrings(root['architectures'], 'architectures');
  const archMap = readArchMap(root['archMap']);
  if (architectures.length > 0 && archMap.length > 0) fail('', "give either 'architectures' or 'archMap', not both");
  const syscalls = root['syscalls'];
  if (syscalls !== undefined && syscalls !== null && !Array.isArray(syscalls)) fail('syscalls', 'expected a list');
  const defaultErrnoRet = root['defaultErrnoRet'];
  return {
    defaultAction: readEnum(root['defaultAction'], 'defaultAction', OCI_ACTIONS),
    ...(defaultErrnoRet === undefined || defaultErrnoRet === null
      ? {}
      : { defaultErrnoRet: Number(readInteger(defaultErrnoRet, 'defaultErrnoRet', 0xffffn)) }),
    architectures,
    archMap,
    syscalls: (syscalls ?? []).map((entry, index) => readSyscall(entry, `syscalls[${index}]`)),
    flags: readStrings(root['flags'], 'flags'),
  };
}
