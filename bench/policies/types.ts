/**
 * The shape of one benchmarked policy: its rule model, where its policy text
 * lives (when the front end can build it too), and the syscalls the kernel
 * timing loops on.
 */
import type { RuleModel } from '../../src/ir/model.js';

/** KernelArgument is one register of a timed syscall: a number, or `buffer` for a pointer to scratch memory. */
export type KernelArgument = bigint | 'buffer';

/** KernelCase is one syscall the native loop times under each filter. */
export interface KernelCase {
  /** label names the case in the report, e.g. "pread64 fd 66, last sector". */
  readonly label: string;
  /** kind says whether the filter decides it by number alone or must read arguments. */
  readonly kind: 'cached' | 'argument-checked';
  readonly syscall: string;
  readonly args: readonly KernelArgument[];
  /** memoryFile, when set, is an empty file of `size` bytes placed at descriptor `fd` before the filter. */
  readonly memoryFile?: { readonly fd: number; readonly size: number };
  /** devNull, when set, is a descriptor that /dev/null is placed at before the filter. */
  readonly devNull?: number;
}

/** FrontEndSource is policy text the front end can parse, check and bind into the same model. */
export interface FrontEndSource {
  /** file is relative to the repository root; it is read unless `text` is given, and names the source either way. */
  readonly file: string;
  /** text, when given, is the policy source itself (written from the model by policyText). */
  readonly text?: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/** BenchPolicy is one benchmarked filter. */
export interface BenchPolicy {
  /** id is a short key for JSON, e.g. "spt-63-blocks". */
  readonly id: string;
  readonly title: string;
  readonly model: RuleModel;
  readonly frontEnd?: FrontEndSource;
  readonly kernelCases: readonly KernelCase[];
  /** kernelNote says why these kernel cases were chosen. */
  readonly kernelNote: string;
  /** notes are remarks printed under the policy's section. */
  readonly notes?: readonly string[];
}
