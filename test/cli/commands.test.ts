import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/bpf/assemble.js';
import { op } from '../../src/bpf/instructions.js';
import { cli, cliProcess } from './run.js';

describe('help and version', () => {
  it('lists every command in --help', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['compile', 'simulate', 'disasm']) expect(result.stdout).toMatch(new RegExp(`\\n  ${command} +\\S`));
  });
  it.each(['compile', 'simulate', 'disasm'])('%s --help shows its usage', async (command) => {
    const result = await cli([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: nabla-seccomp ${command} `));
  });
  it('prints the package version', async () => {
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };
    expect((await cli(['--version'])).stdout).toBe(`nabla-seccomp ${version}\n`);
  });
  it('refuses an unknown command with usage (exit 2)', async () => {
    const result = await cli(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});

describe('disasm', () => {
  it('lists a filter with syscall names under a known arch', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nabla-dis-')), 'f.bpf');
    writeFileSync(file, assemble([op.load(4), op.jumpIf('eq', 0xc000003e, 0, 3), op.load(0), op.jumpIf('eq', 1, 0, 1), op.ret(0x7fff0000), op.ret(0x00050001)]));
    const result = await cli(['disasm', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        '0000: A = arch',
        '0001: if (A != AUDIT_ARCH_X86_64) goto 0005 else goto 0002',
        '0002: A = nr',
        '0003: if (A != write) goto 0005 else goto 0004',
        '0004: return ALLOW',
        '0005: return ERRNO(1)',
        '',
      ].join('\n'),
    );
  });
  it('refuses a file whose size is not a multiple of 8 (exit 1)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nabla-dis-')), 'f.bpf');
    writeFileSync(file, Buffer.alloc(12));
    const result = await cli(['disasm', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/12 bytes is not a multiple of 8/);
  });
  it('warns when the kernel would refuse the filter', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nabla-dis-')), 'f.bpf');
    writeFileSync(file, assemble([op.load(4)]));
    const result = await cli(['disasm', file]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/the kernel would refuse this filter/);
  });
});

describe('the installed command, as a process', () => {
  it('exits 1 with a caret and no stack trace on a bad policy', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nabla-proc-')), 'bad.policy');
    writeFileSync(file, 'allow read where (fd == 1\n');
    const result = cliProcess(['compile', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bad\.policy:1:26: error\[E_SYNTAX\]: expected .* at the end of the file/);
    expect(result.stderr).toContain('^');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
  it('exits 2 on a usage error and 0 on --version', () => {
    expect(cliProcess(['compile', '--nope']).code).toBe(2);
    expect(cliProcess(['--version']).code).toBe(0);
  });
  it('writes raw bytes to a pipe', () => {
    const result = cliProcess(['compile', 'policies/nabla.policy', '--param', 'pollfds=4096', '--param', 'poll_entries=1', '--param', 'disks=[4]', '--param', 'taps=[5]']);
    expect(result.code).toBe(0);
    expect(result.stdoutBytes.length % 8).toBe(0);
    expect(result.stdoutBytes.length).toBeGreaterThan(80);
  });
});
