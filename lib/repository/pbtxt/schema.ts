// Message descriptors that drive the text-format parser and the JSON reader: which fields a
// message has, their types, cardinality and oneof groups. Values are kept in protobuf's JSON
// mapping (snake_case names, enum names, maps as objects keyed by the map key's string form).

export type ScalarType = 'string' | 'bool' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'float' | 'double';

export interface EnumSchema {
  readonly name: string;
  /** Value names indexed by their number (the enums here are dense from 0). */
  readonly values: readonly string[];
}

export type FieldType =
  | { readonly type: ScalarType }
  | { readonly type: 'enum'; readonly enum: EnumSchema }
  | { readonly type: 'message'; readonly message: () => MessageSchema }
  | { readonly type: 'map'; readonly key: ScalarType; readonly value: FieldType };

export type FieldSchema = FieldType & {
  readonly repeated?: boolean;
  /** Name of the oneof group the field belongs to: at most one member may be set. */
  readonly oneof?: string;
  /** int64 fields Triton leaves as JSON strings (protobuf's default) instead of numbers. */
  readonly jsonString?: boolean;
};

export interface MessageSchema {
  readonly name: string;
  readonly fields: Readonly<Record<string, FieldSchema>>;
}

export type JsonObject = Record<string, unknown>;

export const isIntegerType = (t: string) => t === 'int32' || t === 'int64' || t === 'uint32' || t === 'uint64';
export const isFloatType = (t: string) => t === 'float' || t === 'double';

/** Inclusive range of each integer type, as BigInt. */
export const integerRange: Record<string, readonly [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

/** Sets an own property even for keys like "__proto__" (map keys come from user input). */
export function setOwn(obj: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The JSON form of an integer: a number, or a decimal string where the field is one Triton
 * prints as a string, or where the value is beyond ±(2^53-1) and a number would round it
 * (protobuf's own JSON form for 64-bit values; e.g. priority_levels 18446744073709551615).
 */
export function integerJson(n: bigint, asString = false): number | string {
  if (asString || n < BigInt(Number.MIN_SAFE_INTEGER) || n > BigInt(Number.MAX_SAFE_INTEGER)) return n.toString();
  return Number(n);
}

/** The JSON form of a scalar's default value. */
export function defaultScalar(field: FieldSchema): unknown {
  switch (field.type) {
    case 'string': return '';
    case 'bool': return false;
    case 'enum': return field.enum.values[0];
    case 'int64': case 'uint64': return field.jsonString ? '0' : 0;
    default: return 0;
  }
}

function fillValue(field: FieldType, value: unknown): unknown {
  if (field.type === 'message') return withDefaults(field.message(), value as JsonObject);
  return value;
}

/**
 * Returns a copy of `obj` in which every primitive field of every present message is set, every
 * repeated field is an array and every map an object (protobuf's always_print_primitive_fields,
 * which Triton uses when it prints a config). Unset message fields and oneof members stay absent.
 */
export function withDefaults(schema: MessageSchema, obj: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [name, field] of Object.entries(schema.fields)) {
    const value = obj[name];
    if (value === undefined) {
      if (field.repeated) out[name] = [];
      else if (field.type === 'map') out[name] = {};
      else if (field.type !== 'message' && !field.oneof) out[name] = defaultScalar(field);
      continue;
    }
    if (field.repeated) {
      out[name] = (value as unknown[]).map((v) => fillValue(field, v));
    } else if (field.type === 'map') {
      const m: JsonObject = {};
      for (const [k, v] of Object.entries(value as JsonObject)) setOwn(m, k, fillValue(field.value, v));
      out[name] = m;
    } else {
      out[name] = fillValue(field, value);
    }
  }
  return out;
}

/** The message type of a message-typed field (throws on a schema mistake, not on input). */
export function subMessage(schema: MessageSchema, field: string): MessageSchema {
  const f = schema.fields[field];
  if (!f || f.type !== 'message') throw new Error(`schema: ${schema.name}.${field} is not a message field`);
  return f.message();
}

/** Levenshtein distance, for "did you mean" suggestions on unknown names. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** ` (did you mean "x"?)` when a known name is close to `name`, else ''. */
export function suggestion(name: string, known: Iterable<string>): string {
  let best = '';
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (d < bestD) { bestD = d; best = k; }
  }
  return best && bestD <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean "${best}"?)` : '';
}
