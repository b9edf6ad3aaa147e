import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runCommand } from '../../src/cli/run.js';
import type { Io } from '../../src/cli/io.js';
import { CliError } from '../../src/cli/errors.js';
import { malformedCorpus } from '../fixtures/elf/corpus.js';
import { MFT_BLOCK, writeSptElf } from '../fixtures/elf/writer.js';

function recordingIo(): Io & { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  const text = (chunk: string | Uint8Array) => (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
  return {
    stdout: { write: (c) => void out.push(text(c)) },
    stderr: { write: (c) => void err.push(text(c)) },
    env: {},
    cwd: process.cwd(),
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

/** run calls the command the way main does: a CliError becomes its message and exit code. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = recordingIo();
  let code: number;
  try {
    code = await runCommand.run(argv, io);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    io.stderr.write(error.formatted ?? `nabla-seccomp run: ${error.message}\n`);
    code = error.exitCode;
  }
  return { code, out: io.out(), err: io.err() };
}

const directory = mkdtempSync(join(tmpdir(), 'nabla-run-'));
const kernel = join(directory, 'plain.spt');
writeFileSync(kernel, writeSptElf().bytes);
const blockKernel = join(directory, 'blk.spt');
writeFileSync(blockKernel, writeSptElf({ devices: [{ name: 'storage', type: MFT_BLOCK }] }).bytes);
const disk = join(directory, 'disk.img');
writeFileSync(disk, new Uint8Array(1 << 20));

describe('run --dry-run', () => {
  it('prints the plan and exits 0 without starting anything', async () => {
    const { code, out } = await run([kernel, '--mem=2', '--dry-run', '--', 'a', 'b']);
    expect(code).toBe(0);
    expect(out).toContain(`kernel: ${kernel}`);
    expect(out).toContain('command line: "a b"');
    expect(out).toContain('  4  epoll set');
    expect(out).toContain('guest filter (');
    expect(out).toContain('tender filter (');
  });

  it('opens and shows block devices', async () => {
    const { code, out } = await run([blockKernel, '--dry-run', `--block:storage=${disk}`, '--block-sector-size:storage=4096']);
    expect(code).toBe(0);
    expect(out).toContain(`  4  block file ${disk} for 'storage'`);
    expect(out).toContain("[1] BLOCK_BASIC 'storage' attached hostfd 4 capacity 1048576 block_size 4096");
    expect(out).toContain('  5  epoll set');
  });
});

describe('run exit codes', () => {
  it.each(malformedCorpus().map((c) => [c.name, c] as const))('refuses the corpus case %s with exit 1 and its message', async (_name, testCase) => {
    const path = join(directory, `${testCase.name.replaceAll(/[^A-Za-z0-9]+/g, '-')}.spt`);
    writeFileSync(path, testCase.bytes);
    const { code, err } = await run([path, '--mem=2', 'guest-word']);
    expect(code).toBe(1);
    expect(err).toContain(testCase.message);
    expect(err.startsWith('nabla-seccomp run: ')).toBe(true);
  });

  it.each([
    [['--mem=2'], 2, 'run needs a KERNEL.spt'],
    [[kernel, '--bogus'], 2, "unknown option '--bogus'"],
    [[kernel, '--mem=1', '--dry-run'], 2, '--mem must be 2 to 65536 MiB'],
    [[join(directory, 'absent.spt'), '--dry-run'], 2, 'no such file or directory'],
    [[blockKernel, '--mem=2', '--dry-run'], 1, "Device 'storage' of type BLOCK_BASIC declared but not attached."],
    [[blockKernel, '--mem=2', '--dry-run', `--block:disk=${disk}`], 1, "declares no device named 'disk'"],
    [[blockKernel, '--mem=2', '--dry-run', `--block:storage=${disk}`, '--block-sector-size:storage=1000'], 1, 'Block size must be a multiple of 2'],
    [[kernel, '--mem=2', '--dry-run', '--policy', join(directory, 'absent.policy')], 2, 'cannot read policy'],
  ])('%j exits %d', async (argv, expected, message) => {
    const { code, err } = await run(argv as string[]);
    expect(code).toBe(expected);
    expect(err).toContain(message);
  });

  it('prints help', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('Usage: nabla-seccomp run KERNEL.spt');
  });
});

describe('main', () => {
  it('dispatches `run` to runCommand', async () => {
    const io = recordingIo();
    expect(await main(['run', '--help'], io)).toBe(0);
    expect(io.out()).toContain('Usage: nabla-seccomp run KERNEL.spt');
  });
});
