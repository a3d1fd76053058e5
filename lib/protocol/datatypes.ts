// KServe v2 datatypes: element sizes, typed-array constructors, and the conversions the codecs
// share (JSON values <-> typed arrays, FP16 bit patterns <-> numbers). Host byte order is assumed
// little-endian (x86-64, arm64), which is the wire order of the binary extension and of gRPC raw
// contents, so typed arrays can view wire bytes directly.
import type { DataType, TensorData } from '../backends/types.js';
import { invalidArgument } from './errors.js';

type NumericCtor =
  | Uint8ArrayConstructor | Uint16ArrayConstructor | Uint32ArrayConstructor | BigUint64ArrayConstructor
  | Int8ArrayConstructor | Int16ArrayConstructor | Int32ArrayConstructor | BigInt64ArrayConstructor
  | Float32ArrayConstructor | Float64ArrayConstructor;

export type NumericData = Exclude<TensorData, Buffer[]>;

interface DataTypeInfo {
  /** Bytes per element; 0 for BYTES (variable). */
  size: number;
  ctor: NumericCtor | null;
}

const info: Record<DataType, DataTypeInfo> = {
  BOOL: { size: 1, ctor: Uint8Array },
  UINT8: { size: 1, ctor: Uint8Array },
  UINT16: { size: 2, ctor: Uint16Array },
  UINT32: { size: 4, ctor: Uint32Array },
  UINT64: { size: 8, ctor: BigUint64Array },
  INT8: { size: 1, ctor: Int8Array },
  INT16: { size: 2, ctor: Int16Array },
  INT32: { size: 4, ctor: Int32Array },
  INT64: { size: 8, ctor: BigInt64Array },
  FP16: { size: 2, ctor: Uint16Array },
  FP32: { size: 4, ctor: Float32Array },
  FP64: { size: 8, ctor: Float64Array },
  BYTES: { size: 0, ctor: null },
};

export const DATATYPES = Object.keys(info) as DataType[];

export function isDataType(s: unknown): s is DataType {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(info, s);
}

export function parseDataType(s: unknown, what: string): DataType {
  if (isDataType(s)) return s;
  throw invalidArgument(`${what} has unknown datatype ${JSON.stringify(s)}; expected one of ${DATATYPES.join(', ')}`);
}

/** Bytes per element, 0 for BYTES. */
export function elementSize(dt: DataType): number {
  return info[dt].size;
}

/** Element count of a shape; validates that every dimension is a non-negative integer. */
export function elementCount(shape: number[], what: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw invalidArgument(`${what} has invalid shape [${shape.join(',')}]: dimensions must be non-negative integers`);
    n *= d;
  }
  if (n > 0x7fffffff) throw invalidArgument(`${what} has shape [${shape.join(',')}] with ${n} elements, more than the 2^31-1 supported`);
  return n;
}

export function allocate(dt: DataType, n: number): NumericData {
  const ctor = info[dt].ctor;
  if (!ctor) throw new TypeError('allocate() does not handle BYTES');
  return new ctor(n);
}

/**
 * A typed array over `bytes` without copying when the start is aligned to the element size;
 * otherwise one copy into a fresh (aligned) array. `bytes.byteLength` must be a multiple of the
 * element size (the caller has checked the byte count).
 */
export function viewOrCopy(dt: DataType, bytes: Uint8Array): NumericData {
  return viewOrCopyAt(dt, bytes, 0, bytes.byteLength);
}

/** viewOrCopy of bytes[start, start + length) (no intermediate subarray). */
export function viewOrCopyAt(dt: DataType, bytes: Uint8Array, start: number, length: number): NumericData {
  const { size, ctor } = info[dt];
  if (!ctor) throw new TypeError('viewOrCopy() does not handle BYTES');
  const n = length / size;
  const offset = bytes.byteOffset + start;
  if (offset % size === 0) return new ctor(bytes.buffer as ArrayBuffer, offset, n);
  const out = new ctor(n);
  new Uint8Array(out.buffer).set(bytes.subarray(start, start + length));
  return out;
}

/** The bytes of a numeric typed array (a view, no copy). */
export function bytesOf(data: NumericData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * BYTES elements from the binary form: each element is a 4-byte little-endian length followed by
 * that many bytes. Elements are views into `bytes` (no copies).
 */
export function decodeBytesElements(bytes: Uint8Array, count: number, what: string): Buffer[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Buffer[] = new Array(count);
  let off = 0;
  for (let i = 0; i < count; i++) {
    if (off + 4 > buf.length) throw invalidArgument(`${what}: BYTES data ends after ${i} of ${count} elements (each element needs a 4-byte length prefix)`);
    const len = buf.readUInt32LE(off);
    off += 4;
    if (off + len > buf.length) throw invalidArgument(`${what}: BYTES element ${i} declares ${len} bytes but only ${buf.length - off} remain`);
    out[i] = buf.subarray(off, off + len);
    off += len;
  }
  if (off !== buf.length) throw invalidArgument(`${what}: BYTES data has ${buf.length - off} bytes after its ${count} elements`);
  return out;
}

/** Serialized size of BYTES elements in the binary form. */
export function bytesElementsSize(elems: Buffer[]): number {
  let n = 0;
  for (const e of elems) n += 4 + e.length;
  return n;
}

/** Writes BYTES elements (length-prefixed) into `out` at `off`; returns the new offset. */
export function writeBytesElements(elems: Buffer[], out: Buffer, off: number): number {
  for (const e of elems) {
    out.writeUInt32LE(e.length, off);
    off += 4;
    out.set(e, off);
    off += e.length;
  }
  return off;
}

/** Bytes the tensor occupies in binary form. */
export function binaryByteSize(dt: DataType, data: TensorData): number {
  if (dt === 'BYTES') return bytesElementsSize(data as Buffer[]);
  return (data as NumericData).byteLength;
}

// ---- FP16 (IEEE 754 binary16) bit patterns ----

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Nearest binary16 (round half to even) of a number, as its bit pattern. */
export function toHalfBits(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow -> Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow -> 0
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rem > mid || (rem === mid && (half & 1)) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // Rounding may carry into the exponent, which is the correct result (up to Inf).
  return sign | (half + (rem > 0x1000 || (rem === 0x1000 && (half & 1)) ? 1 : 0));
}

/** The number a binary16 bit pattern encodes. */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
