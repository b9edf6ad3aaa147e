/**
 * Param bindings: the values given for a policy's params (from JSON or code),
 * checked against their declared types and turned into ParamValues.
 */
import * as diagnostics from '../diagnostics.js';
import type { Diagnostic } from '../diagnostics.js';
import type { Span } from './model.js';
import { SCALAR_LIMITS, type CheckedPolicy, type ParamType, type ParamValue } from '../check/checked.js';

type Report = (diagnostic: Diagnostic) => void;

const INTEGER_TEXT = /^(?:0x[0-9a-f](?:_?[0-9a-f])*|0o[0-7](?:_?[0-7])*|0b[01](?:_?[01])*|[0-9](?:_?[0-9])*)$/i;

/** integerOf reads an integer binding: a bigint, a safe integer number, or integer text (decimal, 0x, 0o, 0b, `_` between digits). */
export function integerOf(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : undefined;
  if (typeof value === 'string' && INTEGER_TEXT.test(value.trim())) {
    return BigInt(value.trim().replaceAll('_', ''));
  }
  return undefined;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A param path for messages (`blocks[2].fd`), built only when a message
 * needs it: binding runs at every launch, and most bindings are fine.
 */
type Path = () => string;

/**
 * convertParam checks one bound value against its type, reporting at the
 * param's declaration. Binding runs at every launch and bindings are nearly
 * always right, so a quick pass that only says yes or no goes first; the
 * pass that names each problem's path runs only when it says no.
 */
export function convertParam(value: unknown, type: ParamType, path: string | Path, span: Span, report: Report): ParamValue | undefined {
  const quick = quickConvert(value, type);
  if (quick !== undefined) return quick;
  return convert(value, type, typeof path === 'string' ? () => path : path, span, report);
}

/** quickConvert is convert without messages: the value, or undefined for any problem. */
function quickConvert(value: unknown, type: ParamType): ParamValue | undefined {
  switch (type.kind) {
    case 'scalar': {
      const integer = integerOf(value);
      return integer !== undefined && integer >= 0n && integer <= SCALAR_LIMITS[type.name] ? integer : undefined;
    }
    case 'list': {
      if (!Array.isArray(value)) return undefined;
      const elements: ParamValue[] = new Array(value.length);
      for (let i = 0; i < value.length; i++) {
        const element = quickConvert(value[i], type.element);
        if (element === undefined) return undefined;
        elements[i] = element;
      }
      return elements;
    }
    case 'record': {
      if (!isRecord(value)) return undefined;
      let given = 0;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        if (!type.fields.has(key)) return undefined;
        given++;
      }
      if (given !== type.fields.size) return undefined;
      const fields = new Map<string, ParamValue>();
      for (const [name, fieldType] of type.fields) {
        const field = quickConvert(value[name], fieldType);
        if (field === undefined) return undefined;
        fields.set(name, field);
      }
      return fields;
    }
  }
}

function convert(value: unknown, type: ParamType, path: Path, span: Span, report: Report): ParamValue | undefined {
  switch (type.kind) {
    case 'scalar': {
      const integer = integerOf(value);
      if (integer === undefined) {
        const expected = `an integer of type ${type.name} (a number, or a string like "0xffffffffffff" above 2^53)`;
        return void report(diagnostics.paramType(path(), expected, span));
      }
      if (integer < 0n || integer > SCALAR_LIMITS[type.name]) {
        return void report(diagnostics.paramRange(path(), type.name, String(integer), span));
      }
      return integer;
    }
    case 'list': {
      if (!Array.isArray(value)) return void report(diagnostics.paramType(path(), 'a list', span));
      const elements = value.map((element, index) => convert(element, type.element, () => `${path()}[${index}]`, span, report));
      return elements.every((element) => element !== undefined) ? (elements as ParamValue[]) : undefined;
    }
    case 'record': {
      if (!isRecord(value)) return void report(diagnostics.paramType(path(), 'a record', span));
      let ok = true;
      const fields = new Map<string, ParamValue>();
      for (const key of Object.keys(value)) {
        if (!type.fields.has(key)) {
          report(diagnostics.paramField(path(), key, span));
          ok = false;
        }
      }
      for (const [name, fieldType] of type.fields) {
        if (!Object.hasOwn(value, name)) {
          report(diagnostics.paramType(`${path()}.${name}`, 'given', span));
          ok = false;
          continue;
        }
        const field = convert(value[name], fieldType, () => `${path()}.${name}`, span, report);
        if (field === undefined) ok = false;
        else fields.set(name, field);
      }
      return ok ? fields : undefined;
    }
  }
}

/** bindParams returns the environment's param slots, reporting missing, unknown and mistyped bindings. */
export function bindParams(
  policy: CheckedPolicy,
  bindings: Readonly<Record<string, unknown>>,
  report: Report,
): (ParamValue | undefined)[] {
  const slots: (ParamValue | undefined)[] = new Array(policy.slotCount);
  const declared = new Set(policy.params.map((param) => param.name));
  for (const name of Object.keys(bindings)) {
    if (!declared.has(name)) report(diagnostics.unknownParam(name));
  }
  policy.params.forEach((param, slot) => {
    if (Object.hasOwn(bindings, param.name) && bindings[param.name] !== undefined) {
      slots[slot] = convertParam(bindings[param.name], param.type, param.name, param.span, report);
    } else if (param.defaultValue !== undefined) {
      slots[slot] = param.defaultValue;
    } else {
      report(diagnostics.missingParam(param.name, param.span));
    }
  });
  return slots;
}
