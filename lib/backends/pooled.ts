// Small typed arrays carved from Node's shared Buffer pool instead of allocated one by one.
//
// Why: a small `new Float32Array(n)` lives on the V8 heap, and the first time native code asks
// for its address (napi_get_typedarray_info) V8 must move it to a fresh off-heap backing store:
// an allocation, a copy and a global handle per request. Buffer.allocUnsafe serves sizes below
// 4 KiB from an 8 KiB pool whose slices start 8-byte aligned (Node aligns the pool offset), so
// any element type can view them; the memory stays alive while any view of the pool does.
// The contents are NOT zeroed: callers must overwrite every element (native outputs do).
const kPooledMax = 1024;

type Ctor<T> = { new (buffer: ArrayBuffer, byteOffset: number, length: number): T; new (length: number): T; BYTES_PER_ELEMENT: number };

export function pooledArray<T>(ctor: Ctor<T>, length: number): T {
  const bytes = length * ctor.BYTES_PER_ELEMENT;
  if (bytes === 0 || bytes > kPooledMax) return new ctor(length);
  const b = Buffer.allocUnsafe(bytes);
  return new ctor(b.buffer as ArrayBuffer, b.byteOffset, length);
}

/**
 * `size` uninitialized bytes starting `pad` bytes past an 8-byte boundary (so that a binary
 * section at body offset H lands aligned when pad = (8 - H % 8) % 8); pooled when small.
 */
export function pooledBody(size: number, pad: number): Buffer {
  if (size + 8 > kPooledBodyMax) return Buffer.from(new ArrayBuffer(size + pad), pad, size);
  const b = Buffer.allocUnsafe(size + 8);
  const start = (((pad - b.byteOffset) % 8) + 8) % 8;
  return b.subarray(start, start + size);
}

/** Below Buffer.poolSize / 2, which is where Buffer.allocUnsafe stops using its pool. */
const kPooledBodyMax = Buffer.poolSize >>> 1;
