/**
 * The net guest echoing frames over a real tap, inside a network namespace
 * the test makes: the launcher attaches the tap (TUNSETIFF, MTU, MAC), the
 * guest waits for frames through its epoll set and writes each one back.
 * The launcher runs in a child process inside the namespace, so the tap it
 * opens is the namespace's.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnLibrary, tenderBinary } from '../../src/tender/paths.js';
import { buildGuest } from '../fixtures/guests/build.js';

const root = join(import.meta.dirname, '..', '..');
const namespace = `nabla-net-${process.pid}`;

function environmentProblem(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return 'needs x86_64 Linux';
  if (process.getuid?.() !== 0) return 'needs root to make a network namespace and a tap';
  if (!existsSync('/dev/net/tun')) return 'needs /dev/net/tun';
  if (spawnSync('ip', ['-V']).status !== 0) return "needs iproute2's ip";
  if (!existsSync(tenderBinary()) || !existsSync(spawnLibrary())) {
    execFileSync(process.execPath, [join(root, 'scripts', 'build-native.mjs')], { stdio: 'pipe' });
    if (!existsSync(tenderBinary())) return 'needs the native tender (node scripts/build-native.mjs)';
  }
  const made = spawnSync('ip', ['netns', 'add', namespace], { encoding: 'utf8' });
  if (made.status !== 0) return `cannot make a network namespace: ${made.stderr.trim()}`;
  const ip = (...args: string[]) => spawnSync('ip', ['-n', namespace, ...args], { encoding: 'utf8' });
  for (const step of [['link', 'set', 'lo', 'up'], ['tuntap', 'add', 'dev', 'tap0', 'mode', 'tap'], ['link', 'set', 'tap0', 'up'], ['addr', 'add', '10.77.0.1/24', 'dev', 'tap0']]) {
    const done = ip(...step);
    if (done.status !== 0) return `cannot set up the tap (ip ${step.join(' ')}): ${done.stderr.trim()}`;
  }
  return undefined;
}

const problem = environmentProblem();
afterAll(() => {
  spawnSync('ip', ['netns', 'del', namespace]);
});

const CHILD = `
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { describeLaunch, runUnikernel } from ${JSON.stringify(join(root, 'src', 'tender', 'run.ts'))};
import { interfaceOffloads } from ${JSON.stringify(join(root, 'src', 'tender', 'devices.ts'))};
const kernel = process.argv[2];
const nets = [{ name: 'service', iface: 'tap0', mac: Uint8Array.from([2, 0, 0, 0x12, 0x34, 0x56]) }];
const received = () => Number(readFileSync('/sys/class/net/tap0/statistics/rx_packets', 'utf8'));
const offloadsBefore = interfaceOffloads('tap0');
const plan = await describeLaunch({ kernel, memoryMiB: 2, nets });
const before = received();
// Each datagram to a new neighbour makes the kernel send an ARP request out of the tap.
const socket = dgram.createSocket('udp4');
let next = 2;
const timer = setInterval(() => socket.send('ping', 9, '10.77.0.' + next++), 50);
const result = await runUnikernel({ kernel, memoryMiB: 2, nets, args: ['3'], output: 'capture' });
clearInterval(timer);
socket.close();
const attachment = plan.devices[0].attachment;
process.stdout.write(JSON.stringify({
  exitCode: result.exitCode,
  stdout: result.stdout.toString(),
  echoed: received() - before,
  fd: attachment.fd,
  mtu: attachment.mtu,
  mac: [...attachment.mac],
  epoll: plan.fds.epoll,
  offloadsBefore,
  offloadsAfter: interfaceOffloads('tap0'),
}));
`;

describe.skipIf(problem !== undefined)(`net over a tap${problem ? ` (skipped: ${problem})` : ''}`, () => {
  it('attaches the tap (GRO and GSO switched off) and the guest echoes three frames', () => {
    const directory = mkdtempSync(join(tmpdir(), 'nabla-net-'));
    const script = join(directory, 'echo.ts');
    writeFileSync(script, CHILD);
    const kernel = buildGuest('net');
    const child = spawnSync('ip', ['netns', 'exec', namespace, join(root, 'node_modules', '.bin', 'vite-node'), script, kernel], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.status, child.stderr).toBe(0);
    const report = JSON.parse(child.stdout.slice(child.stdout.indexOf('{'))) as Record<string, unknown>;
    expect(report).toMatchObject({ exitCode: 0, fd: 4, epoll: 5, mtu: 1500, mac: [2, 0, 0, 0x12, 0x34, 0x56] });
    expect(report.stdout).toContain('SUCCESS');
    expect(report.echoed).toBeGreaterThanOrEqual(3);
    // A new tap coalesces and segments in software until the launcher switches both off.
    expect(report.offloadsBefore).toEqual({ gro: true, gso: true });
    expect(report.offloadsAfter).toEqual({ gro: false, gso: false });
  });
});
