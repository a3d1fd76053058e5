// Small request-scoped arrays carved from a slab instead of allocated one by one.
//
// Why not `new Float32Array(n)`: a small typed array lives on the V8 heap, and the first time
// native code asks for its address (napi_get_typedarray_info) V8 must move it to a fresh
// off-heap backing store: an allocation, a copy and a global handle per request.
// Why not Buffer.allocUnsafe (Node's pool): it makes a Buffer object, and viewing it as another
// element type (or at an aligned offset) makes a second one. Under load every object a request
// allocates costs more than its own time: the fresh memory pushes the model's tables out of
// cache (a measured 1.5 us per request for 2 KB of extra garbage). So each allocation here is
// exactly one view, 8-byte aligned, on a 64 KiB slab owned by this thread; a full slab is
// replaced and freed once no view of it is left.
// The contents are NOT zeroed: callers must overwrite every element (native outputs do).
const kSlabSize = 64 * 1024;
const kPooledMax = 1024;
const kPooledBodyMax = 4096;

let slab = new ArrayBuffer(kSlabSize);
let used = 0;

/** `bytes` bytes of the current slab starting `pad` bytes past an 8-byte boundary. */
function carve(bytes: number, pad: number): number {
  let start = used + pad;
  if (start + bytes > kSlabSize) {
    slab = new ArrayBuffer(kSlabSize);
    start = pad;
  }
  used = (start + bytes + 7) & ~7;
  return start;
}

type Ctor<T> = { new (buffer: ArrayBuffer, byteOffset: number, length: number): T; new (length: number): T; BYTES_PER_ELEMENT: number };

/** A typed array of `length` elements (uninitialized when it comes from the slab). */
export function pooledArray<T>(ctor: Ctor<T>, length: number): T {
  const bytes = length * ctor.BYTES_PER_ELEMENT;
  if (bytes === 0 || bytes > kPooledMax) return new ctor(length);
  const offset = carve(bytes, 0);  // first: carving may start a new slab
  return new ctor(slab, offset, length);
}

/**
 * `size` uninitialized bytes starting `pad` bytes past an 8-byte boundary (so that a binary
 * section at body offset H lands aligned when pad = (8 - H % 8) % 8); from the slab when small.
 */
export function pooledBody(size: number, pad: number): Buffer {
  if (size > kPooledBodyMax) return Buffer.from(new ArrayBuffer(size + pad), pad, size);
  const offset = carve(size, pad);  // first: carving may start a new slab
  return Buffer.from(slab, offset, size);
}
