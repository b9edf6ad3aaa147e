import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonErrorFrame } from '../../src/cli/json.js';
import { cli } from './run.js';

const write = (name: string, text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'nabla-json-')), name);
  writeFileSync(file, text);
  return file;
};

describe('malformed JSON inputs', () => {
  it('--params points at the place with a caret (exit 1)', async () => {
    const file = write('p.json', '{\n  "epoll": 4,\n  "timer": 5,,\n}\n');
    const result = await cli(['compile', 'policies/solo5-spt.policy', '--params', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${file}:3:14: error[E_JSON]: Expected double-quoted property name\n  3 |   "timer": 5,,\n    |              ^\n`);
  });

  it('import points at the place with a caret (exit 1)', async () => {
    const file = write('profile.json', '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [}');
    const result = await cli(['import', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^${file.replaceAll('/', '\\/')}:1:50: error\\[E_JSON\\]: `));
    expect(result.stderr).toContain('\n    | ' + ' '.repeat(49) + '^\n');
  });

  it('a file that ends too soon points past its end', () => {
    expect(jsonErrorFrame('f.json', '{"a": [1, 2', new SyntaxError('Unexpected end of JSON input'))).toBe(
      'f.json:1:12: error[E_JSON]: the JSON ends too soon\n  1 | {"a": [1, 2\n    |            ^\n',
    );
  });

  it('columns count characters, not bytes', () => {
    const text = '{"ü": 1,}';
    let caught: unknown;
    try {
      JSON.parse(text);
    } catch (error) {
      caught = error;
    }
    expect(jsonErrorFrame('f.json', text, caught)).toMatch(/^f\.json:1:9: /);
  });
});
