import { describe, expect, it } from 'vitest';
import { lintText, parseSuppressions } from '../../src/lint/index.js';

describe('suppression comments', () => {
  it('parse rules and reason, and target the next line that is not blank or a comment', () => {
    const text = 'allow exit_group\n  # lint-disable-next-line unpinned-io, exec-allowed -- a reason -- with dashes\n\n# note\nallow read\n';
    expect(parseSuppressions('p.policy', text)).toEqual([
      {
        file: 'p.policy',
        span: { file: 'p.policy', start: text.indexOf('#'), end: text.indexOf('\n\n') },
        target: 5,
        rules: ['unpinned-io', 'exec-allowed'],
        reason: 'a reason -- with dashes',
      },
    ]);
  });

  it('silence a finding on the next line, keeping it marked with the reason', () => {
    const report = lintText('allow exit_group\n# lint-disable-next-line unpinned-io -- pipe set up by the parent\nallow read\n');
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ rule: 'unpinned-io', suppressed: { reason: 'pipe set up by the parent' } });
  });

  it('silence a finding whose statement starts on the next line, though the finding points further down', () => {
    const text = 'allow exit_group\n# lint-disable-next-line pointer-argument -- the address is fixed\nallow openat\n  where filename == 0x1000\n';
    const found = lintText(text).findings.filter((f) => f.rule === 'pointer-argument');
    expect(found).toHaveLength(1);
    expect(found[0]!.suppressed).toBeDefined();
  });

  it('do not silence other rules, nor a line further down', () => {
    const text = 'allow exit_group\n# lint-disable-next-line exec-allowed -- wrong rule\nallow read\nallow write\n';
    const rules = lintText(text).findings.filter((f) => !f.suppressed).map((f) => f.rule);
    expect(rules).toEqual(['unused-suppression', 'unpinned-io', 'unpinned-io']);
  });

  it('are findings themselves when unknown, unreasoned or unused', () => {
    const text = '# lint-disable-next-line permissive-default\ndefault allow\n# lint-disable-next-line bogus -- x\nerrno(EPERM) acct\n';
    const rules = lintText(text).findings.filter((f) => !f.suppressed).map((f) => `${f.rule}:${f.severity}`);
    expect(rules).toEqual(['suppression-without-reason:error', 'unknown-rule-suppressed:error']);
  });
});
