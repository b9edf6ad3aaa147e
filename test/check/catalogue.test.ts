/**
 * Every diagnostic code defined in src/diagnostics.ts is catalogued in
 * docs/errors.md and exercised, with a position, by a front-end test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const codes = [...readFileSync(join(root, 'src/diagnostics.ts'), 'utf8').matchAll(/(?:error|warning)\('([EW]_[A-Z_0-9]+)'/g)].map(
  (match) => match[1]!,
);
const unique = [...new Set(codes)].sort();

function testSources(): string {
  return ['test/syntax', 'test/check', 'test/bind']
    .flatMap((dir) =>
      readdirSync(join(root, dir))
        .filter((file) => file.endsWith('.test.ts') && file !== 'catalogue.test.ts')
        .map((file) => readFileSync(join(root, dir, file), 'utf8')),
    )
    .join('\n');
}

test('the diagnostics module defines the codes', () => {
  expect(unique.length).toBeGreaterThan(30);
});

test.each(unique)('%s has a section in docs/errors.md', (code) => {
  expect(readFileSync(join(root, 'docs/errors.md'), 'utf8')).toMatch(new RegExp(`^### ${code}\\b`, 'm'));
});

test.each(unique)('%s is asserted with a position by a test', (code) => {
  // A table row `…, 'CODE', 'L:C'` or a helper call naming the code and a position.
  const pattern = new RegExp(`'${code}',\\s*'(\\d+:\\d+|-)'|${code} [\\w./]*:?\\d+:\\d+|${code} -'|\\[${code}\\]`);
  expect(testSources()).toMatch(pattern);
});
