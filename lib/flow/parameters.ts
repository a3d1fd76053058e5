// Flow parameters: `static params = { trees: Parameter.int(100, 'trees per forest') }`.
// Values come from `--param trees=50` (or runFlow's `params`), are parsed by kind, and become
// read-only artifacts of every task (`this.trees`).
import { FlowDefinitionError } from './errors.js';

export type ParameterKind = 'int' | 'float' | 'string' | 'bool' | 'json';

const kParameter = Symbol.for('larch.flow.parameter');

export class Parameter<T = unknown> {
  readonly [kParameter] = true;
  readonly kind: ParameterKind;
  /** undefined: the parameter is required. */
  readonly defaultValue: T | undefined;
  readonly help: string;

  private constructor(kind: ParameterKind, defaultValue: T | undefined, help: string) {
    this.kind = kind;
    this.defaultValue = defaultValue;
    this.help = help;
  }

  static int(defaultValue?: number, help = ''): Parameter<number> {
    if (defaultValue !== undefined && !Number.isSafeInteger(defaultValue)) {
      throw new FlowDefinitionError(`Parameter.int default ${defaultValue} is not an integer`);
    }
    return new Parameter('int', defaultValue, help);
  }
  static float(defaultValue?: number, help = ''): Parameter<number> {
    return new Parameter('float', defaultValue, help);
  }
  static string(defaultValue?: string, help = ''): Parameter<string> {
    return new Parameter('string', defaultValue, help);
  }
  static bool(defaultValue?: boolean, help = ''): Parameter<boolean> {
    return new Parameter('bool', defaultValue, help);
  }
  static json<J = unknown>(defaultValue?: J, help = ''): Parameter<J> {
    return new Parameter('json', defaultValue, help);
  }

  static is(v: unknown): v is Parameter {
    return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[kParameter] === true;
  }

  /** Parses a command-line value; throws naming the parameter and the expected form. */
  parse(name: string, raw: string): T {
    const bad = (expected: string) => new FlowDefinitionError(`--param ${name}=${raw}: expected ${expected}`);
    switch (this.kind) {
      case 'int': {
        if (!/^[-+]?\d+$/.test(raw.trim()) || !Number.isSafeInteger(Number(raw))) throw bad('an integer');
        return Number(raw) as T;
      }
      case 'float': {
        const v = Number(raw);
        if (raw.trim() === '' || Number.isNaN(v)) throw bad('a number');
        return v as T;
      }
      case 'string': return raw as T;
      case 'bool': {
        const v = raw.trim().toLowerCase();
        if (['true', '1', 'yes'].includes(v)) return true as T;
        if (['false', '0', 'no'].includes(v)) return false as T;
        throw bad('true or false');
      }
      case 'json':
        try { return JSON.parse(raw) as T; } catch (err) { throw bad(`JSON (${(err as Error).message})`); }
    }
  }

  /** Checks a value given programmatically (runFlow's params). */
  check(name: string, v: unknown): T {
    const ok = this.kind === 'int' ? Number.isSafeInteger(v)
      : this.kind === 'float' ? typeof v === 'number'
      : this.kind === 'string' ? typeof v === 'string'
      : this.kind === 'bool' ? typeof v === 'boolean'
      : true;
    if (!ok) throw new FlowDefinitionError(`parameter ${name}: expected ${this.kind}, got ${typeof v} ${String(v)}`);
    return v as T;
  }
}

export type ParameterSpecs = Record<string, Parameter>;

/** Builds the final parameter values: defaults, then overrides; unknown or missing ones are errors. */
export function resolveParameters(specs: ParameterSpecs, raw: Record<string, string>, typed: Record<string, unknown> = {}): Record<string, unknown> {
  const known = Object.keys(specs);
  for (const name of [...Object.keys(raw), ...Object.keys(typed)]) {
    if (!(name in specs)) {
      throw new FlowDefinitionError(`unknown parameter "${name}"; this flow has ${known.length ? known.map((k) => `"${k}"`).join(', ') : 'no parameters'}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    if (name in typed) out[name] = spec.check(name, typed[name]);
    else if (name in raw) out[name] = spec.parse(name, raw[name]!);
    else if (spec.defaultValue !== undefined) out[name] = spec.defaultValue;
    else throw new FlowDefinitionError(`parameter "${name}" is required: pass --param ${name}=<${spec.kind}>${spec.help ? ` (${spec.help})` : ''}`);
  }
  return out;
}
