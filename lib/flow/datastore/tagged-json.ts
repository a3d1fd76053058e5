// JSON that keeps what JSON.stringify loses. Values JSON represents exactly are written as-is;
// everything else becomes an object tagged with "$larch" (readable by any JSON parser):
//
//   undefined            {"$larch":"undefined"}
//   NaN, ±Infinity, -0   {"$larch":"number","v":"NaN" | "Infinity" | "-Infinity" | "-0"}
//   bigint               {"$larch":"bigint","v":"123"}
//   Date                 {"$larch":"Date","v":<ms since epoch, or null for an invalid date>}
//   Map                  {"$larch":"Map","v":[[key, value], ...]}
//   Set                  {"$larch":"Set","v":[value, ...]}
//   typed array, Buffer  {"$larch":"Float32Array" (etc.),"b64":"<little-endian bytes, base64>"}
//   Error                {"$larch":"Error","name":..,"message":..,"stack":..}
//   object with a "$larch" key   {"$larch":"Object","v":{...}}   (escaping)
//
// Class instances are stored as plain objects of their own enumerable properties (the prototype
// is not kept). Functions, symbols and cycles are refused with the path of the offending value.
import { FlowStepError } from '../errors.js';

const kTypedArrays = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
} as const;
type TypedArrayName = keyof typeof kTypedArrays;

export class SerializationError extends FlowStepError {}

export function toTaggedJson(value: unknown, what: string): string {
  return JSON.stringify(encode(value, what, new Set()));
}

export function fromTaggedJson(text: string): unknown {
  return decode(JSON.parse(text));
}

function encode(v: unknown, at: string, seen: Set<object>): unknown {
  switch (typeof v) {
    case 'undefined': return { $larch: 'undefined' };
    case 'string': case 'boolean': return v;
    case 'number':
      if (Number.isFinite(v) && !Object.is(v, -0)) return v;
      return { $larch: 'number', v: Object.is(v, -0) ? '-0' : String(v) };
    case 'bigint': return { $larch: 'bigint', v: v.toString() };
    case 'function': case 'symbol':
      throw new SerializationError('', `cannot store ${at}: a ${typeof v} is not data`);
  }
  if (v === null) return null;
  const o = v as object;
  if (seen.has(o)) throw new SerializationError('', `cannot store ${at}: it contains a cycle`);
  seen.add(o);
  try {
    if (o instanceof Date) return { $larch: 'Date', v: Number.isNaN(o.getTime()) ? null : o.getTime() };
    if (ArrayBuffer.isView(o) && !(o instanceof DataView)) {
      const name = Buffer.isBuffer(o) ? 'Uint8Array' : (o.constructor.name as TypedArrayName);
      if (!(name in kTypedArrays)) throw new SerializationError('', `cannot store ${at}: unsupported view ${o.constructor.name}`);
      return { $larch: name, b64: Buffer.from(o.buffer, o.byteOffset, o.byteLength).toString('base64') };
    }
    if (Array.isArray(o)) {
      const out = new Array<unknown>(o.length);
      for (let i = 0; i < o.length; i++) out[i] = encode(o[i], `${at}[${i}]`, seen);
      return out;
    }
    if (o instanceof Map) return { $larch: 'Map', v: [...o].map(([k, x], i) => [encode(k, `${at}.<key ${i}>`, seen), encode(x, `${at}.get(…)`, seen)]) };
    if (o instanceof Set) return { $larch: 'Set', v: [...o].map((x, i) => encode(x, `${at}.<item ${i}>`, seen)) };
    if (o instanceof Error) return { $larch: 'Error', name: o.name, message: o.message, stack: o.stack ?? null };
    if (o instanceof ArrayBuffer) return { $larch: 'ArrayBuffer', b64: Buffer.from(o).toString('base64') };
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = encode(x, `${at}.${k}`, seen);
    return Object.hasOwn(o, '$larch') ? { $larch: 'Object', v: out } : out;
  } finally {
    seen.delete(o);
  }
}

function decode(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(decode);
  const o = v as Record<string, unknown>;
  const tag = o.$larch;
  if (typeof tag !== 'string') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = decode(x);
    return out;
  }
  switch (tag) {
    case 'undefined': return undefined;
    case 'number': return o.v === '-0' ? -0 : Number(o.v);
    case 'bigint': return BigInt(o.v as string);
    case 'Date': return new Date(o.v === null ? NaN : (o.v as number));
    case 'Map': return new Map((o.v as [unknown, unknown][]).map(([k, x]) => [decode(k), decode(x)]));
    case 'Set': return new Set((o.v as unknown[]).map(decode));
    case 'Error': {
      const e = new Error(o.message as string);
      e.name = o.name as string;
      if (o.stack !== null) e.stack = o.stack as string;
      return e;
    }
    case 'ArrayBuffer': {
      const b = Buffer.from(o.b64 as string, 'base64');
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    }
    case 'Object': {
      // The escaped object itself has a "$larch" key: decode its members, not the object as a tag.
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(o.v as Record<string, unknown>)) out[k] = decode(x);
      return out;
    }
  }
  if (tag in kTypedArrays) {
    const b = Buffer.from(o.b64 as string, 'base64');
    const Ctor = kTypedArrays[tag as TypedArrayName];
    // Copy into a fresh, aligned buffer: base64 decoding may land at any offset of Node's pool.
    const bytes = new Uint8Array(b.byteLength);
    bytes.set(b);
    return new Ctor(bytes.buffer, 0, b.byteLength / Ctor.BYTES_PER_ELEMENT);
  }
  throw new SyntaxError(`unknown $larch tag "${tag}" (written by a newer larch?)`);
}
