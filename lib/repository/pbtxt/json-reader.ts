// Reads a message from protobuf's JSON mapping (as Triton's `config` load parameter carries it)
// into the same canonical JSON form the text parser produces: field names may be snake_case or
// lowerCamelCase, enums names or numbers, 64-bit integers numbers or decimal strings, floats
// numbers or "NaN"/"Infinity"/"-Infinity". Anything else is an INVALID_ARGUMENT naming the path.
import { LarchError } from '../../protocol/errors.js';
import {
  type FieldSchema, type FieldType, type JsonObject, type MessageSchema,
  integerJson, integerRange, isIntegerType, setOwn, suggestion,
} from './schema.js';

const camel = (snake: string) => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function fail(origin: string, path: string, message: string): LarchError {
  return new LarchError('INVALID_ARGUMENT', `${origin}: ${path ? `${path}: ` : ''}${message}`);
}

const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

/** Converts `value` (parsed JSON) to the canonical JSON form of `schema`. */
export function readJsonMessage(schema: MessageSchema, value: unknown, origin: string, path = ''): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail(origin, path, `expected an object for ${schema.name}, got ${typeName(value)}`);
  }
  const byJsonName = new Map<string, string>();
  for (const name of Object.keys(schema.fields)) {
    byJsonName.set(name, name);
    byJsonName.set(camel(name), name);
  }
  const out: JsonObject = {};
  const oneofSet = new Map<string, string>();
  for (const [key, v] of Object.entries(value as JsonObject)) {
    const name = byJsonName.get(key);
    const where = path ? `${path}.${key}` : key;
    if (name === undefined) {
      throw fail(origin, where, `unknown field "${key}" in ${schema.name}${suggestion(key, Object.keys(schema.fields))}`);
    }
    if (out[name] !== undefined) throw fail(origin, where, `field "${name}" is given twice (as snake_case and camelCase)`);
    if (v === null) continue;   // JSON null means "not set" in protobuf's mapping
    const field = schema.fields[name]!;
    if (field.oneof) {
      const other = oneofSet.get(field.oneof);
      if (other !== undefined) throw fail(origin, where, `"${name}" cannot be set together with "${other}" (oneof "${field.oneof}")`);
      oneofSet.set(field.oneof, name);
    }
    out[name] = readField(field, v, origin, where);
  }
  return out;
}

function readField(field: FieldSchema, v: unknown, origin: string, path: string): unknown {
  if (field.repeated) {
    if (!Array.isArray(v)) throw fail(origin, path, `expected an array, got ${typeName(v)}`);
    return v.map((item, i) => readValue(field, item, origin, `${path}[${i}]`));
  }
  if (field.type === 'map') {
    if (typeof v !== 'object' || Array.isArray(v)) throw fail(origin, path, `expected an object (a map), got ${typeName(v)}`);
    const m: JsonObject = {};
    for (const [k, item] of Object.entries(v as JsonObject)) {
      if (isIntegerType(field.key) && !/^-?\d+$/.test(k)) throw fail(origin, path, `map key "${k}" is not an integer`);
      if (field.key === 'bool' && k !== 'true' && k !== 'false') throw fail(origin, path, `map key "${k}" is not true or false`);
      setOwn(m, k, readValue(field.value, item, origin, `${path}["${k}"]`));
    }
    return m;
  }
  return readValue(field, v, origin, path);
}

function readValue(field: FieldType & { jsonString?: boolean }, v: unknown, origin: string, path: string): unknown {
  switch (field.type) {
    case 'message': return readJsonMessage(field.message(), v, origin, path);
    case 'map': return readField(field, v, origin, path);
    case 'string':
      if (typeof v !== 'string') throw fail(origin, path, `expected a string, got ${typeName(v)}`);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw fail(origin, path, `expected true or false, got ${typeName(v)}`);
      return v;
    case 'enum': {
      if (typeof v === 'string' && field.enum.values.includes(v)) return v;
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < field.enum.values.length) return field.enum.values[v];
      throw fail(origin, path, `${JSON.stringify(v)} is not a value of enum ${field.enum.name}${typeof v === 'string' ? suggestion(v, field.enum.values) : ''}`);
    }
    case 'float': case 'double':
      if (typeof v === 'number') return v;
      if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return v;
      if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
      throw fail(origin, path, `expected a number, got ${JSON.stringify(v) ?? typeName(v)}`);
    default: {
      let n: bigint;
      if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
      else if (typeof v === 'string' && /^-?(0|[1-9]\d*)$/.test(v)) n = BigInt(v);
      else throw fail(origin, path, `expected an integer, got ${JSON.stringify(v) ?? typeName(v)}`);
      const [lo, hi] = integerRange[field.type]!;
      if (n < lo || n > hi) throw fail(origin, path, `${n} is out of range for ${field.type}`);
      return integerJson(n, field.jsonString);
    }
  }
}
