/**
 * The readable report: one section per policy, one row per metric, columns
 * ours | libseccomp linear | libseccomp tree | ours/linear | ours/tree.
 */
import type { KernelCaseResult, PolicyResult } from '../run.js';
import { VARIANT_NAMES, VARIANT_TITLES, type VariantMetrics, type VariantName } from '../measure/variants.js';

type Cell = number | string | undefined;

/** Row is one metric: a value per variant, and whether ratios make sense for it. */
interface Row {
  readonly label: string;
  readonly values: Partial<Record<VariantName, Cell>>;
  readonly ratios: boolean;
  readonly digits: number;
}

const LABEL_WIDTH = 70;
const CELL_WIDTH = 13;

/** formatNumber prints a number with `digits` decimals, trimming a useless ".00" on integers. */
export function formatNumber(value: number, digits: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

/** ratio is ours / other as "0.123x", or "n/a" when either side is missing or the divisor is zero. */
export function ratio(ours: Cell, other: Cell): string {
  if (typeof ours !== 'number' || typeof other !== 'number' || other === 0) return 'n/a';
  return `${(ours / other).toFixed(3)}x`;
}

function cell(value: Cell, digits: number): string {
  if (value === undefined) return 'n/a';
  return typeof value === 'number' ? formatNumber(value, digits) : value;
}

function renderRow(row: Row): string {
  const columns = VARIANT_NAMES.map((name) => cell(row.values[name], row.digits));
  const ratios = row.ratios ? [ratio(row.values.ours, row.values.linear), ratio(row.values.ours, row.values.tree)] : ['', ''];
  return row.label.padEnd(LABEL_WIDTH) + [...columns, ...ratios].map((text) => text.padStart(CELL_WIDTH)).join('');
}

function metricRows(result: PolicyResult): Row[] {
  const pick = (read: (metrics: VariantMetrics) => Cell) => {
    const values: Partial<Record<VariantName, Cell>> = {};
    for (const name of VARIANT_NAMES) {
      const metrics = result.variants[name];
      if (metrics) values[name] = read(metrics);
    }
    return values;
  };
  const cacheLabel = `cacheable argument-free allowed syscalls (of ${result.argumentFree})`;
  return [
    { label: 'program length (instructions)', values: pick((m) => m.length), ratios: true, digits: 0 },
    { label: `executed per allowed call, mean (${result.allowedInputs} inputs)`, values: pick((m) => m.allowed.mean), ratios: true, digits: 2 },
    { label: 'executed per allowed call, max', values: pick((m) => m.allowed.max), ratios: true, digits: 0 },
    { label: 'executed per syscall number (all numbers, zero args), mean', values: pick((m) => m.everyNumber.mean), ratios: true, digits: 2 },
    { label: cacheLabel, values: pick((m) => m.cache.cached), ratios: true, digits: 0 },
    { label: 'build time, median us (ours: compileModel; lsc: build+export)', values: pick((m) => m.build.medianMicros), ratios: true, digits: 1 },
  ];
}

function frontEndRows(result: PolicyResult): Row[] {
  const frontEnd = result.frontEnd;
  if (!frontEnd.available) {
    return [{ label: 'front end parse+check+bind / bind, median us', values: { ours: `n/a` }, ratios: false, digits: 1 }];
  }
  return [
    { label: 'policy text to bytes (parse+check+bind+compile), median us', values: { ours: frontEnd.whole.medianMicros, linear: '-', tree: '-' }, ratios: false, digits: 1 },
    { label: 'front end parse+check+bind, median us', values: { ours: frontEnd.pipeline.medianMicros, linear: '-', tree: '-' }, ratios: false, digits: 1 },
    { label: '  of which parse alone, median us', values: { ours: frontEnd.parse.medianMicros, linear: '-', tree: '-' }, ratios: false, digits: 1 },
    { label: '  of which check alone, median us', values: { ours: frontEnd.check.medianMicros, linear: '-', tree: '-' }, ratios: false, digits: 1 },
    { label: '  of which bind alone (params to rule model), median us', values: { ours: frontEnd.bind.medianMicros, linear: '-', tree: '-' }, ratios: false, digits: 1 },
    { label: 'bind params to bytes, one Policy bound again, median us', values: { ours: frontEnd.bound.medianMicros, linear: '-', tree: '-' }, ratios: false, digits: 1 },
  ];
}

function kernelRows(entry: KernelCaseResult): Row[] {
  const label = `kernel ns/call: ${entry.label} [${entry.kind === 'cached' ? 'cached' : 'args'}]`;
  const steps: Row = { label: '  instructions this call runs (emulated)', values: entry.steps, ratios: true, digits: 0 };
  if (!entry.timings) return [{ label, values: { ours: 'n/a', linear: 'n/a', tree: 'n/a' }, ratios: false, digits: 1 }, steps];
  const values: Partial<Record<VariantName, Cell>> = {};
  const perEvaluation: Partial<Record<VariantName, Cell>> = {};
  for (const name of VARIANT_NAMES) {
    values[name] = entry.timings[name]?.bestNsPerCall;
    perEvaluation[name] = entry.timings[name]?.filterNsPerEvaluation;
  }
  const none = entry.timings.none?.bestNsPerCall;
  const copies = entry.timings.ours?.copies ?? 1;
  const blank = { ours: '', linear: '', tree: '' };
  return [
    { label: copies > 1 ? `${label}, filter x${copies}` : label, values, ratios: true, digits: 1 },
    { label: '  filter ns: its own cost per evaluation', values: perEvaluation, ratios: true, digits: 2 },
    steps,
    { label: `  the same without any filter: ${none === undefined ? 'n/a' : formatNumber(none, 1)} ns`, values: blank, ratios: false, digits: 1 },
  ];
}

function warnings(result: PolicyResult): string[] {
  const lines: string[] = [];
  for (const name of VARIANT_NAMES) {
    const refused = result.variants[name]?.allowed.refused ?? [];
    if (refused.length > 0) lines.push(`! ${VARIANT_TITLES[name]} did not allow ${refused.length} allowed inputs: ${refused.slice(0, 5).join('; ')}`);
  }
  const uncached = result.variants.ours?.cache.uncached ?? [];
  if (uncached.length > 0) lines.push(`! ours leaves argument-free syscalls uncached: ${uncached.join(' ')}`);
  if (!result.frontEnd.available) lines.push(`front end n/a: ${result.frontEnd.reason}`);
  else if (!result.frontEnd.sameProgram) lines.push('! the front end\'s model or Policy of this policy gives different bytes than the hand-built model');
  for (const entry of result.kernel) {
    if (entry.error) lines.push(`kernel n/a for ${entry.label}: ${entry.error}`);
    for (const [name, timing] of Object.entries(entry.timings ?? {})) {
      if (timing && timing.firstErrno !== 0) lines.push(`! kernel case ${entry.label} under ${name}: the call failed with errno ${timing.firstErrno}`);
    }
  }
  return lines;
}

/** renderPolicy prints one policy's section. */
export function renderPolicy(result: PolicyResult): string {
  const header = 'metric'.padEnd(LABEL_WIDTH) + [...VARIANT_NAMES.map((name) => VARIANT_TITLES[name]), 'ours/linear', 'ours/tree'].map((text) => text.padStart(CELL_WIDTH)).join('');
  const rows = [...metricRows(result), ...frontEndRows(result), ...result.kernel.flatMap(kernelRows)];
  const notes = [`kernel cases: ${result.kernelNote}`, ...result.notes, ...warnings(result)];
  return [`== ${result.title} [${result.id}]`, header, '-'.repeat(header.length), ...rows.map(renderRow), ...notes.map((note) => `  ${note}`), ''].join('\n');
}
