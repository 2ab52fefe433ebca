import { UserError } from '../errors.js';

/** A parameter that fails its spec; `param` names it so a config error can point at it. */
export class ParamError extends UserError {
  constructor(
    readonly param: string,
    message: string,
    /** Further problems found in the same parameters. */
    readonly others: readonly ParamError[] = [],
  ) {
    super(message);
    this.name = 'ParamError';
  }
}
import { didYouMean } from '../common/suggest.js';
import type { ParamSpec, ParamValue, RawParams } from './strategy.js';

/**
 * Checks raw parameters against a definition's specs (type, bounds, choices), fills defaults and
 * rejects unknown names. Errors name the owner and the parameter.
 */
export function resolveParams(owner: string, specs: readonly ParamSpec[], raw: RawParams, ignore: readonly string[] = []): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  const errors: ParamError[] = [];
  const known = new Set(specs.map((s) => s.name));
  for (const name of Object.keys(raw)) {
    if (!known.has(name) && !ignore.includes(name)) {
      errors.push(
        new ParamError(name, `${owner}: unknown parameter '${name}'${didYouMean(name, known)}; parameters are: ${[...known].join(', ') || '(none)'}`),
      );
    }
  }
  for (const spec of specs) {
    try {
      out[spec.name] = checkParam(owner, spec, raw[spec.name] ?? spec.default);
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      errors.push(e);
    }
  }
  if (errors.length > 0) throw new ParamError(errors[0].param, errors[0].message, errors.slice(1));
  return out;
}

function checkParam(owner: string, spec: ParamSpec, value: ParamValue): ParamValue {
  const where = `${owner}.${spec.name}`;
  switch (spec.type) {
    case 'bool':
      if (typeof value !== 'boolean') throw new ParamError(spec.name, `${where}: expected true or false, got ${JSON.stringify(value)}`);
      return value;
    case 'enum':
      if (typeof value !== 'string' || !spec.choices?.includes(value)) {
        throw new ParamError(spec.name, `${where}: expected one of ${spec.choices?.join(', ')}, got ${JSON.stringify(value)}`);
      }
      return value;
    case 'int':
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new ParamError(spec.name, `${where}: expected a number, got ${JSON.stringify(value)}`);
      if (spec.type === 'int' && !Number.isInteger(value)) throw new ParamError(spec.name, `${where}: expected an integer, got ${value}`);
      if (spec.min !== undefined && value < spec.min) throw new ParamError(spec.name, `${where}: must be ≥ ${spec.min}, got ${value}`);
      if (spec.max !== undefined && value > spec.max) throw new ParamError(spec.name, `${where}: must be ≤ ${spec.max}, got ${value}`);
      return value;
    }
  }
}
