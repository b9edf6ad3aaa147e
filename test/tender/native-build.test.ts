/**
 * The native build: scripts/build-native.mjs builds the tender and the spawn
 * helper, skips fresh targets, rebuilds stale ones, and only warns when no
 * compiler is found. The tender must be a static, non-PIE, W^X executable
 * linked far above guest memory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { BUILD_SCRIPT, NATIVE_SUPPORTED, SPAWN_LIBRARY_PATH, TENDER_PATH, temporaryDirectory } from './native-support.js';

function build(...options: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BUILD_SCRIPT, ...options.filter((option) => option.startsWith('--'))], {
    encoding: 'utf8',
    env: { ...process.env, ...(options.includes('no-cc') ? { CC: '/nonexistent/cc' } : {}) },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface ProgramHeader { type: number; flags: number; vaddr: bigint; filesz: bigint }

function programHeaders(path: string): { type: number; machine: number; headers: ProgramHeader[] } {
  const elf = readFileSync(path);
  const offset = Number(elf.readBigUInt64LE(32));
  const headers: ProgramHeader[] = [];
  for (let index = 0; index < elf.readUInt16LE(56); index++) {
    const base = offset + 56 * index;
    headers.push({
      type: elf.readUInt32LE(base), flags: elf.readUInt32LE(base + 4),
      vaddr: elf.readBigUInt64LE(base + 16), filesz: elf.readBigUInt64LE(base + 32),
    });
  }
  return { type: elf.readUInt16LE(16), machine: elf.readUInt16LE(18), headers };
}

describe.skipIf(!NATIVE_SUPPORTED)('build-native (x86_64 Linux only)', () => {
  it('builds the tender and the spawn helper', () => {
    const result = build('--strict');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(existsSync(TENDER_PATH)).toBe(true);
    expect(existsSync(SPAWN_LIBRARY_PATH)).toBe(true);
  });

  // The freshness cases build into a private directory, so other test files
  // using native/build/ never see a target being rebuilt under them.
  it('skips targets newer than their sources and rebuilds older ones', () => {
    const directory = temporaryDirectory();
    const out = `--out=${directory}`;
    const first = build('--strict', out);
    expect(first.stdout).toMatch(/built .*nabla-spt-tender\n/);
    expect(first.stdout).toMatch(/built .*libnabla-spawn\.so\n/);
    const second = build('--strict', out);
    expect(second.stdout).toMatch(/nabla-spt-tender is up to date\n/);
    expect(second.stdout).toMatch(/libnabla-spawn\.so is up to date\n/);
    const library = join(directory, 'libnabla-spawn.so');
    utimesSync(library, new Date(0), new Date(0));
    const third = build('--strict', out);
    expect(third.stdout).toMatch(/built .*libnabla-spawn\.so\n/);
    expect(third.stdout).toMatch(/nabla-spt-tender is up to date\n/);
    expect(statSync(library).mtimeMs).toBeGreaterThan(0);
  });

  it('warns and exits 0 without a compiler, and exits 1 with --strict', () => {
    const relaxed = build('no-cc');
    expect(relaxed.status).toBe(0);
    expect(relaxed.stderr).toContain('no C compiler found');
    expect(build('no-cc', '--strict').status).toBe(1);
  });

  it('links the tender static, non-PIE, W^X and above 0x7f0000000000', () => {
    build('--strict');
    const { type, machine, headers } = programHeaders(TENDER_PATH);
    expect(type).toBe(2); // ET_EXEC
    expect(machine).toBe(62);
    expect(headers.some((header) => header.type === 3)).toBe(false); // no PT_INTERP
    expect(headers.some((header) => header.type === 2)).toBe(false); // no PT_DYNAMIC
    const loads = headers.filter((header) => header.type === 1);
    expect(loads.length).toBeGreaterThan(0);
    for (const load of loads) {
      expect(load.vaddr).toBeGreaterThanOrEqual(0x7f0000000000n);
      expect((load.flags & 3) === 3).toBe(false); // never W+X
    }
    const stack = headers.find((header) => header.type === 0x6474e551); // PT_GNU_STACK
    expect(stack?.flags).toBe(6); // RW, not executable
  });
});
