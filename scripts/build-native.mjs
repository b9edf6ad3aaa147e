#!/usr/bin/env node
/**
 * build-native builds the native parts of nabla-seccomp with the machine's C
 * compiler (`cc`, or $CC) into native/build/:
 *
 *   nabla-spt-tender    static, freestanding Solo5 spt tender (no libc)
 *   libnabla-spawn.so   the spawn helper loaded through the FFI
 *
 * It runs at `npm install`. Only the `run` and `exec` commands need these
 * files, so when the platform is not Linux (the tender: not x86_64 Linux), or
 * no compiler is found, or a build fails, it prints a warning and still exits
 * 0; `--strict` makes failures exit 1.
 * A target is rebuilt only when one of its sources is newer (or `--force`).
 * `--out=DIRECTORY` builds somewhere else than native/build/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDirectory = join(root, 'native');
const outOption = process.argv.find((argument) => argument.startsWith('--out='));
const buildDirectory = outOption === undefined ? join(nativeDirectory, 'build') : resolve(outOption.slice('--out='.length));
const strict = process.argv.includes('--strict');
const force = process.argv.includes('--force');
const compiler = process.env.CC || 'cc';

/** targets lists each output with its sources and the compiler arguments. */
const targets = [
  {
    output: 'nabla-spt-tender',
    x86_64Only: true,
    sources: ['tender/tender.c', 'tender/launch.h', 'tender/arch-x86_64.h'],
    compile: ['tender/tender.c'],
    flags: [
      '-Os', '-std=c11', '-Wall', '-Wextra',
      // Freestanding: no libc, no start files, no stack protector, and no
      // calls the compiler would invent (memcpy, memset).
      '-ffreestanding', '-fno-builtin', '-fno-stack-protector',
      '-fno-tree-loop-distribute-patterns', '-fno-asynchronous-unwind-tables',
      '-fcf-protection=none',
      // Position-independent code, linked at a fixed address far above any
      // guest memory, so the guest mapping never meets the tender's image.
      '-fpie', '-nostdlib', '-static', '-no-pie',
      '-Wl,-Ttext-segment=0x7f0000000000', '-Wl,-z,noexecstack', '-Wl,--build-id=none',
    ],
  },
  {
    output: 'libnabla-spawn.so',
    sources: ['spawn/spawn.c', 'spawn/spawn.h'],
    compile: ['spawn/spawn.c'],
    flags: ['-O2', '-std=c11', '-Wall', '-Wextra', '-fPIC', '-shared', '-Wl,-z,noexecstack'],
  },
];

function warn(message) {
  process.stderr.write(`build-native: warning: ${message}\n`);
}

function finish(problem) {
  warn(`${problem}; \`nabla-seccomp run\` (and without the spawn helper \`exec\`) will not be available`);
  process.exit(strict ? 1 : 0);
}

/** isFresh says whether output exists and is newer than every source. */
function isFresh(outputPath, sourcePaths) {
  if (force || !existsSync(outputPath)) return false;
  const built = statSync(outputPath).mtimeMs;
  return sourcePaths.every((source) => statSync(source).mtimeMs <= built);
}

/** buildTarget compiles one target into a private file, then renames it into place. */
function buildTarget(target) {
  const outputPath = join(buildDirectory, target.output);
  const sourcePaths = target.sources.map((source) => join(nativeDirectory, source));
  if (isFresh(outputPath, sourcePaths)) {
    process.stdout.write(`build-native: ${relative(root, outputPath)} is up to date\n`);
    return true;
  }
  const temporary = `${outputPath}.${process.pid}.tmp`;
  const compileArguments = [...target.flags, '-o', temporary, ...target.compile.map((source) => join(nativeDirectory, source))];
  const result = spawnSync(compiler, compileArguments, { encoding: 'utf8' });
  if (result.status !== 0) {
    rmSync(temporary, { force: true });
    warn(`building ${target.output} failed:\n${result.stderr || result.error?.message || ''}`);
    return false;
  }
  renameSync(temporary, outputPath);
  process.stdout.write(`build-native: built ${relative(root, outputPath)}\n`);
  return true;
}

function main() {
  if (process.platform !== 'linux') finish(`the native parts are for Linux only (this is ${process.platform})`);
  const probe = spawnSync(compiler, ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    finish(`no C compiler found (tried \`${compiler}\`)`);
  }
  mkdirSync(buildDirectory, { recursive: true });
  const buildable = targets.filter((target) => process.arch === 'x64' || !target.x86_64Only);
  const failures = buildable.filter((target) => !buildTarget(target)).map((target) => target.output);
  if (failures.length > 0) finish(`could not build ${failures.join(', ')}`);
  if (buildable.length < targets.length) {
    finish(`the native tender supports x86_64 Linux only (this is ${process.platform}/${process.arch})`);
  }
}

main();
