/**
 * The front-end fuzzer behind test/fuzz/parser.test.ts and `npm run fuzz`:
 * random and mutated policy texts (byte flips, truncations, splices, deep
 * nesting, huge numbers, long identifiers, unicode) and include graphs
 * (cycles, missing files, deep chains) through Policy.fromText / Policy.load
 * and bind. Every input must end in a Program or in diagnostics (a
 * DiagnosticError or CodegenError): anything else thrown is a crash. The
 * slowest input and the heap growth are reported so a hang or a leak shows.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { CodegenError } from '../../src/codegen/index.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { Policy } from '../../src/policy.js';
import { policyCase } from '../property/arbitraries.js';

/** FuzzOptions: the fast-check seed and how many inputs. */
export interface FuzzOptions {
  readonly seed: number;
  readonly inputs: number;
}

/** ParserFuzzReport counts outcomes; `crashes` must stay zero. */
export interface ParserFuzzReport {
  inputs: number;
  programs: number;
  diagnostics: number;
  crashes: number;
  slowestMs: number;
  readonly codes: Map<string, number>;
  crash?: { readonly seed: number; readonly path: string; readonly input: string; readonly error: string };
}

const root = join(import.meta.dirname, '..', '..');

/** SHIPPED are the project's own policies, the seeds of the mutations. */
const SHIPPED: readonly string[] = ['policies', 'policies/examples'].flatMap((dir) =>
  readdirSync(join(root, dir))
    .filter((file) => file.endsWith('.policy'))
    .map((file) => readFileSync(join(root, dir, file), 'utf8')),
);

const PIECES = [
  '(', ')', '{', '}', '[', ']', ',', '&&', '||', '!', '==', '<=', '&', '<<', '-', '~', '"', '#', '\n', '\0', 'é', '🦀', '\u202e',
  'allow', 'where', 'for', 'in', 'not', 'when arch', 'param', 'const', 'include', 'syscall(', '0x', '_', '0b2', '18446744073709551616',
];

type Mutation = (text: string, draw: fc.GeneratorValue) => string;

const position = (text: string, draw: fc.GeneratorValue): number => draw(fc.nat, { max: text.length });

const MUTATIONS: readonly Mutation[] = [
  // Flip one bit of one UTF-16 unit (a byte flip for ASCII text).
  (text, draw) => {
    if (text.length === 0) return text;
    const at = draw(fc.nat, { max: text.length - 1 });
    return text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ (1 << draw(fc.nat, { max: 7 }))) + text.slice(at + 1);
  },
  (text, draw) => text.slice(0, position(text, draw)),
  (text, draw) => {
    const at = position(text, draw);
    return text.slice(0, at) + draw(fc.constantFrom, ...PIECES) + text.slice(at);
  },
  (text, draw) => {
    const from = position(text, draw);
    const to = position(text, draw);
    return text.slice(0, Math.min(from, to)) + text.slice(Math.max(from, to));
  },
  (text, draw) => {
    const from = position(text, draw);
    const length = draw(fc.nat, { max: 80 });
    const at = position(text, draw);
    return text.slice(0, at) + text.slice(from, from + length) + text.slice(at);
  },
  (text, draw) => `${text}\nallow read where ${'('.repeat(draw(fc.nat, { max: 60 }))}fd == 1${')'.repeat(draw(fc.nat, { max: 60 }))}`,
  (text, draw) => `${text}\nallow read where ${'!'.repeat(draw(fc.nat, { max: 400 }))}fd == 1`,
  (text, draw) => `${text}\nallow read where ${Array.from({ length: draw(fc.nat, { max: 300 }) }, () => 'fd == 1').join(' || ')}`,
  (text, draw) => `${text}\nallow write where count == ${'9'.repeat(draw(fc.nat, { max: 5000 }))}`,
  (text, draw) => `${text}\nconst ${'x'.repeat(draw(fc.integer, { min: 1, max: 20000 }))} = 1`,
  (text, draw) => `${text}\nallow ${draw(fc.string, { unit: 'grapheme', maxLength: 20 })}`,
  (text, draw) => `${draw(fc.string, { unit: 'binary', maxLength: 40 })}${text}`,
  (text, draw) => `${text}\n${'when arch x86_64 {'.repeat(draw(fc.nat, { max: 40 }))}allow read${'}'.repeat(draw(fc.nat, { max: 40 }))}`,
];

/** mutatedText draws a base (a shipped policy or a random valid one) and applies 1 to 4 mutations. */
function mutatedText(): fc.Arbitrary<string> {
  return fc.tuple(fc.oneof(fc.constantFrom(...SHIPPED), policyCase('any').map((policy) => policy.text)), fc.gen()).map(([base, draw]) => {
    let text = base;
    const count = draw(fc.integer, { min: 1, max: 4 });
    for (let index = 0; index < count; index++) text = draw(fc.constantFrom, ...MUTATIONS)(text, draw);
    return text;
  });
}

/** includeGraph draws files that include each other (cycles, self-includes, missing files, long chains). */
function includeGraph(): fc.Arbitrary<{ files: Record<string, string>; entry: string }> {
  return fc.gen().map((draw) => {
    const count = draw(fc.integer, { min: 1, max: 24 });
    const files: Record<string, string> = {};
    for (let index = 0; index < count; index++) {
      const targets = draw(fc.array, fc.integer({ min: 0, max: count + 2 }), { maxLength: 3 });
      const lines = targets.map((target) => `include "${draw(fc.constantFrom, '', './', 'sub/../')}f${target}.policy"`);
      lines.push(`allow ${draw(fc.constantFrom, 'read', 'write', 'close', 'reed')}`);
      files[`dir/f${index}.policy`] = lines.join('\n');
    }
    return { files, entry: 'dir/f0.policy' };
  });
}

/** judge runs one input and files its outcome; a crash throws. */
function judge(run: () => unknown, report: ParserFuzzReport): void {
  report.inputs++;
  const started = performance.now();
  try {
    run();
    report.programs++;
  } catch (error) {
    if (error instanceof DiagnosticError) {
      report.diagnostics++;
      const code = error.diagnostics[0]?.code ?? 'none';
      report.codes.set(code, (report.codes.get(code) ?? 0) + 1);
    } else if (error instanceof CodegenError) {
      report.diagnostics++;
    } else {
      report.crashes++;
      throw error;
    }
  } finally {
    report.slowestMs = Math.max(report.slowestMs, performance.now() - started);
  }
}

/** runParserFuzz fuzzes the front end with `inputs` texts and a tenth as many include graphs. */
export function runParserFuzz(options: FuzzOptions): ParserFuzzReport {
  const report: ParserFuzzReport = { inputs: 0, programs: 0, diagnostics: 0, crashes: 0, slowestMs: 0, codes: new Map() };
  const texts = fc.property(mutatedText(), (text) => judge(() => Policy.fromText(text, { arch: 'x86_64' }).bind({}), report));
  const graphs = fc.property(includeGraph(), ({ files, entry }) => {
    const read = (path: string): string => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: ${path}`);
      return text;
    };
    judge(() => Policy.load(entry, read, { arch: 'x86_64' }).bind({}), report);
  });
  for (const [property, runs] of [[texts, options.inputs], [graphs, Math.ceil(options.inputs / 10)]] as const) {
    const details = fc.check(property as fc.IPropertyWithHooks<unknown[]>, { seed: options.seed, numRuns: runs, endOnFailure: false });
    if (details.failed && !report.crash) {
      report.crash = {
        seed: details.seed,
        path: details.counterexamplePath ?? '',
        input: fc.stringify(details.counterexample),
        error: details.errorInstance instanceof Error ? (details.errorInstance.stack ?? String(details.errorInstance)) : String(details.errorInstance),
      };
    }
  }
  return report;
}

/** describeParserFuzz prints the report line. */
export function describeParserFuzz(report: ParserFuzzReport): string {
  const codes = [...report.codes].sort(([, a], [, b]) => b - a).slice(0, 8).map(([code, count]) => `${code} ${count}`).join(', ');
  return (
    `parser fuzz: ${report.inputs} inputs fuzzed, ${report.programs} compiled, ${report.diagnostics} refused with diagnostics ` +
    `(${codes}), ${report.crashes} crashes, slowest ${report.slowestMs.toFixed(0)} ms`
  );
}
