import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lintFile } from '../../src/lint/index.js';

const ROOT = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');
const SHIPPED = [
  'policies/solo5-spt.policy',
  'policies/nabla.policy',
  'policies/spt-tender.policy',
  ...readdirSync(new URL('policies/examples/', ROOT))
    .filter((name) => name.endsWith('.policy'))
    .map((name) => `policies/examples/${name}`),
];

describe('the shipped policies lint clean, or with reasoned suppressions', () => {
  it.each(SHIPPED)('%s', (file) => {
    const report = lintFile(file, read);
    expect(report.errors).toEqual([]);
    const open = report.findings.filter((found) => !found.suppressed);
    expect(open.map((f) => `${f.rule}: ${f.message}`)).toEqual([]);
    for (const found of report.findings) expect(found.suppressed!.reason.length).toBeGreaterThan(10);
  });

  it('the example policies need the suppressions they carry (nothing silences by accident)', () => {
    const rules = (file: string) => lintFile(file, read).findings.map((f) => f.rule).sort();
    expect(rules('policies/examples/node-server.policy')).toEqual(['executable-memory', 'unpinned-io', 'unpinned-io']);
    expect(rules('policies/examples/deny-errno.policy')).toEqual(['family-gap', 'permissive-default']);
    expect(rules('policies/solo5-spt.policy')).toEqual([]);
  });
});
