import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { formatSarif, lintFile, lintText, RULES } from '../../src/lint/index.js';
import { sarifProblems } from './sarif-shape.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const shipped = ['policies/spt-tender.policy', 'policies/nabla.policy', 'policies/examples/node-server.policy'];

describe('SARIF 2.1.0 output', () => {
  const reports = [
    ...shipped.map((file) => lintFile(file, read)),
    lintText('default allow\nallow write\nallow write where fd <= 0xffffffff\n', { file: 'dir with space/bad.policy' }),
    lintText('allow reed\n', { file: 'broken.policy' }),
  ];
  const log = JSON.parse(formatSarif(reports, { toolVersion: '0.1.0' })) as {
    runs: { tool: { driver: { rules: { id: string }[] } }; results: Record<string, unknown>[] }[];
  };

  it('validates against the SARIF 2.1.0 JSON schema (the OASIS schema as Microsoft\'s SARIF SDK ships it)', () => {
    const require = createRequire(import.meta.url);
    const schema = JSON.parse(readFileSync(require.resolve('@microsoft/sarif-multitool-linux/sarif-2.1.0.json'), 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
    const validate = ajv.compile(schema);
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The schema check can fail: a log with a result missing its message does not pass.
    const broken = structuredClone(log) as { runs: { results: Record<string, unknown>[] }[] };
    delete broken.runs[0]!.results[0]!.message;
    expect(validate(broken)).toBe(false);
  });

  it('passes the structural check of the SARIF 2.1.0 schema', () => {
    expect(sarifProblems(log)).toEqual([]);
  });

  it('the structural check itself rejects broken logs', () => {
    expect(sarifProblems({ version: '2.0.0', runs: [] })).toEqual(['$.version: 2.0.0 is not one of 2.1.0']);
    expect(sarifProblems({ version: '2.1.0', runs: [{ tool: { driver: {} } }] })).toEqual([
      '$.runs[0].tool.driver: missing required property name',
      '$.runs[0].tool.driver.name: must be a string',
    ]);
    const badResult = { version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ level: 'fatal', message: {} }] }] };
    expect(sarifProblems(badResult)).toEqual(['$.runs[0].results[0].message: needs text or id', '$.runs[0].results[0].level: fatal is not one of none, note, warning, error']);
  });

  it('lists every lint rule, and each policy error code met', () => {
    const ids = log.runs[0]!.tool.driver.rules.map((rule) => rule.id);
    expect(ids).toEqual([...RULES.keys(), 'E_UNKNOWN_SYSCALL']);
  });

  it('keeps suppressed findings, marked in source with their reason', () => {
    const suppressed = log.runs[0]!.results.filter((result) => result.suppressions !== undefined);
    expect(suppressed.length).toBeGreaterThanOrEqual(shipped.length);
    for (const result of suppressed) {
      expect(result.suppressions).toEqual([{ kind: 'inSource', status: 'accepted', justification: expect.stringMatching(/\w/) }]);
    }
  });

  it('places findings by relative URI and code-point columns', () => {
    const results = log.runs[0]!.results as { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: Record<string, number> } }[] }[];
    const unpinned = results.find((r) => r.ruleId === 'unpinned-io' && r.locations[0]!.physicalLocation.artifactLocation.uri.startsWith('dir'));
    expect(unpinned!.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'dir%20with%20space/bad.policy' },
      region: { startLine: 2, startColumn: 7, endLine: 2, endColumn: 12 },
    });
  });
});
