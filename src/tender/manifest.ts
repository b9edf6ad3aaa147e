/**
 * The Solo5 device manifest: validated exactly as upstream's tender does,
 * then filled in with the devices the launcher attached before the guest
 * gets its copy.
 */
import { DeviceType, MFT_ENTRY_SIZE, MFT_HEADER_SIZE, MFT_MAX_ENTRIES, MFT_NAME_SIZE, MFT_VERSION } from './abi.js';
import { LaunchRefused } from './errors.js';

/** ManifestEntry is one device the guest declares. */
export interface ManifestEntry {
  readonly index: number;
  readonly name: string;
  readonly type: number;
}

/** Manifest is a validated manifest: its raw bytes and its entries (index 0 is the reserved one). */
export interface Manifest {
  readonly bytes: Uint8Array;
  readonly entries: readonly ManifestEntry[];
}

/** BlockAttachment is what the launcher fills into a BLOCK_BASIC entry. */
export interface BlockAttachment {
  readonly kind: 'block';
  readonly index: number;
  readonly fd: number;
  readonly capacity: bigint;
  readonly blockSize: number;
}

/** NetAttachment is what the launcher fills into a NET_BASIC entry. */
export interface NetAttachment {
  readonly kind: 'net';
  readonly index: number;
  readonly fd: number;
  readonly mac: Uint8Array;
  readonly mtu: number;
}

/** Attachment is a device attached to a manifest entry. */
export type Attachment = BlockAttachment | NetAttachment;

const ATTACHED_OFFSET = 96;

function invalid(detail: string): never {
  throw new LaunchRefused(`Solo5 manifest is invalid: ${detail}`);
}

/** typeName names a manifest device type for messages. */
export function typeName(type: number): string {
  if (type === DeviceType.block) return 'BLOCK_BASIC';
  if (type === DeviceType.net) return 'NET_BASIC';
  if (type === DeviceType.reservedFirst) return 'RESERVED_FIRST';
  return `${type}`;
}

/**
 * parseManifest validates a manifest read from the MFT1 note: version 1, at
 * most 64 entries, the size exactly 8 + 104 per entry, a nameless
 * RESERVED_FIRST entry first, and every name NUL-terminated and every entry
 * unattached. Any failure is "Solo5 manifest is invalid" with the reason.
 */
export function parseManifest(bytes: Uint8Array): Manifest {
  if (bytes.length < MFT_HEADER_SIZE) invalid(`${bytes.length} bytes, shorter than its 8-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(0, true);
  const count = view.getUint32(4, true);
  if (version !== MFT_VERSION) invalid(`version ${version}, expected ${MFT_VERSION}`);
  if (count > MFT_MAX_ENTRIES) invalid(`${count} entries, more than ${MFT_MAX_ENTRIES}`);
  if (bytes.length !== MFT_HEADER_SIZE + MFT_ENTRY_SIZE * count) {
    invalid(`${bytes.length} bytes do not hold exactly ${count} entries (${MFT_HEADER_SIZE + MFT_ENTRY_SIZE * count} bytes)`);
  }
  if (count < 1) invalid('no entries (the reserved first entry is missing)');
  const entries: ManifestEntry[] = [];
  for (let index = 0; index < count; index++) {
    const at = MFT_HEADER_SIZE + index * MFT_ENTRY_SIZE;
    const nameField = bytes.subarray(at, at + MFT_NAME_SIZE);
    if (nameField[MFT_NAME_SIZE - 1] !== 0) invalid(`entry ${index}: its name is not NUL-terminated`);
    if (bytes[at + ATTACHED_OFFSET] !== 0) invalid(`entry ${index}: it is already marked attached`);
    const end = nameField.indexOf(0);
    const name = Buffer.from(nameField.subarray(0, end)).toString('latin1');
    entries.push(Object.freeze({ index, name, type: view.getUint32(at + MFT_NAME_SIZE, true) }));
  }
  const first = entries[0]!;
  if (first.type !== DeviceType.reservedFirst) invalid(`entry 0 has type ${typeName(first.type)}, not RESERVED_FIRST`);
  if (first.name !== '') invalid('entry 0 (RESERVED_FIRST) has a name');
  return Object.freeze({ bytes, entries: Object.freeze(entries) });
}

/** findEntry returns the entry named `name` of `type`, or refuses the launch. */
export function findEntry(manifest: Manifest, name: string, type: number, option: string): ManifestEntry {
  const entry = manifest.entries.find((e) => e.index > 0 && e.name === name);
  if (entry === undefined) throw new LaunchRefused(`${option}: the executable declares no device named '${name}'`);
  if (entry.type !== type) {
    throw new LaunchRefused(`${option}: device '${name}' is of type ${typeName(entry.type)}, not ${typeName(type)}`);
  }
  return entry;
}

/**
 * fillManifest returns a copy of the manifest with each attachment written
 * into its entry (capacity and block size, or MAC and MTU; host fd;
 * attached). Every declared device must be attached, as upstream requires.
 */
export function fillManifest(manifest: Manifest, attachments: readonly Attachment[]): Uint8Array {
  const filled = new Uint8Array(manifest.bytes);
  const view = new DataView(filled.buffer);
  const attached = new Set(attachments.map((a) => a.index));
  for (const entry of manifest.entries) {
    if (entry.type < DeviceType.reservedFirst && !attached.has(entry.index)) {
      throw new LaunchRefused(`Device '${entry.name}' of type ${typeName(entry.type)} declared but not attached.`);
    }
  }
  for (const attachment of attachments) {
    const at = MFT_HEADER_SIZE + attachment.index * MFT_ENTRY_SIZE;
    if (attachment.kind === 'block') {
      view.setBigUint64(at + 72, attachment.capacity, true);
      view.setUint16(at + 80, attachment.blockSize, true);
    } else {
      filled.set(attachment.mac, at + 72);
      view.setUint16(at + 78, attachment.mtu, true);
    }
    view.setInt32(at + 88, attachment.fd, true);
    filled[at + ATTACHED_OFFSET] = 1;
  }
  return filled;
}
