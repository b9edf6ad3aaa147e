/**
 * Printing diagnostics: file:line:col, the source line and a caret under the span.
 */
import { describe, expect, test } from 'vitest';
import { formatDiagnostic, formatDiagnostics, positionOf, shortMessage, unknownSyscall, unknownParam, syscallMissingOnArch } from '../../src/diagnostics.js';
import { run } from './support.js';

const sources = (text: string) => new Map([['test.policy', text]]);

describe('formatDiagnostic', () => {
  test('underlines the whole span with ^~~~', () => {
    const src = 'policy p\nallow reed where fd == 1';
    const [diagnostic] = run(src, { arch: 'x86_64' }).diagnostics;
    expect(formatDiagnostic(diagnostic!, sources(src))).toBe(
      ['test.policy:2:7: error[E_UNKNOWN_SYSCALL]: unknown syscall reed on x86_64', '  2 | allow reed where fd == 1', '    |       ^~~~'].join('\n'),
    );
  });

  test('keeps tabs so the caret lines up, and counts columns in characters after UTF-8 text', () => {
    const src = '# ünïcödé\n\tallow reed';
    const span = { file: 'test.policy', start: Buffer.byteLength('# ünïcödé\n\tallow '), end: Buffer.byteLength('# ünïcödé\n\tallow reed') };
    expect(formatDiagnostic(unknownSyscall('reed', 'x86_64', span), sources(src))).toBe(
      ['test.policy:2:8: error[E_UNKNOWN_SYSCALL]: unknown syscall reed on x86_64', '  2 | \tallow reed', '    | \t      ^~~~'].join('\n'),
    );
  });

  test('warnings say warning; color adds ANSI escapes', () => {
    const span = { file: 'test.policy', start: 6, end: 10 };
    const text = formatDiagnostic(syscallMissingOnArch('open', 'aarch64', span), sources('allow open'), { color: true });
    expect(text).toContain('\u001b[1;33mwarning[W_SYSCALL_MISSING]\u001b[0m');
    expect(text).toContain('\u001b[1;33m^~~~\u001b[0m');
  });

  test('a diagnostic without a span is one line', () => {
    expect(formatDiagnostic(unknownParam('nets'), sources(''))).toBe('error[E_UNKNOWN_PARAM]: the policy has no param nets');
  });

  test('shortMessage is file:line:col: message', () => {
    const span = { file: 'test.policy', start: 6, end: 10 };
    expect(shortMessage(unknownSyscall('reed', 'x86_64', span), sources('allow reed'))).toBe(
      'test.policy:1:7: unknown syscall reed on x86_64',
    );
  });

  test('formatDiagnostics joins several', () => {
    const src = 'allow reed\nallow wirte';
    const text = formatDiagnostics(run(src, { arch: 'x86_64' }).diagnostics, sources(src));
    expect(text.split('\n').filter((line) => line.startsWith('test.policy'))).toEqual([
      'test.policy:1:7: error[E_UNKNOWN_SYSCALL]: unknown syscall reed on x86_64',
      'test.policy:2:7: error[E_UNKNOWN_SYSCALL]: unknown syscall wirte on x86_64',
    ]);
  });

  test('positionOf maps byte offsets to lines and columns', () => {
    expect(positionOf('ab\ncd', 0)).toEqual({ line: 1, column: 1, lineText: 'ab' });
    expect(positionOf('ab\ncd', 4)).toEqual({ line: 2, column: 2, lineText: 'cd' });
    expect(positionOf('é\nx', 3)).toEqual({ line: 2, column: 1, lineText: 'x' });
    expect(positionOf('ab\r\ncd', 1)).toEqual({ line: 1, column: 2, lineText: 'ab' });
  });
});

test('a span over several lines is underlined to the end of its first line', () => {
  const src = 'allow pread64\n  where fd == 1';
  const span = { file: 'test.policy', start: 0, end: src.length };
  expect(formatDiagnostic(unknownSyscall('pread64', 'x86_64', span), sources(src)).split('\n')[2]).toBe(`    | ^${'~'.repeat(12)}`);
});
