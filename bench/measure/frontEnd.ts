/**
 * Front-end timings: parse, check and bind a policy file into the model the
 * benchmark built by hand, each stage alone, and the whole way to bytes. Also confirms that both models
 * compile to the same bytes, so the two timings describe the same filter.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkOrThrow } from '../../src/check/index.js';
import { compileModel } from '../../src/codegen/index.js';
import { bind } from '../../src/ir/index.js';
import type { RuleModel } from '../../src/ir/model.js';
import { parse } from '../../src/syntax/index.js';
import type { FrontEndSource } from '../policies/types.js';
import { timeMedian, type Timing } from './timing.js';

/** FrontEndResult is either timings or why there are none. */
export type FrontEndResult =
  | {
      readonly available: true;
      /** pipeline is parse + check + bind of the policy text. */
      readonly pipeline: Timing;
      /** whole is the pipeline followed by compileModel: policy text to filter bytes. */
      readonly whole: Timing;
      readonly parse: Timing;
      readonly check: Timing;
      readonly bind: Timing;
      /** sameProgram says whether the bound model compiles to the same bytes as the hand-built one. */
      readonly sameProgram: boolean;
    }
  | { readonly available: false; readonly reason: string };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/** sourceText is the policy text of a source: its own text, or its file under `root`. */
export function sourceText(root: string, source: FrontEndSource): string {
  return source.text ?? readFileSync(join(root, source.file), 'utf8');
}

/** bindSource runs the front end once: parse, check for x86_64, bind the source's params. */
export function bindSource(root: string, source: FrontEndSource): RuleModel {
  return bind(checkOrThrow(parse(sourceText(root, source), source.file), { arch: 'x86_64' }).policy, source.params);
}

/** measureFrontEnd times the front end on `source`; failures become `available: false` with the reason. */
export function measureFrontEnd(root: string, source: FrontEndSource | undefined, model: RuleModel): FrontEndResult {
  if (source === undefined) return { available: false, reason: 'no policy text for this policy' };
  try {
    const text = sourceText(root, source);
    const pipeline = () => bind(checkOrThrow(parse(text, source.file), { arch: 'x86_64' }).policy, source.params);
    const parsed = parse(text, source.file);
    const checked = checkOrThrow(parsed, { arch: 'x86_64' }).policy;
    const sameProgram = sameBytes(compileModel(bindSource(root, source)).bytes, compileModel(model).bytes);
    return {
      available: true,
      pipeline: timeMedian(pipeline, { budgetMs: 400 }),
      whole: timeMedian(() => compileModel(pipeline()).bytes, { budgetMs: 400 }),
      parse: timeMedian(() => parse(text, source.file), { budgetMs: 400 }),
      check: timeMedian(() => checkOrThrow(parsed, { arch: 'x86_64' }), { budgetMs: 150 }),
      bind: timeMedian(() => bind(checked, source.params), { warmup: 200, budgetMs: 150 }),
      sameProgram,
    };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}
