import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Io, Sink } from '../../src/cli/io.js';
import { lintCommand } from '../../src/cli/lint.js';
import { main } from '../../src/cli/main.js';
import { CliError } from '../../src/cli/errors.js';

class Capture implements Sink {
  text = '';
  constructor(readonly isTTY: boolean) {}
  write(chunk: string | Uint8Array): void {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  }
}

const ROOT = new URL('../../', import.meta.url).pathname;

// run calls the command as main() does: CliErrors become their exit code and message.
async function run(args: string[], options: { tty?: boolean; env?: Record<string, string> } = {}) {
  const stdout = new Capture(options.tty ?? false);
  const stderr = new Capture(options.tty ?? false);
  const io: Io = { stdout, stderr, env: options.env ?? {}, cwd: ROOT };
  const previous = process.cwd();
  process.chdir(ROOT);
  try {
    const code = await lintCommand.run(args, io);
    return { code, stdout: stdout.text, stderr: stderr.text };
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return { code: error.exitCode, stdout: stdout.text, stderr: error.message };
  } finally {
    process.chdir(previous);
  }
}

function policy(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'nabla-lint-')), 'p.policy');
  writeFileSync(file, text);
  return file;
}

const WARNS = 'allow exit_group\nallow read\n';
const FAILS = 'allow exit_group\nallow ptrace\n';

describe('nabla-seccomp lint', () => {
  it('exits 0 on the shipped policies, with a summary line', async () => {
    const result = await run(['policies/solo5-spt.policy', 'policies/nabla.policy', 'policies/examples/node-server.policy']);
    expect(result).toEqual({ code: 0, stdout: '3 files: no problems (4 suppressed)\n', stderr: '' });
  });

  it('exits 0 with warnings, and 1 with them under --strict', async () => {
    const file = policy(WARNS);
    const plain = await run([file]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe(
      `${file}:2:7: warning[unpinned-io]: read allowed on any fd: pin it to the fds opened before the sandbox (fd == …, fd in LIST)\n` +
        '  2 | allow read\n' +
        '    |       ^~~~\n' +
        '1 file: 0 errors, 1 warning\n',
    );
    expect((await run([file, '--strict'])).code).toBe(1);
  });

  it('exits 1 on lint errors and on policy errors, showing the caret', async () => {
    expect((await run([policy(FAILS)])).code).toBe(1);
    const broken = await run([policy('allow reed\n')]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/error\[E_UNKNOWN_SYSCALL\]: unknown syscall reed on x86_64\n  1 \| allow reed\n    \|       \^~~~\n/);
    const syntax = await run([policy('allow read where fd = 1\n')]);
    expect(syntax.code).toBe(1);
    expect(syntax.stdout).toMatch(/error\[E_SYNTAX\]/);
  });

  it('exits 2 on usage and I/O errors', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['--format', 'xml', policy(WARNS)])).code).toBe(2);
    expect((await run(['--arch', 'vax', policy(WARNS)])).code).toBe(2);
    expect((await run(['--bogus', policy(WARNS)])).code).toBe(2);
    const missing = await run(['/nonexistent/p.policy']);
    expect(missing).toMatchObject({ code: 2, stderr: 'cannot read /nonexistent/p.policy: no such file or directory' });
  });

  it('colours text on a terminal, and not with NO_COLOR', async () => {
    const file = policy(WARNS);
    const coloured = await run([file], { tty: true });
    expect(coloured.stdout).toContain('\u001b[');
    expect((await run([file], { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toContain('\u001b[');
    expect((await run([file], { tty: false })).stdout).not.toContain('\u001b[');
  });

  it('prints JSON with errors, findings, suppressions and totals', async () => {
    const file = policy('# lint-disable-next-line unpinned-io -- the parent pipe\nallow read\nallow ptrace\n');
    const result = await run([file, '--format', 'json']);
    expect(result.code).toBe(1);
    const parsed = JSON.parse(result.stdout) as { files: { findings: { rule: string; suppressed?: unknown; location: unknown }[] }[]; summary: unknown };
    expect(parsed.summary).toEqual({ files: 1, errors: 1, warnings: 1, suppressed: 1 });
    const findings = parsed.files[0]!.findings;
    expect(findings.map((f) => f.rule)).toEqual(['missing-exit-group', 'unpinned-io', 'dangerous-syscall']);
    expect(findings[1]).toMatchObject({ suppressed: { reason: 'the parent pipe' }, location: { file, line: 2, column: 7, endLine: 2, endColumn: 11 } });
  });

  it('prints SARIF, and --arch restricts the arches linted', async () => {
    const file = policy('arch x86_64, aarch64\nallow exit_group, open\n');
    const sarif = JSON.parse((await run([file, '--format', 'sarif'])).stdout) as { version: string; runs: { results: { ruleId: string }[] }[] };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.results.map((r) => r.ruleId)).toEqual(['syscall-missing-on-arch']);
    expect((await run([file, '--arch', 'x86_64', '--format', 'json'])).stdout).toContain('"errors": 0');
  });

  it('is reachable through main once wired (skipped until then)', async (context) => {
    const probe = await main(['lint', '--help'], { stdout: new Capture(false), stderr: new Capture(false), env: {}, cwd: ROOT });
    if (probe === 2) context.skip('the lint command is not yet listed in src/cli/main.ts');
    expect(probe).toBe(0);
  });
});
