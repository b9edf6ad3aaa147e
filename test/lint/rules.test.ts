import { describe, expect, it } from 'vitest';
import { lintText, RULE_IDS, RULES } from '../../src/lint/index.js';
import { bigPolicy, documentedExamples } from './examples.js';

const examples = documentedExamples();
const firing = (text: string, rule: string) =>
  lintText(text, { file: `${rule}.policy` }).findings.filter((f) => f.rule === rule);

describe('docs/lint-rules.md', () => {
  it('documents every rule once, in catalogue order, each with a good example', () => {
    expect(examples.map((e) => e.id)).toEqual([...RULE_IDS]);
    for (const example of examples) expect(example.good, example.id).toBeDefined();
  });

  it('gives a bad example for every rule but filter-size, which the test builds', () => {
    expect(examples.filter((e) => e.bad === undefined).map((e) => e.id)).toEqual(['filter-size']);
  });
});

describe('each rule fires on its bad example and stays quiet on its good one', () => {
  it.each(examples.filter((e) => e.bad !== undefined).map((e) => [e.id, e.bad!] as const))('%s: bad', (id, bad) => {
    const report = lintText(bad, { file: `${id}.policy` });
    expect(report.errors).toEqual([]);
    const found = report.findings.filter((f) => f.rule === id && !f.suppressed);
    expect(found.length, JSON.stringify(report.findings, null, 1)).toBeGreaterThan(0);
    expect(found.every((f) => f.severity === RULES.get(id as never)!.severity)).toBe(true);
  });

  it.each(examples.map((e) => [e.id, e.good!] as const))('%s: good', (id, good) => {
    const report = lintText(good, { file: `${id}.policy` });
    expect(report.errors).toEqual([]);
    expect(report.findings.filter((f) => f.rule === id)).toEqual([]);
  });

  it('filter-size: warns past half the limit and fails past the limit', () => {
    const near = firing(bigPolicy(300), 'filter-size');
    expect(near).toHaveLength(1);
    expect(near[0]!.severity).toBe('warning');
    expect(near[0]!.message).toMatch(/has \d+ instructions/);
    const over = firing(bigPolicy(600), 'filter-size');
    expect(over).toHaveLength(1);
    expect(over[0]!.severity).toBe('error');
    expect(firing(bigPolicy(100), 'filter-size')).toEqual([]);
  });
});

describe('findings point at the right place', () => {
  it('points unpinned-io at the first unpinned syscall and lists them all', () => {
    const text = 'allow exit_group\nallow close, write, read\n';
    const [found] = firing(text, 'unpinned-io');
    expect(found!.message).toMatch(/^read, write allowed on any fd/);
    expect(text.slice(found!.span!.start, found!.span!.end)).toBe('write');
  });

  it('names the part of a condition that never holds', () => {
    const [found] = firing('allow exit_group\nallow fcntl where cmd == 1 || (cmd & 0x1) == 0x2\n', 'condition-always-false');
    expect(found!.message).toBe('`(cmd & 1) == 2` never holds');
  });

  it('reports shadowing by several earlier rules together', () => {
    const text = 'allow exit_group\nallow write where fd == 1\nallow write where fd == 2\nerrno(EBADF) write where fd == 1 || fd == 2\n';
    const [found] = firing(text, 'shadowed-rule');
    expect(found!.message).toBe('never decides write: the rules at lines 2, 3 match every such call first');
  });

  it('keeps quiet on rules that depend on params whose values differ between bindings', () => {
    const text = 'param a: fd\nparam b: fd\nallow exit_group\nallow write where fd == a\nallow write where fd == b\n';
    expect(lintText(text).findings.map((f) => f.rule)).toEqual([]);
  });
});
