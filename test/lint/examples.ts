/**
 * The bad and good examples of docs/lint-rules.md, read by section, so the
 * documentation and the table test cannot drift apart.
 */
import { readFileSync } from 'node:fs';

/** RuleExamples is one rule's documented examples (bad may be absent when a test builds it). */
export interface RuleExamples {
  readonly id: string;
  readonly bad?: string;
  readonly good?: string;
}

const DOC = new URL('../../docs/lint-rules.md', import.meta.url);

function block(section: string, label: 'Bad' | 'Good'): string | undefined {
  const match = new RegExp(`\\*\\*${label}\\*\\*\\n\`\`\`policy\\n([\\s\\S]*?)\`\`\``).exec(section);
  return match?.[1];
}

/** documentedExamples lists every `### id` section of docs/lint-rules.md with its examples. */
export function documentedExamples(): RuleExamples[] {
  const text = readFileSync(DOC, 'utf8');
  const sections = text.split(/^### /m).slice(1);
  return sections.map((section) => {
    const id = section.slice(0, section.indexOf('\n')).trim();
    const bad = block(section, 'Bad');
    const good = block(section, 'Good');
    return { id, ...(bad === undefined ? {} : { bad }), ...(good === undefined ? {} : { good }) };
  });
}

/** bigPolicy makes a policy of `count` conditional rules on raw syscall numbers. */
export function bigPolicy(count: number): string {
  const lines = ['policy big', 'arch x86_64', 'default kill_process', 'allow exit_group'];
  for (let i = 0; i < count; i++) lines.push(`allow syscall(${1000 + i}) where arg0 == ${i} && arg1 <= ${i * 7}`);
  return `${lines.join('\n')}\n`;
}
