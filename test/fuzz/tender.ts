/**
 * The executable fuzzer behind test/fuzz/tender.test.ts and `npm run fuzz`:
 * the hello test guest mutated (bit flips, truncation, and field-aware edits
 * of the ELF header, the program headers and the Solo5 notes), each mutant
 * judged by the launcher's checks in process (it must be accepted or refused
 * with a TenderError, never crash), and a sample launched for real under the
 * native tender (the launch must be refused before anything starts, or the
 * guest must run confined and end; a guest still running after the time
 * limit is killed and counted).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { TenderError } from '../../src/tender/errors.js';
import { readSptImage } from '../../src/tender/image.js';
import { memorySize } from '../../src/tender/plan.js';
import { runUnikernel } from '../../src/tender/run.js';
import { planLoad } from '../../src/tender/segments.js';

/** TenderFuzzOptions: the seed, how many mutants to judge, and how many of each outcome to launch. */
export interface TenderFuzzOptions {
  readonly seed: number;
  readonly mutants: number;
  readonly launchAccepted: number;
  readonly launchRefused: number;
  readonly timeoutMs?: number;
}

/** TenderFuzzReport counts outcomes; `crashes` must stay zero. */
export interface TenderFuzzReport {
  mutants: number;
  accepted: number;
  refused: number;
  crashes: number;
  crash?: string;
  readonly refusals: Map<string, number>;
  launched: number;
  launchRefused: number;
  /** How launched guests ended: 'exit N', 'SIGSYS', 'killed after the time limit', … */
  readonly endings: Map<string, number>;
  launchCrashes: number;
  launchCrash?: string;
}

/** Mutant is one mutated executable and how it was made. */
interface Mutant {
  readonly bytes: Uint8Array;
  readonly how: string;
}

const MEMORY_MIB = 2;
const INTERESTING: readonly bigint[] = [0n, 1n, 2n, 0x7fn, 0xffn, 0xfffn, 0x1000n, 0x100000n, 0x1fffffn, 0x200000n, 0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn, 1n << 32n, 1n << 63n, (1n << 64n) - 1n];
const HEADER_FIELDS: readonly [name: string, offset: number, size: 1 | 2 | 4 | 8][] = [
  ['EI_CLASS', 4, 1], ['EI_DATA', 5, 1], ['EI_VERSION', 6, 1], ['e_type', 16, 2], ['e_machine', 18, 2], ['e_version', 20, 4],
  ['e_entry', 24, 8], ['e_phoff', 32, 8], ['e_shoff', 40, 8], ['e_ehsize', 52, 2], ['e_phentsize', 54, 2], ['e_phnum', 56, 2],
];
const PROGRAM_HEADER_FIELDS: readonly [name: string, offset: number, size: 4 | 8][] = [
  ['p_type', 0, 4], ['p_flags', 4, 4], ['p_offset', 8, 8], ['p_vaddr', 16, 8], ['p_filesz', 32, 8], ['p_memsz', 40, 8], ['p_align', 48, 8],
];

function write(bytes: Uint8Array, offset: number, size: number, value: bigint): void {
  for (let index = 0; index < size && offset + index < bytes.length; index++) bytes[offset + index] = Number((value >> BigInt(8 * index)) & 0xffn);
}

function read(bytes: Uint8Array, offset: number, size: number): bigint {
  let value = 0n;
  for (let index = size - 1; index >= 0; index--) value = (value << 8n) | BigInt(bytes[offset + index] ?? 0);
  return value;
}

/** mutant draws one mutation of `original`. */
function mutant(original: Uint8Array): fc.Arbitrary<Mutant> {
  const programHeaderOffset = Number(read(original, 32, 8));
  const programHeaderCount = Number(read(original, 56, 2));
  const notes = Array.from({ length: programHeaderCount }, (_unused, index) => programHeaderOffset + 56 * index)
    .filter((at) => read(original, at, 4) === 4n)
    .map((at) => Number(read(original, at + 8, 8)));
  return fc.gen().map((draw): Mutant => {
    const bytes = new Uint8Array(original);
    const value = (current: bigint, size: number): bigint => {
      const roll = draw(fc.nat, { max: 9 });
      const limit = (1n << BigInt(8 * size)) - 1n;
      if (roll < 5) return draw(fc.constantFrom, ...INTERESTING) & limit;
      if (roll < 8) return (current + BigInt(draw(fc.integer, { min: -16, max: 16 }))) & limit;
      return draw(fc.bigInt, { min: 0n, max: limit });
    };
    const kinds = draw(fc.integer, { min: 1, max: 3 });
    const how: string[] = [];
    let result: Uint8Array = bytes;
    for (let step = 0; step < kinds; step++) {
      const kind = draw(fc.nat, { max: 5 });
      if (kind === 0 && result.length > 0) {
        const at = draw(fc.nat, { max: result.length - 1 });
        result[at]! ^= 1 << draw(fc.nat, { max: 7 });
        how.push(`flip byte ${at}`);
      } else if (kind === 1) {
        const [name, offset, size] = draw(fc.constantFrom, ...HEADER_FIELDS);
        write(result, offset, size, value(read(result, offset, size), size));
        how.push(`set ${name}`);
      } else if (kind === 2 || kind === 3) {
        const index = draw(fc.nat, { max: programHeaderCount - 1 });
        const [name, offset, size] = draw(fc.constantFrom, ...PROGRAM_HEADER_FIELDS);
        const at = programHeaderOffset + 56 * index + offset;
        write(result, at, size, value(read(result, at, size), size));
        how.push(`set ${name} of program header ${index}`);
      } else if (kind === 4 && notes.length > 0) {
        const note = draw(fc.constantFrom, ...notes);
        const word = draw(fc.nat, { max: 48 });
        write(result, note + 4 * word, 4, value(read(result, note + 4 * word, 4), 4));
        how.push(`set word ${word} of the note at ${note}`);
      } else {
        const length = draw(fc.nat, { max: result.length });
        result = result.slice(0, length);
        how.push(`truncate to ${length}`);
      }
    }
    return { bytes: result, how: how.join(', ') };
  });
}

/** judgeInProcess applies every check a launch makes before starting anything. */
function judgeInProcess(bytes: Uint8Array): 'accepted' | TenderError {
  try {
    const image = readSptImage(bytes);
    planLoad(image.elf, memorySize(MEMORY_MIB));
    return 'accepted';
  } catch (error) {
    if (error instanceof TenderError) return error;
    throw error;
  }
}

/** tenderChildren lists the pids of native tenders this process started (by parent pid and name). */
function tenderChildren(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === process.pid && name.startsWith('nabla-spt')) found.push(Number(entry));
    } catch {
      // the process ended while being read
    }
  }
  return found;
}

/** launch runs one mutant under the native tender, killing it (by pid) past the time limit. */
async function launch(bytes: Uint8Array, directory: string, index: number, timeoutMs: number): Promise<string> {
  const kernel = join(directory, `mutant-${index}.spt`);
  writeFileSync(kernel, bytes);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    for (const pid of tenderChildren()) process.kill(pid, 'SIGKILL');
  }, timeoutMs);
  try {
    const result = await runUnikernel({ kernel, memoryMiB: MEMORY_MIB, output: 'capture' });
    if (timedOut) return 'killed after the time limit';
    return result.signalName ?? `exit ${result.status}`;
  } catch (error) {
    if (error instanceof TenderError) return `refused (${error.name})`;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** runTenderFuzz judges `mutants` mutants of `guestPath` and launches a sample of each outcome. */
export async function runTenderFuzz(guestPath: string, options: TenderFuzzOptions): Promise<TenderFuzzReport> {
  const original = new Uint8Array(readFileSync(guestPath));
  const report: TenderFuzzReport = {
    mutants: 0, accepted: 0, refused: 0, crashes: 0, refusals: new Map(), launched: 0, launchRefused: 0, endings: new Map(), launchCrashes: 0,
  };
  const accepted: Mutant[] = [];
  const refused: Mutant[] = [];
  const seen = new Set<string>();
  const property = fc.property(mutant(original), (candidate) => {
    report.mutants++;
    let outcome: 'accepted' | TenderError;
    try {
      outcome = judgeInProcess(candidate.bytes);
    } catch (error) {
      report.crashes++;
      throw error;
    }
    if (outcome === 'accepted') {
      report.accepted++;
      const key = Buffer.from(candidate.bytes).toString('base64');
      if (!seen.has(key) && !Buffer.from(candidate.bytes).equals(Buffer.from(original))) accepted.push(candidate);
      seen.add(key);
    } else {
      report.refused++;
      const kind = outcome.message.replace(/0x[0-9a-f]+|\d+/g, 'N').slice(0, 60);
      report.refusals.set(kind, (report.refusals.get(kind) ?? 0) + 1);
      refused.push(candidate);
    }
  });
  const details = fc.check(property, { seed: options.seed, numRuns: options.mutants });
  if (details.failed) report.crash = `seed ${details.seed}, path "${details.counterexamplePath}": ${String(details.errorInstance)}`;

  const directory = mkdtempSync(join(tmpdir(), 'nabla-mutants-'));
  // Prefer mutants whose headers or notes changed: a flipped code byte says less about the launcher.
  const structural = accepted.filter((candidate) => !/^flip byte \d+$/.test(candidate.how));
  const sample = [...structural, ...accepted.filter((candidate) => !structural.includes(candidate))].slice(0, options.launchAccepted);
  const picks = [...sample, ...refused.slice(0, options.launchRefused)];
  for (const [index, candidate] of picks.entries()) {
    report.launched++;
    let ending: string;
    try {
      ending = await launch(candidate.bytes, directory, index, options.timeoutMs ?? 5000);
    } catch (error) {
      report.launchCrashes++;
      report.launchCrash ??= `${candidate.how}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
      continue;
    }
    const wasRefused = index >= sample.length;
    if (wasRefused && !ending.startsWith('refused')) {
      report.launchCrashes++;
      report.launchCrash ??= `${candidate.how}: refused in process but launched (${ending})`;
    }
    if (ending.startsWith('refused')) report.launchRefused++;
    report.endings.set(ending, (report.endings.get(ending) ?? 0) + 1);
  }
  return report;
}

/** describeTenderFuzz prints the report lines. */
export function describeTenderFuzz(report: TenderFuzzReport): string {
  const endings = [...report.endings].map(([ending, count]) => `${ending}: ${count}`).join(', ');
  return (
    `tender fuzz: ${report.mutants} mutants of hello judged in process, ${report.accepted} accepted, ${report.refused} refused ` +
    `(${report.refusals.size} distinct refusals), ${report.crashes} crashes; ` +
    `${report.launched} launched under the native tender (${endings}), ${report.launchCrashes} crashes`
  );
}
