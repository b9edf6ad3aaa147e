import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { disassemble } from '../../src/bpf/disassemble.js';
import { cli } from './run.js';

const SPT = ['policies/solo5-spt.policy', '--param', 'epoll=4', '--param', 'timer=5', '--param', 'nets=[]', '--param', 'blocks=[]'];
const scratch = () => mkdtempSync(join(tmpdir(), 'nabla-cli-'));

describe('compile', () => {
  it('writes the raw sock_filter array with -o, and nothing on stdout', async () => {
    const out = join(scratch(), 'spt.bpf');
    const result = await cli(['compile', ...SPT, '--arch', 'x86_64', '-o', out]);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const bytes = new Uint8Array(readFileSync(out));
    expect(bytes.length % 8).toBe(0);
    const { instructions, allDecoded } = disassemble(bytes);
    expect(allDecoded).toBe(true);
    expect(instructions[0]).toEqual({ kind: 'LoadAbsolute', offset: 4 });
  });

  it('gives byte-identical output for the same text and bindings', async () => {
    const a = await cli(['compile', ...SPT, '--format', 'raw']);
    const b = await cli(['compile', ...SPT, '--format', 'raw']);
    expect(a.stdoutBytes.length).toBeGreaterThan(0);
    expect(a.stdoutBytes.equals(b.stdoutBytes)).toBe(true);
  });

  it('binds from --params FILE.json, and --param wins over it', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ epoll: 9, timer: 5, nets: [], blocks: [] }));
    const fromFile = await cli(['compile', 'policies/solo5-spt.policy', '--params', join(dir, 'p.json'), '--format', 'listing']);
    expect(fromFile.stdout).toMatch(/if \(A == 9\)/);
    const overridden = await cli(['compile', 'policies/solo5-spt.policy', '--params', join(dir, 'p.json'), '--param', 'epoll=4', '--format', 'listing']);
    expect(overridden.stdout).not.toMatch(/if \(A == 9\)/);
    expect(overridden.stdout).toMatch(/if \(A == 4\)/);
  });

  it.each([
    ['c', /static struct sock_filter solo5_spt_filter\[\] = \{[\s\S]*\.len = \d+,/],
    ['hex', /^(?:[0-9a-f]{16}\n)+$/],
    ['json', /"filter": \[/],
    ['asm', /^ld \[4\]\n/],
    ['listing', /^0000: A = arch\n0001: if \(A (==|!=) AUDIT_ARCH_X86_64\)/],
  ])('--format %s', async (format, pattern) => {
    const result = await cli(['compile', ...SPT, '--arch', 'x86_64', '--format', format]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(pattern);
  });

  it('every text format describes the same program as raw', async () => {
    const raw = (await cli(['compile', ...SPT, '--format', 'raw'])).stdoutBytes;
    const hex = (await cli(['compile', ...SPT, '--format', 'hex'])).stdout.replaceAll('\n', '');
    expect(hex).toBe(raw.toString('hex'));
    const json = JSON.parse((await cli(['compile', ...SPT, '--format', 'json'])).stdout) as { length: number; filter: unknown[] };
    expect(json.length).toBe(raw.length / 8);
    expect(json.filter).toHaveLength(raw.length / 8);
  });

  it('lists on a terminal and writes raw bytes to a pipe by default', async () => {
    expect((await cli(['compile', ...SPT], { tty: true })).stdout).toMatch(/^0000: A = arch/);
    const piped = await cli(['compile', ...SPT]);
    expect(piped.stdoutBytes.length % 8).toBe(0);
    expect(piped.stdoutBytes.subarray(0, 8).toString('hex')).toBe('2000000004000000');
  });

  it('restricts a multi-arch policy to --arch', async () => {
    const both = await cli(['compile', 'policies/examples/node-server.policy', '--format', 'listing']);
    const one = await cli(['compile', 'policies/examples/node-server.policy', '--arch', 'aarch64', '--format', 'listing']);
    expect(both.stdout).toContain('AUDIT_ARCH_X86_64');
    expect(both.stdout).toContain('AUDIT_ARCH_AARCH64');
    expect(one.stdout).not.toContain('AUDIT_ARCH_X86_64');
  });
});

describe('compile errors', () => {
  const write = (text: string) => {
    const file = join(scratch(), 'bad.policy');
    writeFileSync(file, text);
    return file;
  };

  it('names file:line:col with the source line and a caret for a syntax error (exit 1)', async () => {
    const file = write('policy p\nallow read where fd = 1\n');
    const result = await cli(['compile', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${file}:2:21: error[E_SYNTAX]`);
    expect(result.stderr).toContain('  2 | allow read where fd = 1\n');
    expect(result.stderr).toMatch(/\n {4}\| {21}\^\n/);
  });

  it('reports every checker error at once (exit 1)', async () => {
    const file = write('allow reed\nallow write where fdd == 1\n');
    const result = await cli(['compile', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:1:7: error[E_UNKNOWN_SYSCALL]`);
    expect(result.stderr).toContain(`${file}:2:19: error[E_UNKNOWN_ARGUMENT]`);
    expect(result.stderr).toContain('2 errors');
  });

  it('names the param declaration a binding is missing for (exit 1)', async () => {
    const result = await cli(['compile', 'policies/solo5-spt.policy', '--param', 'epoll=4']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/policies\/solo5-spt\.policy:\d+:1: error\[E_MISSING_PARAM\]: param timer/);
  });

  it('refuses an overflowing bound value at bind time (exit 1)', async () => {
    const result = await cli([
      'compile', 'policies/solo5-spt.policy', '--param', 'epoll=4', '--param', 'timer=5', '--param', 'nets=[]',
      '--param', 'blocks=[{"fd":6,"block_size":4096,"capacity":512}]',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error[E_UNDERFLOW]');
  });

  it('leaves an existing output file whole when compilation fails', async () => {
    const dir = scratch();
    const out = join(dir, 'out.bpf');
    writeFileSync(out, 'previous');
    const result = await cli(['compile', write('allow reed\n'), '-o', out]);
    expect(result.code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe('previous');
  });

  it.each([
    [['compile'], 2, /exactly one policy FILE/],
    [['compile', 'a', 'b'], 2, /exactly one policy FILE/],
    [['compile', 'nope.policy'], 2, /cannot read nope\.policy: no such file/],
    [['compile', 'policies/nabla.policy', '--format', 'elf'], 2, /--format must be one of/],
    [['compile', 'policies/nabla.policy', '--param', 'x'], 2, /--param takes NAME=JSON/],
    [['compile', 'policies/nabla.policy', '--arch', 'sparc'], 2, /unknown arch 'sparc'/],
    [['compile', 'policies/nabla.policy', '--bogus'], 2, /Unknown option '--bogus'/],
  ])('%j exits %i', async (args, code, message) => {
    const result = await cli(args);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });
});

describe('kernel limits', () => {
  it('refuses a filter over 4096 instructions, naming the limit and the size (exit 1)', async () => {
    const rules = Array.from({ length: 1000 }, (_, i) => `errno(${1 + (i % 4000)}) syscall(5) where arg2 > ${(BigInt(i) << 32n) + 7n}`);
    const file = join(scratch(), 'big.policy');
    writeFileSync(file, `arch x86_64\n${rules.join('\n')}\n`);
    const result = await cli(['compile', file, '-o', join(scratch(), 'big.bpf')]);
    expect(result.code).toBe(1);
    const match = /error\[E_PROGRAM_TOO_LARGE\]: the filter needs (\d+) instructions, more than the kernel's limit of 4096/.exec(result.stderr);
    expect(match).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThan(4096);
  });
});

describe('--profile', () => {
  const steps = async (bpf: string, syscall: string) =>
    (JSON.parse((await cli(['simulate', bpf, '--arch', 'x86_64', '--syscall', syscall, '--args', '3', '--format', 'json'])).stdout) as { steps: number; action: string });

  it('decides the frequent syscalls in fewer instructions, and everything the same', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'profile.json'), JSON.stringify({ epoll_pwait: 5000, futex: 5000 }));
    const plain = join(dir, 'plain.bpf');
    const tuned = join(dir, 'tuned.bpf');
    expect((await cli(['compile', 'policies/examples/node-server.policy', '--arch', 'x86_64', '-o', plain])).code).toBe(0);
    expect((await cli(['compile', 'policies/examples/node-server.policy', '--arch', 'x86_64', '--profile', join(dir, 'profile.json'), '-o', tuned])).code).toBe(0);
    for (const hot of ['epoll_pwait', 'futex']) {
      expect((await steps(tuned, hot)).steps).toBeLessThan((await steps(plain, hot)).steps);
    }
    for (const name of ['read', 'getpid', 'ptrace', 'mount', 'clone3', 'socket']) {
      expect((await steps(tuned, name)).action).toBe((await steps(plain, name)).action);
    }
  });

  it.each([
    ['[1, 2]', /a profile is a JSON object/],
    ['{"read": -1}', /frequency of read must be a positive number/],
    ['{"read": ', /error\[E_JSON\]/],
  ])('refuses the profile %s (exit 1)', async (text, message) => {
    const file = join(scratch(), 'profile.json');
    writeFileSync(file, text);
    const result = await cli(['compile', 'policies/nabla.policy', '--profile', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
  });
});
