/**
 * Front-end timings: parse, check and bind a policy file into the model the
 * benchmark built by hand, each stage alone, and the whole way to bytes.
 * Binding is timed twice: to the rule model alone, and from params to filter
 * bytes through one `Policy` bound again and again, as a tender binds it at
 * each launch. Also confirms that the models and the bound program come to
 * the same bytes, so the timings describe the same filter.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkOrThrow } from '../../src/check/index.js';
import { compileModel } from '../../src/codegen/index.js';
import { bind } from '../../src/ir/index.js';
import type { RuleModel } from '../../src/ir/model.js';
import { Policy } from '../../src/policy.js';
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
      /** bind is params to the rule model alone. */
      readonly bind: Timing;
      /** bound is params to filter bytes through one Policy, bound again at each call: what a launch pays. */
      readonly bound: Timing;
      /** sameProgram says whether the bound model and the Policy's program come to the same bytes as the hand-built model. */
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
    const policy = Policy.fromText(text, { file: source.file, arch: 'x86_64' });
    const expected = compileModel(model).bytes;
    const sameProgram = sameBytes(compileModel(bindSource(root, source)).bytes, expected) && sameBytes(policy.bind(source.params).bytes, expected);
    return {
      available: true,
      pipeline: timeMedian(pipeline, { budgetMs: 400 }),
      whole: timeMedian(() => compileModel(pipeline()).bytes, { budgetMs: 400 }),
      parse: timeMedian(() => parse(text, source.file), { budgetMs: 400 }),
      check: timeMedian(() => checkOrThrow(parsed, { arch: 'x86_64' }), { budgetMs: 150 }),
      bind: timeMedian(() => bind(checked, source.params), { warmup: 200, budgetMs: 150 }),
      bound: timeMedian(() => policy.bind(source.params).bytes, { warmup: 500, budgetMs: 300 }),
      sameProgram,
    };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}
