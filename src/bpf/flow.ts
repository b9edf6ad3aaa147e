/**
 * A small forward data-flow pass for the listing: at each instruction, which
 * `seccomp_data` word A holds, and which arch every path there has checked.
 *
 * Jumps only go forward, so one pass in program order sees every
 * predecessor of an instruction before the instruction itself. Where paths
 * meet, a fact survives only if all of them agree on it.
 */

import type { Instruction, Program } from './instructions.js';

/** FlowState is what is known before an instruction runs. */
export interface FlowState {
  /** a is the byte offset of the `seccomp_data` word in A, if known. */
  readonly a: number | undefined;
  /** arch is the AUDIT_ARCH value every path here has tested equal, if any. */
  readonly arch: number | undefined;
}

const UNKNOWN: FlowState = Object.freeze({ a: undefined, arch: undefined });

const ARCH_OFFSET = 4;

function meet(left: FlowState | undefined, right: FlowState): FlowState {
  if (left === undefined) return right;
  return {
    a: left.a === right.a ? left.a : undefined,
    arch: left.arch === right.arch ? left.arch : undefined,
  };
}

/** Each successor of an instruction (by skip from the next one) and the state it receives. */
function successors(instruction: Instruction, state: FlowState): [number, FlowState][] {
  switch (instruction.kind) {
    case 'ReturnConstant':
    case 'ReturnA':
      return [];
    case 'Jump':
      return [[instruction.skip, state]];
    case 'JumpIf': {
      const learnsArch = state.a === ARCH_OFFSET && (instruction.condition === 'eq' || instruction.condition === 'ne');
      const known = { a: state.a, arch: instruction.value };
      const whenTrue = learnsArch && instruction.condition === 'eq' ? known : state;
      const whenFalse = learnsArch && instruction.condition === 'ne' ? known : state;
      return [[instruction.skipTrue, whenTrue], [instruction.skipFalse, whenFalse]];
    }
    case 'JumpIfX':
      return [[instruction.skipTrue, state], [instruction.skipFalse, state]];
    case 'LoadAbsolute':
      return [[0, { a: instruction.offset, arch: state.arch }]];
    case 'StoreScratch':
    case 'TransferAToX':
      return [[0, state]];
    case 'LoadLength':
    case 'LoadConstant':
    case 'LoadScratch':
      return [[0, instruction.register === 'X' ? state : { a: undefined, arch: state.arch }]];
    case 'AluConstant':
    case 'AluX':
    case 'Negate':
    case 'TransferXToA':
    case 'Raw':
      return [[0, { a: undefined, arch: state.arch }]];
  }
}

/**
 * flowStates returns, for each instruction, what is known before it runs.
 * Unreachable instructions get the state where nothing is known.
 */
export function flowStates(program: Program): FlowState[] {
  const incoming: (FlowState | undefined)[] = new Array<FlowState | undefined>(program.length).fill(undefined);
  incoming[0] = UNKNOWN;
  const states: FlowState[] = [];
  program.forEach((instruction, index) => {
    const state = incoming[index] ?? UNKNOWN;
    states.push(state);
    for (const [skip, next] of successors(instruction, state)) {
      const target = index + 1 + skip;
      if (target < program.length) incoming[target] = meet(incoming[target], next);
    }
  });
  return states;
}
