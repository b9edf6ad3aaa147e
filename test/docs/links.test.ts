/**
 * The documentation hangs together: docs/index.md links every document in
 * docs/, and every relative link in README.md and docs/*.md names a file
 * that exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const documents = readdirSync(join(root, 'docs')).filter((file) => file.endsWith('.md')).sort();

/** relativeLinks lists the targets of a Markdown text's links that are not URLs or anchors, outside code. */
export function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!.replace(/#.*$/, ''))
    .filter((target) => target !== '' && !/^[a-z]+:/i.test(target));
}

describe('documentation links', () => {
  test('docs/index.md links every document of docs/', () => {
    const linked = new Set(relativeLinks(readFileSync(join(root, 'docs/index.md'), 'utf8')));
    expect(documents.filter((file) => file !== 'index.md' && !linked.has(file))).toEqual([]);
  });

  for (const file of ['README.md', ...documents.map((d) => `docs/${d}`)]) {
    test(`the relative links of ${file} resolve`, () => {
      const targets = relativeLinks(readFileSync(join(root, file), 'utf8'));
      expect(targets.filter((target) => !existsSync(join(root, dirname(file), target)))).toEqual([]);
    });
  }

  test('relativeLinks skips URLs, anchors and code', () => {
    expect(relativeLinks('[a](b.md) [c](https://x.org) [d](#top) `[e](f.md)` [g](h.md#part)\n```\n[i](j.md)\n```\n')).toEqual(['b.md', 'h.md']);
  });
});
