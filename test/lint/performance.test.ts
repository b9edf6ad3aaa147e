import { describe, expect, it } from 'vitest';
import { lintText } from '../../src/lint/index.js';
import { bigPolicy } from './examples.js';

// Rules on the same syscall are the costly case: every pair is compared for shadowing.
function sameSyscallPolicy(count: number): string {
  const lines = ['policy same', 'arch x86_64', 'param conns: [fd]', 'default kill_process', 'allow exit_group'];
  for (let i = 0; i < count; i++) lines.push(`allow write where fd == ${i + 3} && count <= ${i * 16}`);
  lines.push('for conn in conns {', '  allow read where fd == conn', '}');
  return `${lines.join('\n')}\n`;
}

describe('lint speed', () => {
  it.each([
    ['300 rules on 300 syscalls', bigPolicy(300)],
    ['300 rules on one syscall', sameSyscallPolicy(300)],
  ])('lints %s well under a second', (_, text) => {
    lintText(text, { file: 'warm-up.policy' });
    const start = performance.now();
    const report = lintText(text, { file: 'big.policy' });
    const elapsed = performance.now() - start;
    console.log(`lint of ${text.split('\n').length} lines: ${elapsed.toFixed(0)} ms`);
    expect(report.errors).toEqual([]);
    expect(elapsed).toBeLessThan(1000);
  });
});
