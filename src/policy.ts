/**
 * The library's front door: `compile` a policy text in one call, or
 * `Policy.fromText` / `Policy.load` once and `bind(params)` many times (one
 * launch each) into a `Program`.
 *
 *     const policy = Policy.fromText(text, { file: 'spt.policy', arch: 'x86_64' });
 *     const program = policy.bind({ epoll: 4, timer: 5, nets: [], blocks: [] });
 *     program.bytes;                                   // the sock_filter array
 *     program.run({ nr: 1, arch: AuditArch.x86_64, args: [1n] }).action;  // 'allow'
 */
import { Emulator } from './bpf/emulator.js';
import type { RunResult } from './bpf/emulator.js';
import type { Instruction } from './bpf/instructions.js';
import { listing } from './bpf/listing.js';
import { SOCK_FILTER_SIZE } from './bpf/opcodes.js';
import type { SeccompData } from './bpf/seccomp.js';
import { checkOrThrow } from './check/check.js';
import type { CheckedPolicy } from './check/checked.js';
import { CodegenCache, compileModel } from './codegen/index.js';
import type { CodegenOptions, CompiledProgram } from './codegen/index.js';
import type { Diagnostic, SourceTexts } from './diagnostics.js';
import { bind } from './ir/bind.js';
import type { ArchName, RuleModel } from './ir/model.js';
import { syscallNameOf } from './arch/index.js';
import { loadPolicy } from './syntax/load.js';
import type { ReadFile } from './syntax/load.js';
import { parse } from './syntax/parse.js';

/** Options for reading a policy. */
export interface PolicyOptions {
  /**
   * The arch to compile for: with a policy that declares `arch`, the filter
   * is restricted to it (it must be declared); without, the filter serves it.
   * Default: the declared arches, or the host's.
   */
  readonly arch?: ArchName;
  /** Options passed to the code generator (e.g. a syscall frequency profile). */
  readonly codegen?: CodegenOptions;
}

/** Program is a bound, compiled filter. */
export class Program {
  private emulator: Emulator | undefined;

  constructor(
    /** The rule model the filter was generated from. */
    readonly model: RuleModel,
    private readonly compiled: CompiledProgram,
  ) {}

  /** The typed instructions. */
  get instructions(): readonly Instruction[] {
    return this.compiled.instructions;
  }

  /** The `struct sock_filter` array, 8 bytes an instruction, host byte order. */
  get bytes(): Uint8Array {
    return this.compiled.bytes;
  }

  /** length is the number of instructions. */
  get length(): number {
    return this.compiled.bytes.length / SOCK_FILTER_SIZE;
  }

  /** listing prints the filter one instruction a line, naming fields, actions and syscalls. */
  listing(): string {
    return listing(this.instructions, { syscallName: (nr, audit) => syscallNameOf(nr, audit) });
  }

  /** run decides one syscall in the emulator, as the kernel would. */
  run(data: SeccompData): RunResult {
    this.emulator ??= Emulator.create(this.instructions);
    return this.emulator.run(data);
  }
}

/** Policy is a checked policy, ready to be bound to params any number of times. */
export class Policy {
  private constructor(
    /** The checked form: names resolved, params still unbound. */
    readonly checked: CheckedPolicy,
    /** Warnings the checker found (errors throw instead). */
    readonly warnings: readonly Diagnostic[],
    /** The text of every file read, for printing diagnostics. */
    readonly sources: SourceTexts,
    private readonly options: PolicyOptions,
  ) {}

  /**
   * fromText checks a policy given as text. Throws PolicySyntaxError or
   * PolicyError (with every diagnostic). `include` is refused unless a
   * `readFile` is given through `load`.
   */
  static fromText(text: string, options: PolicyOptions & { file?: string } = {}): Policy {
    const file = options.file ?? '<policy>';
    const program = parse(text, file);
    const sources = new Map([[file, text]]);
    const { policy, diagnostics } = checkOrThrow({ program, sources, diagnostics: [] }, { arch: options.arch });
    return new Policy(policy, diagnostics, sources, options);
  }

  /** load reads a policy file and its includes with `readFile`, then checks it. */
  static load(path: string, readFile: ReadFile, options: PolicyOptions = {}): Policy {
    const loaded = loadPolicy(path, readFile);
    const { policy, diagnostics } = checkOrThrow(loaded, { arch: options.arch });
    return new Policy(policy, diagnostics, loaded.sources, options);
  }

  /** model binds the params and returns the rule model. Throws BindError. */
  model(params: Readonly<Record<string, unknown>> = {}): RuleModel {
    return bind(this.checked, params);
  }

  /** bind binds the params and compiles. Throws BindError or CodegenError. */
  bind(params: Readonly<Record<string, unknown>> = {}): Program {
    return this.bindModel(this.model(params));
  }

  /**
   * What binding again reuses: the trees' plans and the last layouts (see
   * CodegenCache); its `counts` say how often lowering reused a case.
   */
  readonly cache = new CodegenCache();
  /** The code generator's options with the cache, made once (an object spread costs a small bind a tenth of its time). */
  private codegenOptions: CodegenOptions | undefined;

  /** bindModel compiles a model bound from this policy (possibly adjusted). Throws CodegenError. */
  bindModel(model: RuleModel): Program {
    return compileRuleModel(model, (this.codegenOptions ??= { cache: this.cache, ...this.options.codegen }));
  }
}

/** compile checks, binds and compiles a policy text in one call. */
export function compile(
  text: string,
  options: PolicyOptions & { file?: string; params?: Readonly<Record<string, unknown>> } = {},
): Program {
  return Policy.fromText(text, options).bind(options.params ?? {});
}

/** compileRuleModel compiles a rule model built directly with the model's factories. */
export function compileRuleModel(model: RuleModel, options: CodegenOptions = {}): Program {
  return new Program(model, compileModel(model, options));
}
