/**
 * The tender re-checks every bound of its launch record: each malformed
 * record below ends the tender with status 1, nothing on stdout, and exactly
 * one line on stderr naming the problem. Records are written by hand from a
 * correct record for the hello guest with one field broken.
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';

import { encodeLaunchRecord, HEADER_SIZE, SEGMENT_SIZE, validLaunchFields } from './launch-record.js';
import type { GuestImage, LaunchFields } from './launch-record.js';
import { allowAll, allowList, sptGuestRules, tenderRules } from './native-filters.js';
import { buildTenderAndHello, NATIVE_SUPPORTED, runTender, TENDER_FDS, TENDER_PATH } from './native-support.js';

const MEM_SIZE = 0x200000n;
const MAX_RECORD = HEADER_SIZE + 16 * SEGMENT_SIZE + 0x10000 + 4096 * 8;
let hello: string;
let image: GuestImage;

beforeAll(() => {
  if (!NATIVE_SUPPORTED) return;
  ({ hello, image } = buildTenderAndHello());
});

function valid(): LaunchFields {
  return validLaunchFields(image, { memSize: MEM_SIZE, elfFd: TENDER_FDS.elf, filter: allowAll(), boot: { cmdline: '', epollFd: 4, timerFd: 5 } });
}

/** A case breaks a correct record (fields, or the encoded bytes) and names the expected message. */
type Case = [name: string, breakRecord: (fields: LaunchFields) => LaunchFields | Buffer, message: string];

const text = (fields: LaunchFields): LaunchFields['segments'][number] => fields.segments[0]!;
const data = (fields: LaunchFields): LaunchFields['segments'][number] => fields.segments[1]!;
const change = (fields: LaunchFields, edit: (fields: LaunchFields) => void): LaunchFields => {
  edit(fields);
  return fields;
};

const cases: Case[] = [
  ['a record shorter than its header', (fields) => encodeLaunchRecord(fields).subarray(0, 10), 'launch record is shorter than its header'],
  ['a record over the largest size', (fields) => Buffer.concat([encodeLaunchRecord(fields), Buffer.alloc(MAX_RECORD)]), 'launch record is too large'],
  ['a bad magic', (fields) => ({ ...fields, magic: 'NBLAUNCX' }), 'launch record has a bad magic'],
  ['version 2', (fields) => ({ ...fields, version: 2 }), 'launch record has an unsupported version'],
  ['a 56-byte header size', (fields) => ({ ...fields, headerSize: 56 }), 'launch record has a bad header size'],
  ['flags set', (fields) => ({ ...fields, flags: 1 }), 'launch record has unknown flags or reserved bytes set'],
  ['reserved header bytes set', (fields) => ({ ...fields, reserved: 1n }), 'launch record has unknown flags or reserved bytes set'],
  ['memory not a page multiple', (fields) => ({ ...fields, memSize: MEM_SIZE + 0x800n }), 'guest memory size is not a page multiple above 0x100000'],
  ['memory of only 0x100000', (fields) => ({ ...fields, memSize: 0x100000n }), 'guest memory size is not a page multiple above 0x100000'],
  ['memory reaching the tender', (fields) => ({ ...fields, memSize: 0x7f0000001000n }), "guest memory would reach the tender's own image"],
  ['an entry below 0x100000', (fields) => ({ ...fields, entry: 0xfffffn }), 'entry point is outside guest memory'],
  ['an entry at mem_size', (fields) => ({ ...fields, entry: MEM_SIZE }), 'entry point is outside guest memory'],
  ['a blob smaller than the boot info', (fields) => ({ ...fields, blob: fields.blob.subarray(0, 39) }), 'boot blob size is out of range'],
  ['a blob over 64 KiB', (fields) => ({ ...fields, blob: Buffer.concat([fields.blob, Buffer.alloc(0x10001 - fields.blob.length)]) }), 'boot blob size is out of range'],
  ['the ELF fd at 3', (fields) => ({ ...fields, elfFd: 3 }), 'ELF fd is out of range'],
  ['no segments', (fields) => ({ ...fields, segments: [] }), 'segment count is out of range'],
  ['17 segments', (fields) => ({ ...fields, segments: Array.from({ length: 17 }, () => ({ ...text(fields) })) }), 'segment count is out of range'],
  ['an empty filter', (fields) => ({ ...fields, filter: Buffer.alloc(0) }), 'guest filter length is out of range'],
  ['a filter of 4097 instructions', (fields) => ({ ...fields, filter: Buffer.concat(Array.from({ length: 4097 }, () => allowAll())) }), 'guest filter length is out of range'],
  ['a record one byte short', (fields) => encodeLaunchRecord(fields).subarray(0, -1), 'launch record length does not match its header'],
  ['a record one byte long', (fields) => Buffer.concat([encodeLaunchRecord(fields), Buffer.alloc(1)]), 'launch record length does not match its header'],
  ['a segment count larger than the segments', (fields) => ({ ...fields, segmentCount: 3 }), 'launch record length does not match its header'],
  ['a reserved segment field set', (fields) => change(fields, (f) => { data(f).reserved = 1; }), 'segment 1: reserved field is not zero'],
  ['an unknown protection bit', (fields) => change(fields, (f) => { text(f).prot = 8 | 5; }), 'segment 0: protection has unknown bits'],
  ['a writable and executable segment', (fields) => change(fields, (f) => { data(f).prot = 7; }), 'segment 1: requests write and exec permissions'],
  ['a segment below 0x100000', (fields) => change(fields, (f) => { text(f).mapStartPage = 0xff; text(f).vaddr = 0xff000n; }), 'segment 0: starts below 0x100000'],
  ['overlapping segments', (fields) => change(fields, (f) => { data(f).mapStartPage = text(f).mapEndPage - 1; }), 'segment 1: overlaps the previous segment'],
  ['segments out of order', (fields) => ({ ...fields, segments: [data(fields), text(fields)] }), 'segment 1: overlaps the previous segment'],
  ['a segment ending past mem_size', (fields) => change(fields, (f) => { data(f).mapEndPage = Number(MEM_SIZE >> 12n) + 1; }), 'segment 1: page range is empty or outside guest memory'],
  ['an empty page range', (fields) => change(fields, (f) => { data(f).mapEndPage = data(f).mapStartPage; }), 'segment 1: page range is empty or outside guest memory'],
  ['an address below its page range', (fields) => change(fields, (f) => { data(f).mapStartPage += 1; data(f).mapEndPage += 1; }), 'segment 1: address is below its page range or the previous segment'],
  ['file size over memory size', (fields) => change(fields, (f) => { text(f).filesz = text(f).memsz + 1n; }), 'segment 0: file size exceeds memory size'],
  ['memory past the page range', (fields) => change(fields, (f) => { text(f).memsz = 0x10000n; text(f).filesz = 0x10000n; }), 'segment 0: does not fit inside its page range'],
  ['an overflowing file range', (fields) => change(fields, (f) => { text(f).fileOffset = 1n << 63n; }), 'segment 0: file range overflows'],
  ['a boot info memory size differing from the header', (fields) => change(fields, (f) => { f.blob.writeBigUInt64LE(MEM_SIZE * 2n, 0); }), 'boot info memory size does not match the header'],
  ['file bytes past the end of the ELF file', (fields) => change(fields, (f) => { text(f).fileOffset = 1n << 40n; }), 'segment 0: ELF file ends inside the segment'],
  ['an ELF fd that is not open', (fields) => ({ ...fields, elfFd: 12 }), 'segment 0: cannot read from the ELF file (errno 9)'],
  ['a guest filter the kernel rejects', (fields) => ({ ...fields, filter: Buffer.from([0x20, 0, 0, 0, 0, 0, 0, 0]) }), 'cannot install the guest filter (errno 22)'],
];

describe.skipIf(!NATIVE_SUPPORTED)('tender refuses malformed launch records (x86_64 Linux only)', () => {
  it.each(cases)('%s', async (_, breakRecord, message) => {
    const broken = breakRecord(valid());
    const record = Buffer.isBuffer(broken) ? broken : encodeLaunchRecord(broken);
    const run = await runTender({ record, elfPath: hello, tenderFilter: allowAll() });
    expect(run.stderr).toBe(`nabla-spt-tender: ${message}\n`);
    expect(run.stdout).toBe('');
    expect(run.exitCode).toBe(1);
  });

  it('reports a refusal within the tender policy (write to fd 2, exit_group)', async () => {
    const tenderFilter = allowList([...tenderRules({ execFd: TENDER_FDS.exec, elfFd: TENDER_FDS.elf, memSize: MEM_SIZE }), ...sptGuestRules({ epoll: 4, timer: 5 })]);
    const run = await runTender({ record: encodeLaunchRecord({ ...valid(), version: 9 }), elfPath: hello, tenderFilter });
    expect([run.exitCode, run.signal, run.stderr]).toEqual([1, null, 'nabla-spt-tender: launch record has an unsupported version\n']);
  });

  it('reports a missing fd 3', () => {
    const result = spawnSync(TENDER_PATH, [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect([result.status, result.stdout, result.stderr]).toEqual([1, '', 'nabla-spt-tender: cannot read the launch record (errno 9)\n']);
  });
});
