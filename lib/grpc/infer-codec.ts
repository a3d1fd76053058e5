// Hand-written codec for ModelInferRequest / ModelInferResponse (schemas/kserve/grpc_service.proto).
// Decoding keeps raw_input_contents and packed FP32/FP64 contents as slices of the incoming
// message (viewed in place when aligned); encoding writes each output's bytes once into the
// response buffer as raw_output_contents, as Triton does.
import type { DataType, InferenceModel, Tensor } from '../backends/types.js';
import { allocate, bytesOf, decodeBytesElements, elementCount, elementSize, viewOrCopy, writeBytesElements, type NumericData } from '../protocol/datatypes.js';
import { invalidArgument } from '../protocol/errors.js';
import { requestedClassCount } from '../protocol/classification.js';
import { checkOutputRegions, noSharedMemoryHere, sharedMemoryInput, sharedMemoryRefOf, type SharedMemoryAccess } from '../protocol/shared-memory.js';
import type { InferRequest, InferResult, ParameterValue, Parameters, RequestedOutput } from '../protocol/infer-request.js';
import { validateInputHeaders } from '../protocol/validate.js';
import { Reader, Writer } from './wire.js';

/** InferTensorContents as field slices; decoded once the datatype is known. */
interface ContentsSlices { field: number; ranges: Array<[number, number, number]> } // [wire, start, end]

interface InputMessage {
  name: string;
  datatype: string;
  shape: number[];
  parameters: Parameters;
  contents?: ContentsSlices;
}

export interface DecodedInferMessage {
  modelName: string;
  modelVersion: string;
  id: string;
  parameters: Parameters;
  inputs: InputMessage[];
  outputs: RequestedOutput[];
  raw: Buffer[];
  buf: Buffer;
}

function readParameter(r: Reader, end: number): ParameterValue | undefined {
  let v: ParameterValue | undefined;
  while (r.pos < end) {
    const [f, w] = r.tag();
    if (f === 1 && w === 0) v = r.varint() !== 0;
    else if ((f === 2 || f === 5) && w === 0) v = r.varint();
    else if (f === 3 && w === 2) v = r.string();
    else if (f === 4 && w === 1) v = r.double();
    else r.skip(w);
  }
  return v;
}

/** One map<string, InferParameter> entry into `into`. */
function readParameterEntry(r: Reader, into: Parameters): void {
  const [start, end] = r.delimited();
  const entry = new Reader(r.buf, start, end);
  let key = '';
  let value: ParameterValue | undefined;
  while (!entry.done) {
    const [f, w] = entry.tag();
    if (f === 1 && w === 2) key = entry.string();
    else if (f === 2 && w === 2) { const [s, e] = entry.delimited(); value = readParameter(new Reader(entry.buf, s, e), e); }
    else entry.skip(w);
  }
  if (value !== undefined) into[key] = value;
}

function readContents(r: Reader, start: number, end: number): ContentsSlices {
  const sub = new Reader(r.buf, start, end);
  const slices: ContentsSlices = { field: 0, ranges: [] };
  while (!sub.done) {
    const [f, w] = sub.tag();
    if (f < 1 || f > 8) { sub.skip(w); continue; }
    if (slices.field && slices.field !== f) throw invalidArgument('an input\'s contents may use only one typed field');
    slices.field = f;
    if (w === 2) { const [s, e] = sub.delimited(); slices.ranges.push([2, s, e]); }
    else { const at = sub.pos; sub.skip(w); slices.ranges.push([w, at, sub.pos]); }
  }
  return slices;
}

function readInput(r: Reader, start: number, end: number): InputMessage {
  const sub = new Reader(r.buf, start, end);
  const m: InputMessage = { name: '', datatype: '', shape: [], parameters: {} };
  while (!sub.done) {
    const [f, w] = sub.tag();
    if (f === 1 && w === 2) m.name = sub.string();
    else if (f === 2 && w === 2) m.datatype = sub.string();
    else if (f === 3 && w === 2) { const [s, e] = sub.delimited(); const p = new Reader(sub.buf, s, e); while (!p.done) m.shape.push(p.varint()); }
    else if (f === 3 && w === 0) m.shape.push(sub.varint());
    else if (f === 4 && w === 2) readParameterEntry(sub, m.parameters);
    else if (f === 5 && w === 2) { const [s, e] = sub.delimited(); m.contents = readContents(sub, s, e); }
    else sub.skip(w);
  }
  return m;
}

function readOutput(r: Reader, start: number, end: number): RequestedOutput {
  const sub = new Reader(r.buf, start, end);
  let name = '';
  const params: Parameters = {};
  while (!sub.done) {
    const [f, w] = sub.tag();
    if (f === 1 && w === 2) name = sub.string();
    else if (f === 2 && w === 2) readParameterEntry(sub, params);
    else sub.skip(w);
  }
  const out: RequestedOutput = { name };
  const k = requestedClassCount(params, name);
  if (k !== undefined) out.classCount = k;
  const shm = sharedMemoryRefOf(params, `output '${name}'`);
  if (shm) out.sharedMemory = shm;
  return out;
}

/** Decodes the wire bytes of a ModelInferRequest (the grpc-js deserializer). */
export function decodeModelInferRequest(buf: Buffer): DecodedInferMessage {
  const r = new Reader(buf);
  const msg: DecodedInferMessage = { modelName: '', modelVersion: '', id: '', parameters: {}, inputs: [], outputs: [], raw: [], buf };
  while (!r.done) {
    const [f, w] = r.tag();
    if (w !== 2) { r.skip(w); continue; }
    switch (f) {
      case 1: msg.modelName = r.string(); break;
      case 2: msg.modelVersion = r.string(); break;
      case 3: msg.id = r.string(); break;
      case 4: readParameterEntry(r, msg.parameters); break;
      case 5: { const [s, e] = r.delimited(); msg.inputs.push(readInput(r, s, e)); break; }
      case 6: { const [s, e] = r.delimited(); msg.outputs.push(readOutput(r, s, e)); break; }
      case 7: msg.raw.push(r.bytes()); break;
      default: r.skip(w);
    }
  }
  return msg;
}

// ---- typed contents -> tensor data ----

const contentsField: Record<DataType, number> = {
  BOOL: 1, INT8: 2, INT16: 2, INT32: 2, INT64: 3, UINT8: 4, UINT16: 4, UINT32: 4, UINT64: 5, FP32: 6, FP64: 7, BYTES: 8, FP16: 0,
};
const contentsName = ['', 'bool_contents', 'int_contents', 'int64_contents', 'uint_contents', 'uint64_contents', 'fp32_contents', 'fp64_contents', 'bytes_contents'];

function typedContents(buf: Buffer, dt: DataType, c: ContentsSlices, count: number, what: string): Tensor['data'] {
  const want = contentsField[dt];
  if (want === 0) throw invalidArgument(`${what}: FP16 data must be sent in raw_input_contents (InferTensorContents has no FP16 field)`);
  if (c.field !== want) throw invalidArgument(`${what}: datatype ${dt} expects contents in ${contentsName[want]}, got ${contentsName[c.field] ?? 'none'}`);
  const mismatch = (n: number) => invalidArgument(`${what}: ${contentsName[want]} has ${n} elements but the shape requires ${count}`);
  if (dt === 'BYTES') {
    if (c.ranges.length !== count) throw mismatch(c.ranges.length);
    return c.ranges.map(([, s, e]) => buf.subarray(s, e));
  }
  if (dt === 'FP32' || dt === 'FP64') {
    const size = elementSize(dt);
    if (c.ranges.length === 1 && c.ranges[0]![0] === 2) {
      const [, s, e] = c.ranges[0]!;
      if ((e - s) !== count * size) throw mismatch((e - s) / size);
      return viewOrCopy(dt, buf.subarray(s, e));
    }
    // Unpacked or split packed runs: gather element by element.
    const out = allocate(dt, count) as Float32Array | Float64Array;
    let n = 0;
    for (const [w, s, e] of c.ranges) {
      if (w !== 2 && w !== (size === 4 ? 5 : 1)) throw invalidArgument(`${what}: ${contentsName[want]} has the wrong wire type`);
      for (let p = s; p < e; p += size) {
        if (n >= count) throw mismatch(n + 1);
        out[n++] = size === 4 ? buf.readFloatLE(p) : buf.readDoubleLE(p);
      }
    }
    if (n !== count) throw mismatch(n);
    return out;
  }
  const out = allocate(dt, count);
  const big = dt === 'INT64' || dt === 'UINT64';
  let n = 0;
  const lim: Partial<Record<DataType, [number, number]>> = { INT8: [-128, 127], INT16: [-32768, 32767], UINT8: [0, 255], UINT16: [0, 65535] };
  const range = lim[dt];
  for (const [w, s, e] of c.ranges) {
    if (w !== 2 && w !== 0) throw invalidArgument(`${what}: ${contentsName[want]} has the wrong wire type`);
    const r = new Reader(buf, s, e); // a packed run, or one unpacked varint
    while (!r.done) {
      if (n >= count) throw mismatch(n + 1);
      if (big) (out as BigInt64Array)[n++] = r.varintBig(dt === 'INT64');
      else {
        let v = r.varint();
        if (dt === 'INT32' || dt === 'INT8' || dt === 'INT16') v = v | 0; // int32 varints are sign-extended to 64 bits
        else if (dt === 'BOOL') v = v ? 1 : 0;
        if (range && (v < range[0] || v > range[1])) throw invalidArgument(`${what}: element ${n} = ${v} is out of range for ${dt}`);
        (out as Int32Array)[n++] = v;
      }
    }
  }
  if (n !== count) throw mismatch(n);
  return out;
}

/**
 * Turns a decoded message into an InferRequest for `model`, validating it against the model.
 * `shm`: the registered shared-memory regions, for inputs and outputs that name one.
 */
export function toInferRequest(model: InferenceModel, msg: DecodedInferMessage, shm: SharedMemoryAccess = noSharedMemoryHere): InferRequest {
  validateInputHeaders(model, msg.inputs);
  // Inputs in shared memory have no raw_input_contents entry (tritonclient sends none for them):
  // the entries belong to the other inputs, in order.
  // (Looked up only when some input names a region: ordinary requests build no array for it.)
  const refs = msg.inputs.some((m) => m.parameters.shared_memory_region !== undefined || m.parameters.shared_memory_byte_size !== undefined)
    ? msg.inputs.map((m) => sharedMemoryRefOf(m.parameters, `input '${m.name}'`)) : undefined;
  const inline = refs ? refs.reduce((n, r) => (r ? n : n + 1), 0) : msg.inputs.length;
  if (msg.raw.length && msg.raw.length !== inline) {
    throw invalidArgument(`raw_input_contents has ${msg.raw.length} entries but the request has ${inline} inputs not in shared memory; give one per such input, in input order`);
  }
  let rawIndex = 0;
  const inputs: Tensor[] = msg.inputs.map((m, i) => {
    const datatype = m.datatype as DataType; // validated against the model
    const what = `input '${m.name}'`;
    const count = elementCount(m.shape, what);
    const ref = refs?.[i];
    if (ref) {
      if (m.contents) throw invalidArgument(`${what} names a shared-memory region and also has contents; give one or the other`);
      return { name: m.name, datatype, shape: m.shape, data: sharedMemoryInput(shm, ref, datatype, count, what) };
    }
    if (msg.raw.length) {
      if (m.contents) throw invalidArgument(`${what} has contents while the request uses raw_input_contents`);
      const bytes = msg.raw[rawIndex++]!;
      if (datatype === 'BYTES') return { name: m.name, datatype, shape: m.shape, data: decodeBytesElements(bytes, count, what) };
      const expected = count * elementSize(datatype);
      if (bytes.length !== expected) throw invalidArgument(`${what}: raw_input_contents has ${bytes.length} bytes, but shape [${m.shape.join(',')}] of ${datatype} needs ${expected}`);
      return { name: m.name, datatype, shape: m.shape, data: viewOrCopy(datatype, bytes) };
    }
    if (!m.contents && count === 0) {
      // An empty repeated field is not on the wire at all.
      return { name: m.name, datatype, shape: m.shape, data: datatype === 'BYTES' ? [] : allocate(datatype, 0) };
    }
    if (!m.contents) throw invalidArgument(`${what} has no contents and the request has no raw_input_contents`);
    return { name: m.name, datatype, shape: m.shape, data: typedContents(msg.buf, datatype, m.contents, count, what) };
  });
  const req: InferRequest = { parameters: msg.parameters, inputs };
  if (msg.id) req.id = msg.id;
  if (msg.outputs.length) req.outputs = msg.outputs;
  if (msg.outputs.some((o) => o.sharedMemory)) {
    checkOutputRegions(shm, msg.outputs);
    req.sharedMemory = shm;
  }
  return req;
}

// ---- response ----

function writeParameters(w: Writer, field: number, params: Parameters): void {
  for (const [k, v] of Object.entries(params)) {
    w.message(field, () => {
      w.stringField(1, k);
      w.message(2, () => {
        if (typeof v === 'boolean') { w.tag(1, 0); w.varint(v ? 1 : 0); }
        else if (typeof v === 'number' && Number.isSafeInteger(v)) { w.tag(2, 0); w.varint(v); }
        else if (typeof v === 'number') w.doubleField(4, v);
        else w.stringField(3, v);
      });
    });
  }
}

const kEmpty = new Uint8Array(0);

function tensorBytes(t: Tensor): number {
  if (t.datatype !== 'BYTES') return (t.data as NumericData).byteLength;
  let n = 0;
  for (const e of t.data as Buffer[]) n += 4 + e.length;
  return n;
}

/** Writes the fields of a ModelInferResponse (no outer framing). */
export function writeModelInferResponse(w: Writer, result: InferResult): void {
  w.stringField(1, result.model.name);
  w.stringField(2, result.model.version);
  if (result.id) w.stringField(3, result.id);
  writeParameters(w, 4, result.parameters);
  for (const { tensor } of result.outputs) {
    w.message(5, () => {
      w.stringField(1, tensor.name);
      w.stringField(2, tensor.datatype);
      if (tensor.shape.length) w.message(3, () => { for (const d of tensor.shape) w.varint(d); });
    });
  }
  for (const { tensor, sharedMemory } of result.outputs) {
    // One raw_output_contents entry per output, empty for one written to shared memory (as Triton
    // does), so clients find each output's bytes at its index.
    if (sharedMemory) { w.bytesField(6, kEmpty); continue; }
    if (tensor.datatype !== 'BYTES') { w.bytesField(6, bytesOf(tensor.data as NumericData)); continue; }
    const size = tensorBytes(tensor);
    w.tag(6, 2);
    w.varint(size);
    const at = w.reserve(size);
    writeBytesElements(tensor.data as Buffer[], w.buf, at);
  }
}

export function encodeModelInferResponse(result: InferResult): Buffer {
  let size = 256;
  for (const o of result.outputs) size += tensorBytes(o.tensor) + 64;
  const w = new Writer(size);
  writeModelInferResponse(w, result);
  return w.finish();
}

/** ModelStreamInferResponse: error_message = 1, infer_response = 2. */
export function encodeStreamResponse(result: InferResult | null, error: string): Buffer {
  const w = new Writer(result ? 256 + result.outputs.reduce((n, o) => n + tensorBytes(o.tensor) + 64, 0) : 64);
  if (error) w.stringField(1, error);
  if (result) w.message(2, () => writeModelInferResponse(w, result));
  return w.finish();
}
