#!/usr/bin/env node
/**
 * generate-tables.mjs writes src/arch/generated/: one syscall table per
 * architecture and one table of kernel constants.
 *
 *   node scripts/generate-tables.mjs [--source DIR] [--out DIR]
 *
 * Inputs (Debian packages):
 *   linux-source-6.1            /usr/src/linux-source-6.1.tar.xz, or an
 *                               extracted tree given with --source DIR
 *   linux-libc-dev              /usr/include (x86 constants)
 *   linux-libc-dev-arm64-cross  /usr/aarch64-linux-gnu/include (aarch64 constants)
 *
 * Syscall numbers come from the kernel's own tables: syscall_64.tbl (x86_64,
 * x32), syscall_32.tbl (i386), arm's syscall.tbl plus its private
 * __ARM_NR_* calls, and asm-generic/unistd.h run through the C preprocessor
 * with the arch's own asm/unistd.h (aarch64, riscv64), so the __ARCH_WANT_*
 * choices of each arch apply exactly as in a kernel build.
 *
 * Argument lists come from SYSCALL_DEFINEn / COMPAT_SYSCALL_DEFINEn in the
 * source tree, found through the entry symbol of the table row (the name a
 * policy writes is the table's name: `umount2` is found through `sys_umount`,
 * `newfstatat` through `sys_newfstatat`). Definitions under arch/<dir>/ serve
 * only that arch and win over generic ones. Where no definition exists, an
 * `asmlinkage long sys_...(...)` prototype (include/linux/syscalls.h, or the
 * arch's own files) is used; where none exists either, args are undefined.
 *
 * Arguments are recorded per register, which is what a seccomp filter sees:
 *   - 64-bit arches (x86_64, aarch64, riscv64) and x32 (a 64-bit kernel that
 *     reads 64-bit registers): one register per C argument. The compare width
 *     is 64 for pointers, long, size_t, loff_t, u64 and the like, and 32 for
 *     every narrower type (int, u32, pid_t, umode_t, u16, ...), because the
 *     kernel truncates the register to the C type and seccomp compares either
 *     the low word or both words.
 *   - 32-bit arches (i386, arm): every register is 32 bits. A 64-bit C
 *     argument (loff_t, u64, long long) takes two registers, low word first
 *     (both are little-endian), recorded as NAME_lo and NAME_hi. On arm (EABI)
 *     such a pair starts at an even register, so a skipped register appears as
 *     an argument named _padN that the kernel ignores. i386 has no such rule.
 *   - `__user` and `__force` annotations are dropped from type text.
 *
 * Constants are evaluated by the C compiler (`cc -S`, never run) against
 * each arch's uapi headers, using -m64, -m32 or -mx32 so that `long` has the
 * arch's width. Headers: linux-libc-dev for x86_64, i386 and x32; the cross
 * package for aarch64; the kernel tree's uapi headers for arm and riscv64.
 * AF_*, SOCK_*, MSG_*, SOL_*, EFD_* and SPLICE_F_* live in kernel-internal
 * headers; their plain #defines are copied from the kernel tree into a
 * small header compiled with the same uapi headers.
 *
 * Where one definition exists in several #ifdef CONFIG_... variants (clone,
 * sigsuspend), the variant the arch's Kconfig selects is used (ARCH_CONFIGS).
 *
 * Constant values are those of the C expression: a signed type gives a
 * signed value (AT_FDCWD is -100), an unsigned type an unsigned one
 * (RLIM_INFINITY). Macros that are not integer constant expressions on an
 * arch (pointer casts, values that need libc's time_t) are dropped there;
 * set TABLES_DEBUG=1 to list them.
 *
 * The stamp names the Debian package versions; with --source DIR it names
 * the tree's Makefile version instead.
 *
 * Output is sorted and carries no timestamps, so runs are byte-identical.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const TARBALL = '/usr/src/linux-source-6.1.tar.xz';
const TOP = 'linux-source-6.1';
const X32_BIT = 0x40000000;

/** The parts of the kernel tree the generator reads, as tar member patterns. */
const SOURCE_MEMBERS = [
  'Makefile',
  'arch/x86/*', 'arch/arm/*', 'arch/arm64/*', 'arch/riscv/*',
  'include/uapi/*',
  'include/linux/syscalls.h', 'include/linux/socket.h', 'include/linux/net.h',
  'include/linux/eventfd.h', 'include/linux/splice.h',
  'kernel/*.c', 'fs/*.c', 'mm/*.c', 'net/*.c', 'ipc/*.c', 'io_uring/*.c',
  'security/*.c', 'block/*.c', 'drivers/char/random.c', 'drivers/pci/syscall.c',
];

/** Directories scanned for SYSCALL_DEFINE and asmlinkage prototypes. */
const DEFINITION_DIRS = [
  'arch/x86', 'arch/arm', 'arch/arm64', 'arch/riscv', 'include/linux/syscalls.h',
  'kernel', 'fs', 'mm', 'net', 'ipc', 'io_uring', 'security', 'block',
  'drivers/char/random.c', 'drivers/pci/syscall.c',
];

/** Files whose definitions replace the real ones in configurations we do not describe. */
const IGNORED_FILES = new Set(['mm/nommu.c', 'kernel/time/posix-stubs.c']);

/**
 * The architectures. `scope` names the arch/<dir> whose own definitions
 * apply; `pairs` is how a 64-bit C argument is passed on a 32-bit arch.
 */
const ARCHES = [
  { name: 'x86_64', bits: 64, scope: 'x86', rows: (root) => tableRows(root, 'arch/x86/entry/syscalls/syscall_64.tbl', ['common', '64']) },
  { name: 'x32', bits: 64, scope: 'x86', rows: (root) => x32Rows(root) },
  { name: 'i386', bits: 32, pairs: 'consecutive', scope: 'x86', rows: (root) => tableRows(root, 'arch/x86/entry/syscalls/syscall_32.tbl', ['i386']) },
  { name: 'aarch64', bits: 64, scope: 'arm64', rows: (root, work) => genericRows(root, work, 'arm64', ['-D__aarch64__']) },
  { name: 'arm', bits: 32, pairs: 'even', scope: 'arm', rows: (root) => [...tableRows(root, 'arch/arm/tools/syscall.tbl', ['common', 'eabi']), ...armPrivateRows(root)] },
  { name: 'riscv64', bits: 64, scope: 'riscv', rows: (root, work) => genericRows(root, work, 'riscv', ['-D__riscv', '-D__riscv_xlen=64']) },
];

/** Entry points written in assembly, mapped to the C definition with the same arguments. */
const ENTRY_ALIASES = { arm: { sys_mmap2: 'sys_mmap_pgoff' } };

// ---------------------------------------------------------------- sources

/** parseOptions reads --source DIR and --out DIR (default: src/arch/generated). */
function parseOptions(argv) {
  const here = dirname(fileURLToPath(import.meta.url));
  const options = { source: undefined, out: join(here, '..', 'src', 'arch', 'generated') };
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index];
    const value = argv[index + 1];
    if ((flag === '--source' || flag === '--out') && value !== undefined) {
      options[flag.slice(2)] = value;
      index += 1;
    } else {
      throw new Error(`usage: generate-tables.mjs [--source DIR] [--out DIR] (unexpected ${flag})`);
    }
  }
  return options;
}

/** extractSources unpacks only SOURCE_MEMBERS of the Debian tarball into `work`. */
function extractSources(work) {
  if (!existsSync(TARBALL)) throw new Error(`${TARBALL} is missing: install linux-source-6.1 or pass --source DIR`);
  const members = SOURCE_MEMBERS.map((member) => `${TOP}/${member}`);
  execFileSync('tar', ['-xJf', TARBALL, '-C', work, '--wildcards', ...members], { stdio: ['ignore', 'ignore', 'inherit'] });
  return join(work, TOP);
}

/** packageVersion asks dpkg for an installed package's version. */
function packageVersion(name) {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** kernelVersion reads VERSION.PATCHLEVEL.SUBLEVEL from the tree's Makefile. */
function kernelVersion(root) {
  const makefile = readFileSync(join(root, 'Makefile'), 'utf8');
  const field = (key) => new RegExp(`^${key}\\s*=\\s*(\\d+)`, 'm').exec(makefile)?.[1];
  return `${field('VERSION')}.${field('PATCHLEVEL')}.${field('SUBLEVEL')}`;
}

/** stampLine is the first line of every generated file. */
function stampLine(sourceVersion) {
  const libc = packageVersion('linux-libc-dev') ?? 'unknown';
  return `// Generated by scripts/generate-tables.mjs from linux-source-6.1 (version ${sourceVersion}) and linux-libc-dev (version ${libc}). Do not edit.`;
}

/** listFiles lists the .c and .h files under `path` (or `path` itself), in path order. */
function listFiles(path) {
  if (!existsSync(path)) return [];
  const entries = [];
  const walk = (current) => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.[ch]$/.test(entry.name)) entries.push(full);
    }
  };
  if (/\.[ch]$/.test(path)) entries.push(path);
  else walk(path);
  return entries;
}

// ------------------------------------------------------------ definitions

/** stripComments blanks C comments so they cannot hide or fake a definition. */
function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

/** balancedInner returns the text between the parenthesis at `open` and its match. */
function balancedInner(text, open) {
  let depth = 0;
  for (let index = open; index < text.length; index += 1) {
    if (text[index] === '(') depth += 1;
    else if (text[index] === ')' && --depth === 0) return text.slice(open + 1, index);
  }
  throw new Error(`unbalanced parentheses at offset ${open}`);
}

/** splitTopLevel splits at commas outside parentheses and brackets. */
function splitTopLevel(text) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '(' || char === '[') depth += 1;
    else if (char === ')' || char === ']') depth -= 1;
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, index).trim());
      start = index + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last !== '') parts.push(last);
  return parts;
}

/** normalizeType drops kernel annotations and settles spacing: `const char *`. */
function normalizeType(text) {
  return text
    .replace(/\b(__user|__force)\b/g, ' ')
    .replace(/\s*\*\s*/g, ' * ')
    .replace(/\s+/g, ' ')
    .replace(/\* (?=\*)/g, '*')
    .replace(/ \* $/, ' *')
    .trim();
}

/** Parameters of SYSCALL_DEFINEn(name, type, arg, ...): pairs after the name. */
function defineParameters(parts) {
  const params = [];
  for (let index = 1; index + 1 < parts.length; index += 2) {
    params.push({ name: parts[index + 1].trim(), type: normalizeType(parts[index]) });
  }
  return params;
}

/** Parameters of a C prototype; an unnamed parameter gets its positional name. */
function prototypeParameters(inner) {
  const parts = splitTopLevel(inner);
  if (parts.length === 1 && parts[0] === 'void') return [];
  return parts.map((part, index) => {
    const match = /^(.*?[\s*])(\w+)$/.exec(part.trim());
    const typeOnly = !match || /^(int|long|char|short|unsigned|signed|void|const)$/.test(match[2]) || /^(const\s+)?(unsigned|signed|struct\s+\w+)$/.test(match[1].trim());
    if (typeOnly) return { name: `arg${index}`, type: normalizeType(part) };
    return { name: match[2], type: normalizeType(match[1]) };
  });
}

/** scopeOf is the arch/<dir> a file belongs to, or 'generic'. */
function scopeOf(relativePath) {
  const match = /^arch\/(\w+)\//.exec(relativePath);
  return match ? match[1] : 'generic';
}

/**
 * guardFinder returns a function from an offset in `text` (asked in
 * increasing order) to the innermost preprocessor condition open there,
 * as its directive line (`#ifdef CONFIG_X`, `#else`, ...), or ''.
 */
function guardFinder(text) {
  const directives = [...text.matchAll(/^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b[^\n]*/gm)];
  const stack = [];
  let next = 0;
  return (offset) => {
    while (next < directives.length && directives[next].index < offset) {
      const [line, kind] = directives[next];
      if (kind.startsWith('if')) stack.push(line.trim());
      else if (kind === 'endif') stack.pop();
      else stack[stack.length - 1] = line.trim();
      next += 1;
    }
    return stack.at(-1) ?? '';
  };
}

/**
 * collectDefinitions maps scope → symbol → variants ({params, guard}),
 * separately for SYSCALL_DEFINE (first choice) and asmlinkage prototypes
 * (fallback), in path order.
 */
function collectDefinitions(root) {
  const defines = new Map();
  const prototypes = new Map();
  const record = (map, scope, symbol, variant) => {
    if (!map.has(scope)) map.set(scope, new Map());
    const symbols = map.get(scope);
    symbols.set(symbol, [...(symbols.get(symbol) ?? []), variant]);
  };
  for (const dir of DEFINITION_DIRS) {
    for (const file of listFiles(join(root, dir))) {
      const path = relative(root, file);
      if (IGNORED_FILES.has(path) || path.startsWith('arch/x86/um/')) continue;
      const text = stripComments(readFileSync(file, 'utf8'));
      const scope = scopeOf(path);
      const guardAt = guardFinder(text);
      for (const match of text.matchAll(/^[ \t]*(COMPAT_)?SYSCALL_DEFINE[0-6]\s*\(/gm)) {
        const parts = splitTopLevel(balancedInner(text, match.index + match[0].length - 1));
        const symbol = `${match[1] ? 'compat_' : ''}sys_${parts[0]}`;
        record(defines, scope, symbol, { params: defineParameters(parts), guard: guardAt(match.index) });
      }
      for (const match of text.matchAll(/\basmlinkage\s+long\s+((?:compat_)?sys_\w+)\s*\(/g)) {
        const params = prototypeParameters(balancedInner(text, match.index + match[0].length - 1));
        record(prototypes, scope, match[1], { params, guard: guardAt(match.index) });
      }
    }
  }
  return { defines, prototypes };
}

/**
 * Kconfig options that choose between variants of one definition
 * (kernel/fork.c clone, kernel/signal.c sigsuspend), and the ones each
 * arch selects in its Kconfig.
 */
const VARIANT_CONFIGS = ['CLONE_BACKWARDS', 'CLONE_BACKWARDS2', 'CLONE_BACKWARDS3', 'OLD_SIGSUSPEND', 'OLD_SIGSUSPEND3'];
const ARCH_CONFIGS = {
  x86_64: [], x32: [], i386: ['CLONE_BACKWARDS', 'OLD_SIGSUSPEND3'],
  aarch64: ['CLONE_BACKWARDS'], arm: ['CLONE_BACKWARDS', 'OLD_SIGSUSPEND3'], riscv64: ['CLONE_BACKWARDS'],
};

/**
 * chooseVariant drops variants guarded by a variant config the arch does not
 * select, then prefers the one naming most configs it does select; ties go
 * to the first in path order.
 */
function chooseVariant(variants, arch) {
  const selected = ARCH_CONFIGS[arch.name];
  const named = (guard) => VARIANT_CONFIGS.filter((config) => new RegExp(`\\bCONFIG_${config}\\b`).test(guard));
  let best;
  let bestScore = -1;
  for (const variant of variants) {
    const configs = named(variant.guard);
    if (configs.some((config) => !selected.includes(config))) continue;
    if (configs.length > bestScore) [best, bestScore] = [variant, configs.length];
  }
  return best?.params;
}

/** findParameters finds the C parameters behind a table row's entry point, or undefined. */
function findParameters(definitions, arch, entry) {
  if (!entry || entry === 'sys_ni_syscall') return undefined;
  const symbol = ENTRY_ALIASES[arch.scope]?.[entry] ?? entry.replace(/_wrapper$/, '');
  for (const map of [definitions.defines, definitions.prototypes]) {
    for (const scope of [arch.scope, 'generic']) {
      const variants = map.get(scope)?.get(symbol);
      const params = variants && chooseVariant(variants, arch);
      if (params) return params;
    }
  }
  return undefined;
}

// ------------------------------------------------------------------ types

/**
 * Sizes of the scalar types found in syscall definitions, as the kernel sees
 * them: 32 or 64 bits everywhere, or `word` for the register width (long,
 * size_t, pointers). The second field is signedness.
 */
const SCALAR_TYPES = new Map([
  ...['int', 'pid_t', 'clockid_t', 'key_serial_t', 'mqd_t', 'timer_t', 'rwf_t', 's32', '__s32',
    'compat_int_t', 'compat_long_t', 'compat_off_t', 'compat_pid_t', 'compat_ssize_t', 'compat_clock_t',
    'compat_timer_t', 'compat_key_t', 'key_t'].map((name) => [name, [32, true]]),
  ...['unsigned int', 'unsigned', 'u32', '__u32', 'uid_t', 'gid_t', 'qid_t', 'umode_t', 'old_uid_t', 'old_gid_t',
    'unsigned short', 'u16', 'short', 'compat_uint_t', 'compat_ulong_t', 'compat_size_t', 'compat_uptr_t',
    'compat_old_sigset_t', 'compat_sigset_word', 'compat_mode_t', 'compat_aio_context_t', 'compat_dev_t',
    'compat_caddr_t'].map((name) => [name, [32, false]]),
  ...['long', 'ssize_t', 'off_t', '__kernel_old_time_t'].map((name) => [name, ['word', true]]),
  ...['unsigned long', 'size_t', 'aio_context_t', 'old_sigset_t', 'cap_user_header_t', 'cap_user_data_t',
    '__sighandler_t', 'uintptr_t'].map((name) => [name, ['word', false]]),
  ...['loff_t', 'long long', 's64', '__s64', 'compat_loff_t'].map((name) => [name, [64, true]]),
  ...['unsigned long long', 'u64', '__u64', 'compat_arg_u64'].map((name) => [name, [64, false]]),
]);

/** Types met that SCALAR_TYPES lacks; the run fails listing all of them. */
const unknownTypes = new Set();

/** scalarType gives the size class and signedness of a C type (unknown ones are collected). */
function scalarType(type) {
  if (type.includes('*') || type.includes('[')) return { size: 'word', signed: false };
  const base = type.replace(/\b(const|volatile)\b/g, ' ').replace(/\s+/g, ' ').trim();
  const known = base.startsWith('enum ') ? [32, false] : SCALAR_TYPES.get(base);
  if (!known) {
    unknownTypes.add(base);
    return { size: 32, signed: false };
  }
  return { size: known[0], signed: known[1] };
}

/**
 * registerArgs lays the C parameters out over the six syscall registers of
 * an arch (see the header comment for the rules).
 */
function registerArgs(params, arch) {
  const args = [];
  for (const param of params) {
    const { size, signed } = scalarType(param.type);
    const bits = size === 'word' ? arch.bits : size;
    if (arch.bits === 64) {
      args.push({ name: param.name, type: param.type, width: bits === 64 ? 64 : 32, signed });
    } else if (bits === 32) {
      args.push({ name: param.name, type: param.type, width: 32, signed });
    } else {
      if (arch.pairs === 'even' && args.length % 2 === 1) {
        args.push({ name: `_pad${args.length}`, type: 'unused', width: 32, signed: false });
      }
      args.push({ name: `${param.name}_lo`, type: param.type, width: 32, signed: false });
      args.push({ name: `${param.name}_hi`, type: param.type, width: 32, signed });
    }
  }
  if (args.length > 6) throw new Error(`${arch.name}: arguments do not fit six registers: ${args.map((arg) => arg.name)}`);
  return args;
}

// ---------------------------------------------------------------- numbers

/** tableRows reads a syscall .tbl file: number, abi, name, entry point. */
function tableRows(root, path, abis) {
  const rows = [];
  for (const line of readFileSync(join(root, path), 'utf8').split('\n')) {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/);
    if (fields.length < 3 || !abis.includes(fields[1])) continue;
    rows.push({ number: Number(fields[0]), name: fields[2], entry: fields[3] });
  }
  return rows;
}

/** x32Rows: the common and x32 rows of syscall_64.tbl, numbered with the x32 bit set. */
function x32Rows(root) {
  return tableRows(root, 'arch/x86/entry/syscalls/syscall_64.tbl', ['common', 'x32'])
    .map((row) => ({ ...row, number: row.number + X32_BIT }));
}

/** armPrivateRows: the __ARM_NR_* calls outside the table (cacheflush, set_tls, ...), EABI numbering. */
function armPrivateRows(root) {
  const text = readFileSync(join(root, 'arch/arm/include/uapi/asm/unistd.h'), 'utf8');
  const base = Number(/#define __ARM_NR_BASE\s+\(__NR_SYSCALL_BASE\s*\+\s*(0x[0-9a-f]+)\)/i.exec(text)[1]);
  return [...text.matchAll(/#define __ARM_NR_(\w+)\s+\(__ARM_NR_BASE\s*\+\s*(\d+)\)/g)]
    .map((match) => ({ number: base + Number(match[2]), name: match[1], entry: undefined }));
}

/** preprocess runs `cc -E` over a small generated file. */
function preprocess(work, name, text, args) {
  const file = join(work, name);
  writeFileSync(file, text);
  return execFileSync('cc', ['-E', '-P', '-nostdinc', ...args, file], { encoding: 'utf8', maxBuffer: 1 << 26 });
}

/** sumExpression evaluates the `(244 + 15)` style expressions unistd.h numbers expand to. */
function sumExpression(text) {
  const clean = text.replace(/[()\s]/g, '');
  if (!/^(0x[0-9a-f]+|\d+)(\+(0x[0-9a-f]+|\d+))*$/i.test(clean)) throw new Error(`unexpected syscall number expression "${text}"`);
  return clean.split('+').reduce((sum, term) => sum + Number(term), 0);
}

/**
 * genericRows runs arch/<dir>/include/uapi/asm/unistd.h (which includes
 * asm-generic/unistd.h) through the preprocessor twice: once for the
 * __SYSCALL(nr, entry) lines, once for the value of every __NR_name.
 */
function genericRows(root, work, dir, defines) {
  const includes = ['-I', join(root, 'arch', dir, 'include/uapi'), '-I', join(root, 'include/uapi'), ...defines];
  const entries = new Map();
  const expanded = preprocess(work, `${dir}-entries.c`, '#define __SYSCALL(nr, entry) syscall_entry: nr = entry;\n#include <asm/unistd.h>\n', includes);
  for (const match of expanded.matchAll(/syscall_entry: ([^=]+) = (\w+);/g)) entries.set(sumExpression(match[1]), match[2]);
  const macros = execFileSync('cc', ['-E', '-dM', '-nostdinc', ...includes, '-x', 'c', '-'], { input: '#include <asm/unistd.h>\n', encoding: 'utf8' });
  const names = [...macros.matchAll(/^#define __NR_(\w+) /gm)].map((match) => match[1]).filter((name) => name !== 'syscalls').sort();
  const valueText = preprocess(work, `${dir}-names.c`, `#include <asm/unistd.h>\n${names.map((name) => `syscall_name: ${name} = __NR_${name};`).join('\n')}\n`, includes);
  const rows = [];
  for (const match of valueText.matchAll(/syscall_name: (\w+) = ([^;]+);/g)) {
    const number = sumExpression(match[2]);
    if (entries.has(number)) rows.push({ number, name: match[1], entry: entries.get(number) });
  }
  return rows;
}

// ------------------------------------------------------------------ tables

/** buildTable joins an arch's rows with their prototypes, sorted by number. */
function buildTable(arch, rows, definitions) {
  const seen = new Map();
  const syscalls = [];
  for (const row of [...rows].sort((a, b) => a.number - b.number || (a.name < b.name ? -1 : 1))) {
    if (seen.has(row.name)) throw new Error(`${arch.name}: ${row.name} appears twice (${seen.get(row.name)}, ${row.number})`);
    seen.set(row.name, row.number);
    const params = findParameters(definitions, arch, row.entry);
    syscalls.push({ name: row.name, number: row.number, args: params && registerArgs(params, arch) });
  }
  return syscalls;
}

/** quote writes a single-quoted TypeScript string. */
function quote(text) {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** renderSyscall writes one syscall as one line. */
function renderSyscall(syscall) {
  if (!syscall.args) return `  [${syscall.number}, ${quote(syscall.name)}],`;
  const args = syscall.args.map((arg) => `[${quote(arg.name)}, ${quote(arg.type)}, ${arg.width}, ${arg.signed}]`);
  return `  [${syscall.number}, ${quote(syscall.name)}, [${args.join(', ')}]],`;
}

/** renderTable writes src/arch/generated/<arch>.ts. */
function renderTable(arch, syscalls, stamp, version) {
  return [
    stamp,
    `import type { GeneratedTable } from '../records.js';`,
    '',
    `/** table${arch.name} lists the ${arch.name} syscalls: [number, name, args?], args as [name, type, width, signed] per register. */`,
    `export const table${arch.name}: GeneratedTable = {`,
    `  arch: '${arch.name}',`,
    `  kernelVersion: '${version}',`,
    '  syscalls: [',
    ...syscalls.map((syscall) => `  ${renderSyscall(syscall)}`),
    '  ],',
    '};',
    '',
  ].join('\n');
}

// --------------------------------------------------------------- constants

/** Names of the constants the policy language offers, by prefix or exact form. */
const CONSTANT_NAME = new RegExp('^(' + [
  'CLOCK_', 'ARCH_', 'O_', 'F_', 'FD_CLOEXEC$', 'AT_', 'PROT_', 'MAP_', 'MADV_', 'MREMAP_', 'MS_', 'MCL_', 'MLOCK_',
  'AF_', 'SOCK_', 'MSG_', 'CLONE_', 'FUTEX_', 'TFD_', 'EFD_', 'EPOLL', 'PR_', 'SECCOMP_', 'SIG', 'E[A-Z0-9]+$',
  'S_I[FRWSX]', 'GRND_', 'MFD_', 'IPPROTO_', 'SOL_', 'SO_', 'FIO', 'TIOC', 'TC[GS]ETS', 'RLIMIT_', 'RLIM_INFINITY$',
  'P_(ALL|PID|PGID|PIDFD)$', 'W(NOHANG|UNTRACED|STOPPED|EXITED|CONTINUED|NOWAIT)$', '__W(ALL|CLONE|NOTHREAD)$',
  'SPLICE_F_', 'POLL', 'SYS_', 'TUNSETIFF$', 'IFF_(TAP|TUN|NO_PI)$', 'SIOCGIF(MTU|FLAGS)$', 'SIOCETHTOOL$',
  'ETHTOOL_[GS](GRO|GSO)$',
].join('|') + ')');

/** uapi headers that define those constants. asm/prctl.h exists on x86 only. */
const CONSTANT_HEADERS = [
  'linux/time.h', 'linux/fcntl.h', 'linux/mman.h', 'linux/memfd.h', 'linux/sched.h', 'linux/futex.h',
  'linux/timerfd.h', 'linux/eventpoll.h', 'linux/prctl.h', 'linux/seccomp.h', 'linux/signal.h', 'linux/errno.h',
  'linux/stat.h', 'linux/random.h', 'linux/in.h', 'linux/socket.h', 'asm/socket.h', 'asm/ioctls.h',
  'asm/termbits.h', 'linux/resource.h', 'linux/wait.h', 'linux/net.h', 'linux/poll.h',
  'linux/if_tun.h', 'linux/sockios.h',
];

/** Plain #defines copied from kernel-internal headers: file → which names. */
const INTERNAL_CONSTANTS = [
  ['include/linux/socket.h', /^(AF|MSG|SOL)_\w+$/],
  ['include/linux/net.h', /^SOCK_(CLOEXEC|NONBLOCK)$/],
  ['include/linux/eventfd.h', /^EFD_(SEMAPHORE|CLOEXEC|NONBLOCK)$/],
  ['include/linux/splice.h', /^SPLICE_F_\w+$/],
  // The uapi header itself needs libc's limits.h, so its command numbers are copied.
  ['include/uapi/linux/ethtool.h', /^ETHTOOL_[GS](GRO|GSO)$/],
];
const INTERNAL_EXCLUDED = new Set(['MSG_CMSG_COMPAT']);

/** How each arch's constants are compiled: compiler flags and header roots. */
function constantTargets(root, work) {
  const x86 = ['/usr/include/x86_64-linux-gnu', '/usr/include'];
  return [
    { arch: 'x86_64', flags: ['-m64'], includes: x86 },
    { arch: 'x32', flags: ['-mx32'], includes: x86 },
    { arch: 'i386', flags: ['-m32'], includes: x86 },
    { arch: 'aarch64', flags: ['-m64', '-U__x86_64__', '-U__amd64__', '-D__aarch64__'], includes: ['/usr/aarch64-linux-gnu/include'] },
    { arch: 'arm', flags: ['-m32', '-U__i386__', '-D__arm__', '-D__ARM_EABI__'], kernelDir: 'arm' },
    { arch: 'riscv64', flags: ['-m64', '-U__x86_64__', '-U__amd64__', '-D__riscv', '-D__riscv_xlen=64'], kernelDir: 'riscv' },
  ].map((target) => ({ ...target, includes: target.includes ?? kernelIncludes(root, work, target.kernelDir) }));
}

/**
 * kernelIncludes prepares the kernel tree's uapi headers the way
 * `make headers_install` would present them: asm/ wrappers for every
 * asm-generic header the arch does not override, and empty kernel
 * annotations.
 */
function kernelIncludes(root, work, dir) {
  const shim = join(work, 'uapi-shim', dir);
  mkdirSync(join(shim, 'asm'), { recursive: true });
  mkdirSync(join(shim, 'linux'), { recursive: true });
  const own = new Set(readdirSync(join(root, 'arch', dir, 'include/uapi/asm')));
  for (const header of readdirSync(join(root, 'include/uapi/asm-generic')).sort()) {
    if (!own.has(header)) writeFileSync(join(shim, 'asm', header), `#include <asm-generic/${header}>\n`);
  }
  const annotations = '#define __user\n#define __force\n#define __iomem\n#define __attribute_const__\n';
  for (const header of ['compiler.h', 'compiler_types.h']) writeFileSync(join(shim, 'linux', header), annotations);
  return [join(root, 'arch', dir, 'include/uapi'), shim, join(root, 'include/uapi')];
}

/** internalDefinitions writes the copied kernel-internal #defines as one header. */
function internalDefinitions(root) {
  const lines = [];
  for (const [path, pattern] of INTERNAL_CONSTANTS) {
    const text = stripComments(readFileSync(join(root, path), 'utf8'));
    for (const match of text.matchAll(/^#define\s+(\w+)\s+([^\n\\]+?)\s*$/gm)) {
      if (pattern.test(match[1]) && !INTERNAL_EXCLUDED.has(match[1])) lines.push(`#ifndef ${match[1]}\n#define ${match[1]} ${match[2]}\n#endif`);
    }
  }
  const types = /enum sock_type \{([^}]*)\}/.exec(stripComments(readFileSync(join(root, 'include/linux/net.h'), 'utf8')));
  for (const match of types[1].matchAll(/(SOCK_\w+)\s*=\s*(\d+)/g)) lines.push(`#ifndef ${match[1]}\n#define ${match[1]} ${match[2]}\n#endif`);
  return lines.join('\n') + '\n';
}

/** compilerArgs: no system headers, only the target's uapi headers and the compiler's own. */
function compilerArgs(target, work) {
  return ['-nostdinc', '-std=gnu11', '-Ulinux', '-Uunix', '-Ui386', '-D__EXPORTED_HEADERS__', '-w', ...target.flags,
    '-I', work, ...target.includes.flatMap((dir) => ['-I', dir]), '-isystem', execFileSync('cc', ['-print-file-name=include'], { encoding: 'utf8' }).trim()];
}

const PRELUDE = [...CONSTANT_HEADERS.map((header) => `#include <${header}>`),
  '#if __has_include(<asm/prctl.h>)', '#include <asm/prctl.h>', '#endif', '#include "kernel-internal.h"'].join('\n') + '\n';

/** constantNamesFor lists the object-like macros matching CONSTANT_NAME under one target. */
function constantNamesFor(target, work) {
  const macros = execFileSync('cc', ['-E', '-dM', ...compilerArgs(target, work), '-x', 'c', '-'], { input: PRELUDE, encoding: 'utf8' });
  return [...macros.matchAll(/^#define (\w+) /gm)].map((match) => match[1]).filter((name) => CONSTANT_NAME.test(name)).sort();
}

/** assemblyValues reads `value_N:` / `signed_N:` labels and their .quad/.long/.zero data from cc -S output. */
function assemblyValues(assembly) {
  const values = new Map();
  let current;
  let bytes = [];
  const finish = () => {
    if (current === undefined) return;
    const raw = bytes.reduceRight((sum, byte) => (sum << 8n) | BigInt(byte), 0n);
    values.set(current, BigInt.asIntN(64, raw));
  };
  for (const line of assembly.split('\n')) {
    const label = /^((?:value|signed)_\d+):/.exec(line);
    const data = /^\s*\.(quad|long|zero)\s+(-?\d+)/.exec(line);
    if (label) { finish(); current = label[1]; bytes = []; }
    else if (data && current !== undefined) {
      const size = data[1] === 'quad' ? 8 : data[1] === 'long' ? 4 : Number(data[2]);
      const word = data[1] === 'zero' ? 0n : BigInt.asUintN(size * 8, BigInt(data[2]));
      for (let index = 0; index < size; index += 1) bytes.push(Number((word >> BigInt(index * 8)) & 0xffn));
    } else if (/^\S/.test(line) && !line.startsWith('\t')) { finish(); current = undefined; }
  }
  finish();
  return values;
}

/**
 * evaluateConstants compiles one `const long long value_N = (long long)(NAME);`
 * per name, and `signed_N`, whether NAME's C type is signed: an unsigned
 * value keeps its unsigned reading (RLIM_INFINITY is 2^64 - 1 where long
 * has 64 bits, 2^32 - 1 where it has 32). Names that are not integer constant expressions (pointer casts,
 * values that need libc types) fail to compile; they are dropped and the
 * file compiled again.
 */
function evaluateConstants(target, work, names) {
  let remaining = [...names];
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const source = join(work, `constants-${target.arch}.c`);
    const lines = remaining.map((name, index) =>
      `const long long value_${index} = (long long)(${name}); const int signed_${index} = ((${name}) * 0 - 1) < 0;`);
    writeFileSync(source, PRELUDE + '#line 1 "values"\n' + lines.join('\n') + '\n');
    try {
      const assembly = execFileSync('cc', ['-S', '-o', '-', ...compilerArgs(target, work), source], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
      const values = assemblyValues(assembly);
      return new Map(remaining.map((name, index) => {
        const value = values.get(`value_${index}`);
        const signed = values.get(`signed_${index}`);
        if (value === undefined || signed === undefined) throw new Error(`${target.arch}: no value read for ${name}`);
        return [name, signed === 0n ? BigInt.asUintN(64, value) : value];
      }));
    } catch (error) {
      const bad = new Set([...String(error.stderr).matchAll(/^values:(\d+):\d+: (error|note: in expansion)/gm)].map((match) => Number(match[1]) - 1));
      if (bad.size === 0) throw error;
      if (process.env.TABLES_DEBUG) console.error(target.arch, [...bad].map((index) => remaining[index]).join(' '));
      remaining = remaining.filter((_, index) => !bad.has(index));
    }
  }
  throw new Error(`${target.arch}: constants still fail to compile`);
}

/** collectConstants evaluates every constant on every arch: name → arch → value. */
function collectConstants(root, work) {
  writeFileSync(join(work, 'kernel-internal.h'), internalDefinitions(root));
  const byName = new Map();
  for (const target of constantTargets(root, work)) {
    for (const [name, value] of evaluateConstants(target, work, constantNamesFor(target, work))) {
      if (!byName.has(name)) byName.set(name, new Map());
      byName.get(name).set(target.arch, value);
    }
  }
  return byName;
}

/** commonValue picks the value most arches share (ties: the earlier arch in ARCHES). */
function commonValue(perArch) {
  const counts = new Map();
  for (const arch of ARCHES) {
    const value = perArch.get(arch.name);
    if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  let best;
  for (const [value, count] of counts) if (best === undefined || count > counts.get(best)) best = value;
  return best;
}

/** renderConstants writes src/arch/generated/constants.ts. */
function renderConstants(byName, stamp) {
  const lines = [];
  for (const name of [...byName.keys()].sort()) {
    const perArch = byName.get(name);
    const common = commonValue(perArch);
    const overrides = ARCHES.filter((arch) => perArch.get(arch.name) !== common)
      .map((arch) => `${arch.name}: ${perArch.has(arch.name) ? `${perArch.get(arch.name)}n` : 'null'}`);
    lines.push(`  ['${name}', ${common}n${overrides.length ? `, { ${overrides.join(', ')} }` : ''}],`);
  }
  return [
    stamp,
    `// aarch64 values from linux-libc-dev-arm64-cross (version ${packageVersion('linux-libc-dev-arm64-cross') ?? 'unknown'}); arm and riscv64 from the kernel tree's uapi headers.`,
    `import type { GeneratedConstant } from '../records.js';`,
    '',
    '/** constantTable lists [name, value, per-arch overrides (null: not defined there)]. */',
    'export const constantTable: readonly GeneratedConstant[] = [',
    ...lines,
    '];',
    '',
  ].join('\n');
}

// -------------------------------------------------------------------- main

/** main generates everything and prints a one-line summary. */
function main() {
  const options = parseOptions(process.argv.slice(2));
  const work = mkdtempSync(join(tmpdir(), 'generate-tables-'));
  try {
    const root = options.source ?? extractSources(work);
    const version = kernelVersion(root);
    const stamp = stampLine(options.source ? version : packageVersion('linux-source-6.1') ?? version);
    const definitions = collectDefinitions(root);
    mkdirSync(options.out, { recursive: true });
    const counts = [];
    for (const arch of ARCHES) {
      const syscalls = buildTable(arch, arch.rows(root, work), definitions);
      writeFileSync(join(options.out, `${arch.name}.ts`), renderTable(arch, syscalls, stamp, version));
      const missing = syscalls.filter((syscall) => !syscall.args).length;
      counts.push(`${arch.name} ${syscalls.length} (${missing} without args)`);
    }
    if (unknownTypes.size > 0) throw new Error(`unknown syscall argument types: ${[...unknownTypes].sort().join(', ')}`);
    const constants = collectConstants(root, work);
    writeFileSync(join(options.out, 'constants.ts'), renderConstants(constants, stamp));
    console.log(`generate-tables: ${counts.join(', ')}; ${constants.size} constants`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
