/**
 * The `run` command line, parsed by hand: Solo5's device options carry the
 * device name inside the option (`--block:NAME=PATH`), which generic option
 * parsers cannot express.
 *
 *     run KERNEL [--mem=MB] [--block:NAME=PATH] [--block-sector-size:NAME=N]
 *                [--net:NAME=IFACE] [--net-mac:NAME=MAC] [--policy FILE]
 *                [--dry-run] [--] [ARGS…]
 */
import { LaunchUsageError } from './errors.js';

/** BlockOption is one `--block:NAME=PATH`, with its `--block-sector-size:NAME=N` if given. */
export interface BlockOption {
  readonly name: string;
  readonly path: string;
  readonly sectorSize?: number;
}

/** NetOption is one `--net:NAME=IFACE`, with its `--net-mac:NAME=MAC` if given. */
export interface NetOption {
  readonly name: string;
  readonly iface: string;
  readonly mac?: Uint8Array;
}

/** RunArguments is a parsed `run` command line. */
export interface RunArguments {
  readonly kernel?: string;
  readonly memoryMiB?: number;
  readonly blocks: readonly BlockOption[];
  readonly nets: readonly NetOption[];
  readonly policy?: string;
  readonly dryRun: boolean;
  readonly help: boolean;
  /** The guest's command line words. */
  readonly args: readonly string[];
}

const DEVICE_NAME = /^[A-Za-z0-9]{1,67}$/;
const MAC_ADDRESS = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/;

function usage(message: string): never {
  throw new LaunchUsageError(message);
}

function decimal(text: string, option: string): number {
  if (!/^[0-9]{1,9}$/.test(text)) usage(`${option} needs a decimal number, not '${text}'`);
  return Number(text);
}

/** parseMac reads `xx:xx:xx:xx:xx:xx` into 6 bytes. */
export function parseMac(text: string, option: string): Uint8Array {
  if (!MAC_ADDRESS.test(text)) usage(`${option} needs a MAC address xx:xx:xx:xx:xx:xx, not '${text}'`);
  return Uint8Array.from(text.split(':').map((part) => parseInt(part, 16)));
}

/** Splits `--KIND:NAME=VALUE` into its name and value. */
function named(token: string, kind: string): { name: string; value: string } {
  const rest = token.slice(kind.length + 3);
  const equals = rest.indexOf('=');
  if (equals < 0) usage(`--${kind}:NAME=VALUE is missing '=' in '${token}'`);
  const name = rest.slice(0, equals);
  if (!DEVICE_NAME.test(name)) usage(`device name '${name}' in '${token}' is not 1 to 67 letters and digits`);
  return { name, value: rest.slice(equals + 1) };
}

interface Gathered {
  kernel?: string;
  memoryMiB?: number;
  policy?: string;
  dryRun: boolean;
  help: boolean;
  blocks: Map<string, string>;
  sectorSizes: Map<string, number>;
  nets: Map<string, string>;
  macs: Map<string, Uint8Array>;
}

function setOnce<T>(map: Map<string, T>, name: string, value: T, option: string): void {
  if (map.has(name)) usage(`${option}:${name} is given twice`);
  map.set(name, value);
}

/** Reads one option; returns how many tokens it used. */
function option(tokens: readonly string[], at: number, into: Gathered): number {
  const token = tokens[at]!;
  if (token === '--dry-run') into.dryRun = true;
  else if (token === '-h' || token === '--help') into.help = true;
  else if (token.startsWith('--mem=')) {
    if (into.memoryMiB !== undefined) usage('--mem is given twice');
    into.memoryMiB = decimal(token.slice(6), '--mem');
  } else if (token === '--policy' || token.startsWith('--policy=')) {
    if (into.policy !== undefined) usage('--policy is given twice');
    const value = token === '--policy' ? tokens[at + 1] : token.slice(9);
    if (value === undefined || value === '') usage('--policy needs a FILE');
    into.policy = value;
    return token === '--policy' ? 2 : 1;
  } else if (token.startsWith('--block:')) {
    const { name, value } = named(token, 'block');
    if (value === '') usage(`--block:${name} needs a PATH`);
    setOnce(into.blocks, name, value, '--block');
  } else if (token.startsWith('--block-sector-size:')) {
    const { name, value } = named(token, 'block-sector-size');
    setOnce(into.sectorSizes, name, decimal(value, `--block-sector-size:${name}`), '--block-sector-size');
  } else if (token.startsWith('--net:')) {
    const { name, value } = named(token, 'net');
    if (value === '' || value.length > 15) usage(`--net:${name} needs an interface name of 1 to 15 characters`);
    setOnce(into.nets, name, value, '--net');
  } else if (token.startsWith('--net-mac:')) {
    const { name, value } = named(token, 'net-mac');
    setOnce(into.macs, name, parseMac(value, `--net-mac:${name}`), '--net-mac');
  } else {
    usage(`unknown option '${token}' (guest arguments that start with '-' go after '--')`);
  }
  return 1;
}

/**
 * parseRunArguments reads the `run` command line. Options may come before
 * and after KERNEL; after KERNEL, `--` or the first word that is not an
 * option starts the guest's arguments. Throws LaunchUsageError.
 *
 *     parseRunArguments(['hello.spt', '--mem=2', 'Hello_Solo5'])
 *     // { kernel: 'hello.spt', memoryMiB: 2, args: ['Hello_Solo5'], … }
 */
export function parseRunArguments(argv: readonly string[]): RunArguments {
  const into: Gathered = {
    dryRun: false,
    help: false,
    blocks: new Map(),
    sectorSizes: new Map(),
    nets: new Map(),
    macs: new Map(),
  };
  let args: string[] = [];
  for (let at = 0; at < argv.length; ) {
    const token = argv[at]!;
    if (token === '--') {
      if (into.kernel === undefined) {
        into.kernel = argv[at + 1];
        args = argv.slice(at + 2);
      } else args = argv.slice(at + 1);
      break;
    }
    if (token.startsWith('-') && token !== '-') {
      at += option(argv, at, into);
      continue;
    }
    if (into.kernel === undefined) {
      into.kernel = token;
      at++;
      continue;
    }
    args = argv.slice(at);
    break;
  }
  for (const name of into.sectorSizes.keys()) {
    if (!into.blocks.has(name)) usage(`--block-sector-size:${name} is given without --block:${name}`);
  }
  for (const name of into.macs.keys()) {
    if (!into.nets.has(name)) usage(`--net-mac:${name} is given without --net:${name}`);
  }
  const blocks = [...into.blocks].map(([name, path]) => {
    const sectorSize = into.sectorSizes.get(name);
    return Object.freeze(sectorSize === undefined ? { name, path } : { name, path, sectorSize });
  });
  const nets = [...into.nets].map(([name, iface]) => {
    const mac = into.macs.get(name);
    return Object.freeze(mac === undefined ? { name, iface } : { name, iface, mac });
  });
  return Object.freeze({
    ...(into.kernel === undefined ? {} : { kernel: into.kernel }),
    ...(into.memoryMiB === undefined ? {} : { memoryMiB: into.memoryMiB }),
    ...(into.policy === undefined ? {} : { policy: into.policy }),
    blocks,
    nets,
    dryRun: into.dryRun,
    help: into.help,
    args: Object.freeze(args),
  });
}
