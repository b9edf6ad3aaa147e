/**
 * describePlan: the launch plan as text, what `run --dry-run` prints:
 * memory and segments, devices and fds, the manifest the guest receives,
 * its boot info, and both filters' listings.
 */
import { listing } from '../bpf/listing.js';
import { syscallNamer } from '../cli/names.js';
import { BOOT_INFO_BASE, MFT_ENTRY_SIZE, MFT_HEADER_SIZE, MFT_NAME_SIZE } from './abi.js';
import { MANIFEST_ADDRESS } from './boot.js';
import { typeName } from './manifest.js';
import type { LaunchPlan } from './plan.js';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from './segments.js';

const hex = (value: bigint | number): string => `0x${value.toString(16)}`;

function protectionText(prot: number): string {
  return `${prot & PROT_READ ? 'r' : '-'}${prot & PROT_WRITE ? 'w' : '-'}${prot & PROT_EXEC ? 'x' : '-'}`;
}

function macText(mac: Uint8Array): string {
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function manifestLines(manifest: Uint8Array): string[] {
  const view = new DataView(manifest.buffer, manifest.byteOffset, manifest.byteLength);
  const count = view.getUint32(4, true);
  const lines = [`manifest at ${hex(MANIFEST_ADDRESS)} (version ${view.getUint32(0, true)}, ${count} entries, ${manifest.length} bytes):`];
  for (let index = 0; index < count; index++) {
    const at = MFT_HEADER_SIZE + index * MFT_ENTRY_SIZE;
    const nameField = manifest.subarray(at, at + MFT_NAME_SIZE);
    const name = Buffer.from(nameField.subarray(0, nameField.indexOf(0))).toString('latin1');
    const type = view.getUint32(at + MFT_NAME_SIZE, true);
    const attached = manifest[at + 96] !== 0;
    let detail = '';
    if (attached && type === 1) {
      detail = ` capacity ${view.getBigUint64(at + 72, true)} block_size ${view.getUint16(at + 80, true)}`;
    } else if (attached && type === 2) {
      detail = ` mac ${macText(manifest.subarray(at + 72, at + 78))} mtu ${view.getUint16(at + 78, true)}`;
    }
    const state = attached ? ` attached hostfd ${view.getInt32(at + 88, true)}` : '';
    lines.push(`  [${index}] ${typeName(type)}${name ? ` '${name}'` : ''}${state}${detail}`);
  }
  return lines;
}

function fdLines(plan: LaunchPlan): string[] {
  const { fds } = plan;
  const lines = [
    'tender fds:',
    `  ${fds.stdin}  stdin (/dev/null)`,
    `  ${fds.stdout}  stdout`,
    `  ${fds.stderr}  stderr`,
    `  ${fds.record}  launch record (${plan.record.length} bytes)`,
  ];
  plan.devices.forEach((device, i) => {
    const kind = device.attachment.kind === 'block' ? 'block file' : 'tap';
    lines.push(`  ${fds.devices[i]}  ${kind} ${device.source} for '${device.name}'`);
  });
  lines.push(`  ${fds.epoll}  epoll set (timerfd tagged 0xfffffffe${plan.devices.some((d) => d.attachment.kind === 'net') ? ', taps tagged by manifest index' : ''})`);
  lines.push(`  ${fds.timer}  timerfd (CLOCK_MONOTONIC, non-blocking)`);
  lines.push(`  ${fds.elf}  executable ${plan.kernel}`);
  lines.push(`  ${fds.exec}  tender binary (close-on-exec)`);
  return lines;
}

/** describePlan renders a launch plan for people, ending in a newline. */
export function describePlan(plan: LaunchPlan): string {
  const names = { syscallName: syscallNamer() };
  const memoryMiB = plan.memSize >> 20n;
  const lines = [
    `kernel: ${plan.kernel}`,
    `memory: ${hex(plan.memSize)} bytes (${memoryMiB} MiB), guest range ${hex(0x10000)}-${hex(plan.memSize)}`,
    `entry: ${hex(plan.entry)}, initial stack ${hex(plan.memSize - 8n)}`,
    `command line: ${JSON.stringify(plan.args.join(' '))}`,
    '',
    'segments:',
    ...plan.segments.map(
      (s) =>
        `  phdr ${s.programHeader}: file ${hex(s.fileOffset)}+${hex(s.filesz)} -> ${hex(s.vaddr)}, memsz ${hex(s.memsz)}, ` +
        `protect ${hex(s.mapStart)}-${hex(s.mapEnd)} ${protectionText(s.prot)}`,
    ),
    '',
    ...fdLines(plan),
    '',
    ...manifestLines(plan.manifest),
    '',
    `boot info at ${hex(BOOT_INFO_BASE)}: mem_size ${hex(plan.memSize)}, kernel_end ${hex(plan.kernelEnd)}, ` +
      `cmdline ${hex(MANIFEST_ADDRESS + plan.manifest.length)}, mft ${hex(MANIFEST_ADDRESS)}, epollfd ${plan.fds.epoll}, timerfd ${plan.fds.timer}`,
    '',
    `guest filter (${plan.policies.guest}, ${plan.filters.guest.instructions.length} instructions):`,
    listing(plan.filters.guest.instructions, names),
    '',
    `tender filter (${plan.policies.tender}, ${plan.filters.tender.instructions.length} instructions):`,
    listing(plan.filters.tender.instructions, names),
  ];
  return `${lines.join('\n')}\n`;
}
