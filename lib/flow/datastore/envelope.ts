// Artifact values <-> blob bytes, in the FlatBuffers envelope of schemas/artifact.fbs.
//
// Layout of a typed blob (the `data` vector is created first, so the builder puts it last):
//
//   0                                   H-4        H                      H+n
//   | root offset | "LRCH" | vtable, table, shape, names... | len=n (u32) | n data bytes |
//                                                            ^ H is a multiple of 64
//
// The builder is finished with an EMPTY data vector aligned to 64; its length word is then
// patched to n and the payload is written after the header, straight from the caller's typed
// array (no copy into the builder). Any FlatBuffers reader sees a valid buffer whose `data`
// vector is the payload, at a 64-byte aligned offset.
//
// Reading is zero-copy in the sense available to Node: the blob file is read once into a Buffer
// (the kernel's copy from the page cache; Node core has no mmap) and the typed array returned is
// a view over that Buffer at offset H. No JavaScript-side copy is made unless the Buffer's
// address happens to be misaligned for the element type (then one copy; `isZeroCopyView` says).
import * as flatbuffers from 'flatbuffers';
import { DatastoreError } from '../errors.js';
import { Artifact } from './generated/larch/flow/artifact.js';
import { DType } from './generated/larch/flow/dtype.js';
import { Encoding } from './generated/larch/flow/encoding.js';
import { Kind } from './generated/larch/flow/kind.js';
import { fromTaggedJson, toTaggedJson } from './tagged-json.js';

export const kEnvelopeVersion = 1;
const kAlign = 64;

type TypedArray =
  | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

const kCtorByDType = new Map<DType, { new(b: ArrayBufferLike, o: number, n: number): TypedArray; BYTES_PER_ELEMENT: number; name: string }>([
  [DType.Int8, Int8Array], [DType.Uint8, Uint8Array], [DType.Uint8Clamped, Uint8ClampedArray],
  [DType.Int16, Int16Array], [DType.Uint16, Uint16Array], [DType.Int32, Int32Array], [DType.Uint32, Uint32Array],
  [DType.Float32, Float32Array], [DType.Float64, Float64Array], [DType.BigInt64, BigInt64Array], [DType.BigUint64, BigUint64Array],
]);
const kDTypeByName = new Map<string, DType>([...kCtorByDType].map(([d, c]) => [c.name, d]));

/** What the task index records about an artifact besides its hash. */
export interface ArtifactSummary {
  /** 'json' | 'typed' | 'tensor' */
  encoding: 'json' | 'typed' | 'tensor';
  /** JS type for display: 'Float32Array', 'Map', 'object', 'number', 'Tensor<FP32>'... */
  type: string;
}

export interface EncodedArtifact extends ArtifactSummary {
  chunks: Uint8Array[];
}

function isTypedArray(v: unknown): v is TypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView) && kDTypeByName.has(Buffer.isBuffer(v) ? 'Uint8Array' : v.constructor.name);
}

function isTensor(v: unknown): v is { name: string; datatype: string; shape: number[]; data: TypedArray } {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Record<string, unknown>;
  return typeof t.name === 'string' && typeof t.datatype === 'string' && Array.isArray(t.shape) && isTypedArray(t.data) &&
    Object.keys(t).length === 4;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  if (Array.isArray(v)) return 'Array';
  const name = (v as object).constructor?.name;
  return name && name !== 'Object' ? name : 'object';
}

/** Encodes one artifact value; `what` names it in errors (e.g. "artifact 'model' of step 'train'"). */
export function encodeArtifact(value: unknown, what: string): EncodedArtifact {
  if (isTypedArray(value)) return encodeTyped(value, Kind.TypedArray, [value.length], undefined, undefined);
  if (isTensor(value)) {
    return encodeTyped(value.data, Kind.Tensor, value.shape, value.name, value.datatype);
  }
  const json = Buffer.from(toTaggedJson(value, what), 'utf8');
  const header = buildHeader(Encoding.Json, Kind.Value, DType.None, [], undefined, undefined, json.byteLength);
  return { chunks: [header, json], encoding: 'json', type: describe(value) };
}

function encodeTyped(data: TypedArray, kind: Kind, shape: number[], name: string | undefined, datatype: string | undefined): EncodedArtifact {
  const ctorName = Buffer.isBuffer(data) ? 'Uint8Array' : data.constructor.name;
  const dtype = kDTypeByName.get(ctorName)!;
  const header = buildHeader(Encoding.Typed, kind, dtype, shape, name, datatype, data.byteLength);
  const payload = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return {
    chunks: [header, payload],
    encoding: kind === Kind.Tensor ? 'tensor' : 'typed',
    type: kind === Kind.Tensor ? `Tensor<${datatype}>` : ctorName,
  };
}

function buildHeader(encoding: Encoding, kind: Kind, dtype: DType, shape: number[], name: string | undefined,
  datatype: string | undefined, payloadBytes: number): Uint8Array {
  if (payloadBytes > 0xffffffff) {
    throw new DatastoreError('INVALID_ARGUMENT', `artifact of ${payloadBytes} bytes exceeds the 4 GiB envelope limit; split it`);
  }
  const b = new flatbuffers.Builder(256);
  b.forceDefaults(true);   // write every field (version included), so readers never guess defaults
  b.startVector(1, 0, kAlign);      // the payload vector, first => last in the buffer
  const data = b.endVector();
  const shapeOff = Artifact.createShapeVector(b, shape.map((d) => BigInt(d)));
  const nameOff = name === undefined ? 0 : b.createString(name);
  const dtOff = datatype === undefined ? 0 : b.createString(datatype);
  Artifact.startArtifact(b);
  Artifact.addVersion(b, kEnvelopeVersion);
  Artifact.addEncoding(b, encoding);
  Artifact.addKind(b, kind);
  Artifact.addDtype(b, dtype);
  Artifact.addShape(b, shapeOff);
  if (nameOff) Artifact.addTensorName(b, nameOff);
  if (dtOff) Artifact.addTensorDatatype(b, dtOff);
  Artifact.addData(b, data);
  Artifact.finishArtifactBuffer(b, Artifact.endArtifact(b));
  const header = b.asUint8Array().slice();   // own the bytes (the builder's buffer is reused/larger)
  if (header.byteLength % kAlign !== 0) throw new Error('envelope header is not 64-byte aligned (flatbuffers builder changed?)');
  new DataView(header.buffer, header.byteOffset, header.byteLength).setUint32(header.byteLength - 4, payloadBytes, true);
  return header;
}

/** Decodes a blob; typed payloads come back as views over `bytes` (see the header comment). */
export function decodeArtifact(bytes: Uint8Array, hash: string): unknown {
  const art = readEnvelope(bytes, hash);
  const data = art.dataArray() ?? new Uint8Array(0);
  if (art.encoding() === Encoding.Json) return fromTaggedJson(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  const Ctor = kCtorByDType.get(art.dtype());
  if (!Ctor) throw corrupt(hash, `unknown dtype ${art.dtype()}`);
  if (data.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) throw corrupt(hash, 'payload length is not a whole number of elements');
  const aligned = data.byteOffset % Ctor.BYTES_PER_ELEMENT === 0;
  const src = aligned ? data : data.slice();
  const array = new Ctor(src.buffer, src.byteOffset, src.byteLength / Ctor.BYTES_PER_ELEMENT);
  if (art.kind() !== Kind.Tensor) return array;
  const shape: number[] = [];
  for (let i = 0; i < art.shapeLength(); i++) shape.push(Number(art.shape(i)));
  return { name: art.tensorName() ?? '', datatype: art.tensorDatatype() ?? '', shape, data: array };
}

function readEnvelope(bytes: Uint8Array, hash: string): Artifact {
  if (bytes.byteLength < 12) throw corrupt(hash, 'too short');
  const bb = new flatbuffers.ByteBuffer(bytes);
  if (!Artifact.bufferHasIdentifier(bb)) throw corrupt(hash, 'missing the LRCH file identifier');
  try {
    const art = Artifact.getRootAsArtifact(bb);
    const version = art.version();
    if (version !== kEnvelopeVersion) {
      throw corrupt(hash, `envelope version ${version} is not supported by this larch (knows ${kEnvelopeVersion}); upgrade larch`);
    }
    const data = art.dataArray();
    if (data && data.byteOffset + data.byteLength > bytes.byteOffset + bytes.byteLength) throw corrupt(hash, 'payload runs past the end');
    return art;
  } catch (err) {
    if (err instanceof DatastoreError) throw err;
    throw corrupt(hash, (err as Error).message);
  }
}

function corrupt(hash: string, why: string): DatastoreError {
  return new DatastoreError('INTERNAL', `artifact blob ${hash} is not a readable larch envelope: ${why}`);
}

/** True when `view` shares memory with `blob` (what the benchmark and tests check). */
export function isZeroCopyView(view: ArrayBufferView, blob: Uint8Array): boolean {
  return view.buffer === blob.buffer;
}
