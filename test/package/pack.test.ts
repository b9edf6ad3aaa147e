/**
 * The npm package as a user gets it: packed, installed into an empty
 * directory (without the optional FFI packages, which the compiler and the
 * linter must not need), its CLI run there, and its type declarations used
 * by a small TypeScript consumer.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../cli/run.js';

let consumer = '';

beforeAll(() => {
  const packed = mkdtempSync(join(tmpdir(), 'nabla-pack-'));
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', packed], { cwd: ROOT, stdio: 'pipe' });
  const tarball = readdirSync(packed).find((name) => name.endsWith('.tgz'))!;
  consumer = mkdtempSync(join(tmpdir(), 'nabla-consumer-'));
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
  execFileSync('npm', ['install', '--omit=optional', '--no-audit', '--no-fund', join(packed, tarball)], { cwd: consumer, stdio: 'pipe' });
}, 300_000);

function cliInConsumer(args: string[]) {
  const result = spawnSync(join(consumer, 'node_modules', '.bin', 'nabla-seccomp'), args, { cwd: consumer, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the packed package, installed in an empty directory', () => {
  it('runs --help', () => {
    const result = cliInConsumer(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: nabla-seccomp COMMAND/);
  });

  it('lints and compiles the policies it ships', () => {
    const policies = join(consumer, 'node_modules', 'nabla-seccomp', 'policies');
    const lint = cliInConsumer(['lint', join(policies, 'solo5-spt.policy'), join(policies, 'nabla.policy')]);
    expect(lint.stderr).toBe('');
    expect(lint.code).toBe(0);
    const compiled = cliInConsumer([
      'compile', join(policies, 'solo5-spt.policy'), '--param', 'epoll=4', '--param', 'timer=5',
      '--param', 'nets=[]', '--param', 'blocks=[]', '--format', 'hex',
    ]);
    expect(compiled.code).toBe(0);
    expect(compiled.stdout).toMatch(/^2000000004000000\n/);
  });

  it('works without the optional FFI packages installed', () => {
    expect(readdirSync(join(consumer, 'node_modules'))).not.toContain('ffi-napi');
  });

  it('gives a TypeScript consumer working type declarations', () => {
    writeFileSync(
      join(consumer, 'main.ts'),
      [
        "import { compile, AuditArch, type Program } from 'nabla-seccomp';",
        "import { assemble, op } from 'nabla-seccomp/bpf';",
        "import { archTable } from 'nabla-seccomp/arch';",
        "const program: Program = compile('allow write where fd == 1', { arch: 'x86_64' });",
        'const verdict: string = program.run({ nr: archTable(\'x86_64\').byName.get(\'write\')!.number, arch: AuditArch.x86_64, args: [1n] }).action;',
        'const bytes: Uint8Array = assemble([op.ret(0x7fff0000)]);',
        'console.log(verdict, bytes.length, program.length);',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, skipLibCheck: false, types: [] }, files: ['main.ts'] }),
    );
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', consumer], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});
