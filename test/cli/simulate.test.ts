import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './run.js';

const SPT = ['policies/solo5-spt.policy', '--param', 'epoll=4', '--param', 'timer=5', '--param', 'nets=[]'];
const ONE_BLOCK = [...SPT, '--param', 'blocks=[{"fd":6,"block_size":512,"capacity":4194304}]'];

async function decide(args: string[]) {
  const result = await cli(['simulate', ...args, '--format', 'json']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as { action: string; data: number; ret: number; steps: number };
}

describe('simulate a policy', () => {
  it.each([
    [['--syscall', 'write', '--args', '1,0,12'], 'allow'],
    [['--syscall', 'write', '--args', '2,0,12'], 'kill_process'],
    [['--syscall', 'pread64', '--args', '6,0,512,4193792'], 'allow'],
    [['--syscall', 'pread64', '--args', '6,0,512,4194304'], 'kill_process'],
    [['--syscall', 'pread64', '--args', '6,0,1024,0'], 'kill_process'],
    [['--syscall', '39'], 'kill_process'],
    [['--syscall', 'write', '--args', '0xffffffff00000001'], 'allow'],
    [['--syscall', 'write', '--args=-4294967295'], 'allow'],
  ])('x86_64 %j: %s', async (call, action) => {
    const result = await decide([...ONE_BLOCK, '--arch', 'x86_64', ...call]);
    expect(result.action).toBe(action);
    expect(result.steps).toBeGreaterThan(2);
  });

  it('prints {"action","data","ret","steps"} and nothing else', async () => {
    const result = await cli(['simulate', ...ONE_BLOCK, '--arch', 'x86_64', '--syscall', 'getpid', '--format', 'json']);
    expect(Object.keys(JSON.parse(result.stdout))).toEqual(['action', 'data', 'ret', 'steps']);
    expect(JSON.parse(result.stdout)).toMatchObject({ action: 'kill_process', data: 0, ret: 0x80000000 });
  });

  it('adds the x32 bit for --arch x32, and the x86_64 filter kills it', async () => {
    expect((await decide([...ONE_BLOCK, '--arch', 'x32', '--syscall', 'write', '--args', '1'])).action).toBe('kill_process');
  });

  it('decides foreign arches as badarch', async () => {
    expect((await decide([...ONE_BLOCK, '--arch', 'i386', '--syscall', 'write', '--args', '1'])).action).toBe('kill_process');
  });

  it('uses the aarch64 numbers and rules for --arch aarch64 when the policy serves it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nabla-sim-'));
    const file = join(dir, 'p.policy');
    writeFileSync(file, 'arch x86_64, aarch64\ndefault errno(EPERM)\nallow write where fd == 1\n');
    expect(await decide([file, '--arch', 'aarch64', '--syscall', 'write', '--args', '1'])).toMatchObject({ action: 'allow' });
    expect(await decide([file, '--arch', 'aarch64', '--syscall', '1', '--args', '1'])).toMatchObject({ action: 'errno', data: 1 });
  });

  it('prints a readable line in text format', async () => {
    const result = await cli(['simulate', ...ONE_BLOCK, '--arch', 'x86_64', '--syscall', 'write', '--args', '1']);
    expect(result.stdout).toMatch(/^write\(0x1\) on x86_64: allow {2}\[ret 0x7fff0000, \d+ instructions\]\n$/);
  });
});

describe('simulate a compiled filter', () => {
  it('decides a .bpf file as its policy does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nabla-sim-'));
    const out = join(dir, 'spt.bpf');
    expect((await cli(['compile', ...ONE_BLOCK, '-o', out])).code).toBe(0);
    for (const args of ['6,0,512,4193792', '6,0,512,4194304']) {
      const fromPolicy = await decide([...ONE_BLOCK, '--arch', 'x86_64', '--syscall', 'pread64', '--args', args]);
      const fromFilter = await decide([out, '--arch', 'x86_64', '--syscall', 'pread64', '--args', args]);
      expect(fromFilter).toEqual(fromPolicy);
    }
  });

  it.each([
    [['simulate', 'x.bpf', '--syscall', 'read'], /needs --arch/],
    [['simulate', 'x.bpf', '--arch', 'x86_64'], /needs --syscall/],
    [['simulate', 'policies/nabla.policy', '--arch', 'x86_64', '--syscall', 'reed'], /no syscall named 'reed'/],
    [['simulate', 'policies/nabla.policy', '--arch', 'x86_64', '--syscall', 'read', '--args', '1,2,3,4,5,6,7'], /at most 6/],
    [['simulate', 'policies/nabla.policy', '--arch', 'x86_64', '--syscall', 'read', '--args', 'x'], /not an integer/],
    [['simulate', 'x.bpf', '--arch', 'x86_64', '--syscall', 'read', '--param', 'a=1'], /apply to policies/],
  ])('%j is a usage error', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
