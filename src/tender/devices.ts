/**
 * Devices: the block files and tap interfaces named on the command line,
 * opened and checked the way upstream's tender does before a guest may use
 * them, each attached to its manifest entry.
 */
import { hostConstants } from '../arch/index.js';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { DEFAULT_SECTOR_SIZE, DeviceType } from './abi.js';
import type { BlockOption, NetOption } from './arguments.js';
import { LaunchIoError, LaunchRefused } from './errors.js';
import { loadNative } from './ffi.js';
import { findEntry, type Attachment, type Manifest } from './manifest.js';

/** Kernel constants, from the generated tables. */
const K = hostConstants({
  TUNSETIFF: 'TUNSETIFF',
  SIOCGIFMTU: 'SIOCGIFMTU',
  SIOCGIFFLAGS: 'SIOCGIFFLAGS',
  SIOCETHTOOL: 'SIOCETHTOOL',
  ETHTOOL_GGRO: 'ETHTOOL_GGRO',
  ETHTOOL_SGRO: 'ETHTOOL_SGRO',
  ETHTOOL_GGSO: 'ETHTOOL_GGSO',
  ETHTOOL_SGSO: 'ETHTOOL_SGSO',
  ENODEV: 'ENODEV',
  IFF_TAP: 'IFF_TAP',
  IFF_NO_PI: 'IFF_NO_PI',
  AF_INET: 'AF_INET',
  SOCK_DGRAM: 'SOCK_DGRAM',
  SOCK_CLOEXEC: 'SOCK_CLOEXEC',
});

/** OpenDevice is an opened device: its host fd in this process and what it attaches. */
export interface OpenDevice {
  readonly name: string;
  /** The block file or the tap interface. */
  readonly source: string;
  readonly hostFd: number;
  /** The attachment, with `fd` still unset (-1) until the fd layout is decided. */
  readonly attachment: Attachment;
}

const IFF_UP = 0x1;
const SEEK_END = 2;
const IFREQ_SIZE = 40;
const IFNAMSIZ = 16;

function errorCode(error: unknown): string {
  return (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error));
}

/** checkBlockGeometry applies upstream's block checks to a sector size and a capacity. */
export function checkBlockGeometry(name: string, blockSize: number, capacity: bigint): void {
  if (blockSize < 512 || blockSize > 32768 || (blockSize & (blockSize - 1)) !== 0) {
    throw new LaunchRefused(`--block-sector-size:${name}: Block size must be a multiple of 2 greater than or equal 512 (got ${blockSize})`);
  }
  if (capacity % BigInt(blockSize) !== 0n) {
    throw new LaunchRefused(`--block:${name}: Backing storage size must be block aligned (${capacity} bytes, block size ${blockSize})`);
  }
  if (capacity < BigInt(blockSize)) throw new LaunchRefused(`--block:${name}: Backing storage must be at least 1 block`);
}

function blockCapacity(fd: number, path: string): bigint {
  const stat = fstatSync(fd, { bigint: true });
  if (stat.isFile()) return stat.size;
  if (!stat.isBlockDevice()) throw new LaunchRefused(`--block: ${path} is neither a regular file nor a block device`);
  const end = loadNative().libc.lseek(fd, 0, SEEK_END);
  if (end < 0) throw new LaunchIoError(`cannot find the size of ${path}`);
  return BigInt(end);
}

/** openBlock opens a block file read-write and checks its geometry. */
export function openBlock(option: BlockOption, manifest: Manifest): OpenDevice {
  const entry = findEntry(manifest, option.name, DeviceType.block, `--block:${option.name}`);
  const blockSize = option.sectorSize ?? DEFAULT_SECTOR_SIZE;
  let fd: number;
  try {
    fd = openSync(option.path, constants.O_RDWR);
  } catch (error) {
    throw new LaunchIoError(`--block:${option.name}: cannot open ${option.path}: ${errorCode(error)}`);
  }
  try {
    const capacity = blockCapacity(fd, option.path);
    checkBlockGeometry(option.name, blockSize, capacity);
    return { name: option.name, source: option.path, hostFd: fd, attachment: { kind: 'block', index: entry.index, fd: -1, capacity, blockSize } };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** randomMac makes a locally administered unicast MAC address. */
export function randomMac(): Uint8Array {
  const mac = new Uint8Array(randomBytes(6));
  mac[0] = (mac[0]! & 0xfe) | 0x02;
  return mac;
}

/** Runs an interface ioctl on a throwaway datagram socket and returns the request buffer, or the errno. */
function interfaceRequest(iface: string, request: number, data?: Buffer): Buffer | number {
  const native = loadNative();
  const { libc, errno } = native;
  const socket = libc.socket(K.AF_INET, K.SOCK_DGRAM | K.SOCK_CLOEXEC, 0);
  if (socket < 0) throw new LaunchIoError(`cannot make a socket to query ${iface}: errno ${errno()}`);
  try {
    const buffer = Buffer.alloc(IFREQ_SIZE);
    buffer.write(iface, 0, IFNAMSIZ - 1, 'latin1');
    // ifr_data: the request's own structure, for the requests that take one.
    if (data !== undefined) native.writePointer(buffer, IFNAMSIZ, data);
    return libc.ioctl(socket, request, buffer) < 0 ? errno() : buffer;
  } finally {
    libc.close(socket);
  }
}

/** ethtool runs one SIOCETHTOOL command on `struct ethtool_value { u32 cmd; u32 data; }`: the data back, or the errno. */
function ethtool(iface: string, command: number, value = 0): { readonly data: number } | { readonly errno: number } {
  const request = Buffer.alloc(8);
  request.writeUInt32LE(command, 0);
  request.writeUInt32LE(value, 4);
  const reply = interfaceRequest(iface, K.SIOCETHTOOL, request);
  return typeof reply === 'number' ? { errno: reply } : { data: request.readUInt32LE(4) };
}

/** Offloads says whether an interface coalesces received frames (GRO) and segments sent ones late (GSO). */
export interface Offloads {
  readonly gro: boolean;
  readonly gso: boolean;
}

/** interfaceOffloads reads an interface's GRO and GSO settings (ETHTOOL_GGRO, ETHTOOL_GGSO). */
export function interfaceOffloads(iface: string): Offloads {
  const read = (command: number, what: string): boolean => {
    const reply = ethtool(iface, command);
    if ('errno' in reply) throw new LaunchIoError(`cannot read the ${what} setting of ${iface}: errno ${reply.errno}`);
    return reply.data !== 0;
  };
  return { gro: read(K.ETHTOOL_GGRO, 'GRO'), gso: read(K.ETHTOOL_GGSO, 'GSO') };
}

/**
 * switchOffloadsOff turns GRO and GSO off on a tap, as upstream's tender
 * does, so the guest's frames go through as the guest made them. Switching
 * needs CAP_NET_ADMIN; where the kernel refuses, the launch goes on with the
 * interface as it was: the guest works either way, since a tap without a
 * virtio header hands out only whole frames.
 */
function switchOffloadsOff(iface: string): void {
  for (const command of [K.ETHTOOL_SGRO, K.ETHTOOL_SGSO]) ethtool(iface, command, 0);
}

/** interfaceFlags reads an interface's flags (SIOCGIFFLAGS), refusing one that does not exist. */
function interfaceFlags(iface: string): number {
  if (!/^[^/\s:]{1,15}$/.test(iface) || iface === '.' || iface === '..') throw new LaunchRefused(`--net: '${iface}' is not an interface name`);
  const reply = interfaceRequest(iface, K.SIOCGIFFLAGS);
  if (reply === K.ENODEV) throw new LaunchRefused(`Could not attach interface ${iface}: no such interface`);
  if (typeof reply === 'number') throw new LaunchIoError(`cannot query interface ${iface}: errno ${reply}`);
  return reply.readUInt16LE(IFNAMSIZ);
}

/** openTap attaches to an existing, up tap interface through /dev/net/tun, reads its MTU and switches GRO and GSO off. */
export function openTap(option: NetOption, manifest: Manifest): OpenDevice {
  const entry = findEntry(manifest, option.name, DeviceType.net, `--net:${option.name}`);
  const flags = interfaceFlags(option.iface);
  if ((flags & IFF_UP) === 0) throw new LaunchRefused(`Could not attach interface ${option.iface}: the interface is down`);
  const { libc, errno } = loadNative();
  let fd: number;
  try {
    fd = openSync('/dev/net/tun', constants.O_RDWR | constants.O_NONBLOCK);
  } catch (error) {
    throw new LaunchIoError(`--net:${option.name}: cannot open /dev/net/tun: ${errorCode(error)}`);
  }
  const request = Buffer.alloc(IFREQ_SIZE);
  request.write(option.iface, 0, IFNAMSIZ - 1, 'latin1');
  request.writeInt16LE(K.IFF_TAP | K.IFF_NO_PI, IFNAMSIZ);
  try {
    if (libc.ioctl(fd, K.TUNSETIFF, request) < 0) {
      throw new LaunchRefused(`Could not attach interface ${option.iface}: TUNSETIFF failed (errno ${errno()}); is it a tap?`);
    }
    const returned = request.subarray(0, IFNAMSIZ).toString('latin1').replace(/\0.*$/s, '');
    if (returned !== option.iface) throw new LaunchRefused(`Could not attach interface ${option.iface}: the kernel named it ${returned}`);
    const mtu = interfaceMtu(option.iface);
    switchOffloadsOff(option.iface);
    const mac = option.mac ?? randomMac();
    return { name: option.name, source: option.iface, hostFd: fd, attachment: { kind: 'net', index: entry.index, fd: -1, mac, mtu } };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** interfaceMtu reads an interface's MTU (SIOCGIFMTU). */
function interfaceMtu(iface: string): number {
  const reply = interfaceRequest(iface, K.SIOCGIFMTU);
  if (typeof reply === 'number') throw new LaunchIoError(`cannot query the MTU of ${iface}: errno ${reply}`);
  return reply.readInt32LE(IFNAMSIZ);
}

/**
 * openDevices opens every block and net option against the manifest, in
 * manifest order. On any failure the devices already opened are closed.
 */
export function openDevices(blocks: readonly BlockOption[], nets: readonly NetOption[], manifest: Manifest): OpenDevice[] {
  const opened: OpenDevice[] = [];
  try {
    for (const option of blocks) opened.push(openBlock(option, manifest));
    for (const option of nets) opened.push(openTap(option, manifest));
  } catch (error) {
    closeDevices(opened);
    throw error;
  }
  return opened.sort((a, b) => a.attachment.index - b.attachment.index);
}

/** closeDevices closes the host fds of opened devices. */
export function closeDevices(devices: readonly OpenDevice[]): void {
  for (const device of devices) {
    try {
      closeSync(device.hostFd);
    } catch {
      // Already closed: nothing left to release.
    }
  }
}
