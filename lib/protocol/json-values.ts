// JSON tensor data <-> typed arrays. Request data may be flat or nested (row-major); it is walked
// once and written straight into the destination typed array, with no flattened copy in between.
import type { DataType, TensorData } from '../backends/types.js';
import { allocate, fromHalfBits, toHalfBits, type NumericData } from './datatypes.js';
import { invalidArgument } from './errors.js';

type Store = (out: NumericData | Buffer[], i: number, v: unknown) => boolean;

// Bare NaN / Infinity / -Infinity are not JSON, but Python's json module (tritonclient) writes
// them and Triton accepts them. parseJsonText turns such tokens into these strings, which float
// elements accept.
const NON_FINITE: Record<string, number> = { '\u0000larch:NaN': NaN, '\u0000larch:Inf': Infinity, '\u0000larch:-Inf': -Infinity };
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' ? NON_FINITE[v] : undefined);

/** JSON.parse, also accepting the bare tokens NaN, Infinity and -Infinity outside strings. */
export function parseJsonText(text: string): unknown {
  // Test first rather than catch JSON.parse's SyntaxError: tritonclient sends NaN for every
  // missing value, and a thrown exception costs more than the whole parse of a small request.
  if (!kMaybeNonFinite.test(text)) return JSON.parse(text);
  return JSON.parse(rewriteNonFinite(text));
}

const kMaybeNonFinite = /NaN|Infinity/;
// A whole string literal (kept as is), or a bare non-finite token (replaced by its marker string).
const kStringOrNonFinite = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;
const kMarker: Record<string, string> = {
  'NaN': JSON.stringify('\u0000larch:NaN'), 'Infinity': JSON.stringify('\u0000larch:Inf'), '-Infinity': JSON.stringify('\u0000larch:-Inf'),
};

function rewriteNonFinite(text: string): string {
  return text.replace(kStringOrNonFinite, (m) => (m.charCodeAt(0) === 0x22 ? m : kMarker[m]!));
}

const intRange: Partial<Record<DataType, [number, number]>> = {
  UINT8: [0, 0xff], UINT16: [0, 0xffff], UINT32: [0, 0xffffffff],
  INT8: [-0x80, 0x7f], INT16: [-0x8000, 0x7fff], INT32: [-0x80000000, 0x7fffffff],
};

function storeFor(dt: DataType): Store {
  switch (dt) {
    case 'FP32': case 'FP64':
      return (out, i, v) => { const n = num(v); if (n === undefined) return false; (out as Float32Array)[i] = n; return true; };
    case 'FP16':
      return (out, i, v) => { const n = num(v); if (n === undefined) return false; (out as Uint16Array)[i] = toHalfBits(n); return true; };
    case 'BOOL':
      return (out, i, v) => { if (typeof v !== 'boolean') return false; (out as Uint8Array)[i] = v ? 1 : 0; return true; };
    case 'INT64': case 'UINT64': {
      const lo = dt === 'INT64' ? -(2 ** 63) : 0;
      const hi = dt === 'INT64' ? 2 ** 63 : 2 ** 64;
      return (out, i, v) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v >= hi) return false;
        (out as BigInt64Array)[i] = BigInt(v);
        return true;
      };
    }
    case 'BYTES':
      return (out, i, v) => { if (typeof v !== 'string' || v in NON_FINITE) return false; (out as Buffer[])[i] = Buffer.from(v, 'utf8'); return true; };
    default: {
      const [lo, hi] = intRange[dt]!;
      return (out, i, v) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) return false;
        (out as Int32Array)[i] = v;
        return true;
      };
    }
  }
}

function describe(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

const expectedKind: Record<string, string> = {
  FP16: 'a number', FP32: 'a number', FP64: 'a number', BOOL: 'true or false', BYTES: 'a string',
};

/**
 * Decodes JSON `data` (flat or nested arrays) of a tensor with `count` elements.
 * `what` names the tensor in error messages.
 */
export function fromJsonData(dt: DataType, data: unknown, count: number, what: string): TensorData {
  if (!Array.isArray(data)) {
    throw invalidArgument(`${what}: "data" must be an array (flat or nested, row-major), got ${describe(data)}`);
  }
  const out: NumericData | Buffer[] = dt === 'BYTES' ? new Array<Buffer>(count) : allocate(dt, count);
  const store = storeFor(dt);
  let n = 0;
  // Explicit stack of (array, next index) so deep nesting cannot overflow the JS stack.
  const arrays: unknown[][] = [data];
  const indices: number[] = [0];
  while (arrays.length) {
    const top = arrays.length - 1;
    const arr = arrays[top]!;
    const idx = indices[top]!;
    if (idx === arr.length) { arrays.pop(); indices.pop(); continue; }
    indices[top] = idx + 1;
    const v = arr[idx];
    if (Array.isArray(v)) { arrays.push(v); indices.push(0); continue; }
    if (n >= count) throw invalidArgument(`${what}: "data" has more than the ${count} elements its shape requires`);
    if (!store(out, n, v)) {
      const kind = expectedKind[dt] ?? `an integer in the range of ${dt}`;
      throw invalidArgument(`${what}: element ${n} is ${describe(v)}, expected ${kind} for datatype ${dt}`);
    }
    n++;
  }
  if (n !== count) throw invalidArgument(`${what}: "data" has ${n} elements but its shape requires ${count}`);
  return out;
}

/**
 * The JSON text of a tensor's data as a flat array. Built as one string (no intermediate array of
 * numbers). Non-finite floats are written as the bare tokens NaN, Infinity, -Infinity, as Python's
 * json module (tritonclient) reads and writes them.
 */
/**
 * A float as Triton writes it (rapidjson's double writer): the shortest text that reads back the
 * same double, with whole numbers written as floats ("1.0", "-0.0"), so clients that parse JSON
 * (Python's json) get floats, not ints, for FP32/FP64 outputs. NaN and the infinities are the
 * bare tokens NaN, Infinity, -Infinity (String() gives those).
 */
function floatText(v: number): string {
  if (Number.isInteger(v) && v < 1e21 && v > -1e21) return v === 0 && 1 / v < 0 ? '-0.0' : `${v}.0`;
  return String(v);
}

export function toJsonDataText(dt: DataType, data: TensorData): string {
  const n = data.length;
  if (n === 0) return '[]';
  let s = '[';
  switch (dt) {
    case 'BYTES': {
      const elems = data as Buffer[];
      for (let i = 0; i < n; i++) s += (i ? ',' : '') + JSON.stringify(elems[i]!.toString('utf8'));
      break;
    }
    case 'BOOL': {
      const a = data as Uint8Array;
      for (let i = 0; i < n; i++) s += (i ? ',' : '') + (a[i] ? 'true' : 'false');
      break;
    }
    case 'FP16': {
      const a = data as Uint16Array;
      for (let i = 0; i < n; i++) s += (i ? ',' : '') + fromHalfBits(a[i]!);
      break;
    }
    case 'FP32': case 'FP64': {
      const a = data as Float32Array;
      for (let i = 0; i < n; i++) s += (i ? ',' : '') + floatText(a[i]!);
      break;
    }
    default: {
      // Integers, including BigInt64/BigUint64 (their decimal text is exact).
      const a = data as ArrayLike<number | bigint>;
      for (let i = 0; i < n; i++) s += (i ? ',' : '') + String(a[i]);
    }
  }
  return s + ']';
}
