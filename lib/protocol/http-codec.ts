// KServe v2 HTTP inference bodies: the JSON form and the binary tensor data extension.
//
// Binary request layout (Inference-Header-Content-Length = H):
//   [ JSON header: H bytes ][ input a bytes ][ input b bytes ] ...
// Inputs whose parameters carry binary_data_size take their bytes from the binary section, in the
// order they appear in "inputs"; the others carry "data" in the JSON. The response uses the same
// layout for outputs that are returned in binary (binary_data / binary_data_output).
import type { DataType, InferenceModel, Tensor } from '../backends/types.js';
import { bytesOf, elementCount, elementSize, decodeBytesElements, viewOrCopyAt, writeBytesElements, type NumericData } from './datatypes.js';
import { invalidArgument } from './errors.js';
import { requestedClassCount } from './classification.js';
import { checkOutputRegions, noSharedMemoryHere, sharedMemoryInput, sharedMemoryRefOf, SharedMemoryOnMainThread, type SharedMemoryAccess, type SharedMemoryRef } from './shared-memory.js';
import type { InferRequest, InferResult, Parameters, RequestedOutput } from './infer-request.js';
import { fromJsonData, parseJsonText, toJsonDataText } from './json-values.js';
import { validateInputHeaders, type InputHeader } from './validate.js';
import { kMaxTemplatedBody, learnJsonTemplate, matchJsonTemplate, ownedCopy } from './json-template.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseJsonBody(text: Buffer | string, what: string): Json {
  let v: unknown;
  try {
    v = parseJsonText(typeof text === 'string' ? text : text.toString('utf8'));
  } catch (err) {
    throw invalidArgument(`failed to parse the ${what} as JSON: ${(err as Error).message}`);
  }
  if (!isObject(v)) throw invalidArgument(`the ${what} must be a JSON object`);
  return v;
}

export function parseParameters(v: unknown, what: string): Parameters {
  if (v === undefined) return {};
  if (!isObject(v)) throw invalidArgument(`${what} "parameters" must be an object`);
  for (const [k, p] of Object.entries(v)) {
    if (typeof p !== 'string' && typeof p !== 'number' && typeof p !== 'boolean') {
      throw invalidArgument(`${what} parameter "${k}" must be a string, number or boolean, got ${JSON.stringify(p)}`);
    }
  }
  return v as Parameters;
}

function parseShape(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((d) => Number.isInteger(d) && d >= 0)) {
    throw invalidArgument(`${what} "shape" must be an array of non-negative integers, got ${JSON.stringify(v)}`);
  }
  return v as number[];
}

function parseOutputs(v: unknown): RequestedOutput[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw invalidArgument('request "outputs" must be an array');
  return v.map((o, i) => {
    if (!isObject(o) || typeof o.name !== 'string') throw invalidArgument(`request output ${i} must be an object with a string "name"`);
    const params = parseParameters(o.parameters, `output '${o.name}'`);
    const out: RequestedOutput = { name: o.name };
    if (params.binary_data !== undefined) {
      if (typeof params.binary_data !== 'boolean') throw invalidArgument(`output '${o.name}' parameter "binary_data" must be a boolean`);
      out.binary = params.binary_data;
    }
    const k = requestedClassCount(params, o.name);
    if (k !== undefined) out.classCount = k;
    const shm = sharedMemoryRefOf(params, `output '${o.name}'`);
    if (shm) out.sharedMemory = shm;
    return out;
  });
}

export interface DecodedHttpRequest {
  request: InferRequest;
  /** Request-level binary_data_output: the default form of outputs. */
  binaryOutput: boolean;
}

/** One input as the JSON header describes it, validated against the model. */
interface InputPlan {
  name: string;
  datatype: DataType;
  shape: number[];
  count: number;
  what: string;
  /** Bytes in the binary section; undefined: the values are in `jsonData` or shared memory. */
  binarySize: number | undefined;
  jsonData: unknown;
  /** The values are in this shared-memory region. */
  shm?: SharedMemoryRef;
}

/** Everything the JSON part of a request decides: the same for every request with that header. */
interface RequestPlan {
  id: string | undefined;
  parameters: Parameters;
  outputs: RequestedOutput[] | undefined;
  binaryOutput: boolean;
  inputs: InputPlan[];
  /** Some input or output is in shared memory: such plans are neither cached nor templated. */
  usesSharedMemory: boolean;
}

// Binary-extension clients (tritonclient, perf_analyzer) send the same JSON header with every
// request of one shape; its plan is kept per model, keyed by the header's bytes (compared as
// bytes: no string is made of a header seen before), so such requests skip the JSON parse and
// the validation. Only headers without JSON tensor data are kept (their plans hold no values),
// at most kPlanCacheSize per model (the cache is cleared when full). The plans are frozen:
// requests share their parameter, output and shape objects read-only.
const kPlanCacheSize = 64;
const kMaxCachedHeader = 4096;

interface CachedPlan { header: Buffer; plan: RequestPlan }
/** Per model: cached plans by header length. */
const planCache = new WeakMap<InferenceModel, { size: number; byLength: Map<number, CachedPlan[]> }>();

function planRequest(model: InferenceModel, headerText: string, headerLength: number | undefined): RequestPlan {
  const doc = parseJsonBody(headerText, 'inference request');
  const parameters = parseParameters(doc.parameters, 'request');
  if (doc.id !== undefined && typeof doc.id !== 'string') throw invalidArgument('request "id" must be a string');
  if (!Array.isArray(doc.inputs)) throw invalidArgument('request must have an "inputs" array');

  const raw = doc.inputs as unknown[];
  const headers: InputHeader[] = raw.map((t, i) => {
    if (!isObject(t) || typeof t.name !== 'string') throw invalidArgument(`request input ${i} must be an object with a string "name"`);
    const what = `input '${t.name}'`;
    if (typeof t.datatype !== 'string') throw invalidArgument(`${what} must have a string "datatype"`);
    return { name: t.name, datatype: t.datatype, shape: parseShape(t.shape, what) };
  });
  validateInputHeaders(model, headers);

  const inputs = raw.map((t, i): InputPlan => {
    const { name, shape } = headers[i]!;
    const datatype = model.inputs.find((s) => s.name === name)!.datatype; // validated equal
    const what = `input '${name}'`;
    const count = elementCount(shape, what);
    const tp = parseParameters((t as Json).parameters, what);
    const size = tp.binary_data_size;
    const jsonData = (t as Json).data;
    const shm = sharedMemoryRefOf(tp, what);
    if (shm) {
      if (jsonData !== undefined || size !== undefined) throw invalidArgument(`${what} names a shared-memory region and also has ${jsonData !== undefined ? '"data"' : 'a "binary_data_size" parameter'}; give one or the other`);
      return { name, datatype, shape, count, what, binarySize: undefined, jsonData: undefined, shm };
    }
    if (size === undefined) {
      if (jsonData === undefined) throw invalidArgument(`${what} has neither "data" nor a "binary_data_size" parameter`);
      return { name, datatype, shape, count, what, binarySize: undefined, jsonData };
    }
    if (jsonData !== undefined) throw invalidArgument(`${what} has both "data" and a "binary_data_size" parameter`);
    if (headerLength === undefined) throw invalidArgument(`${what} has a "binary_data_size" parameter but the request has no Inference-Header-Content-Length header`);
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) throw invalidArgument(`${what} "binary_data_size" must be a non-negative integer`);
    if (datatype !== 'BYTES') {
      const expected = count * elementSize(datatype);
      if (size !== expected) throw invalidArgument(`${what} has ${size} bytes of binary data, but shape [${shape.join(',')}] of ${datatype} needs ${expected}`);
    }
    return { name, datatype, shape, count, what, binarySize: size, jsonData: undefined };
  });
  const bdo = parameters.binary_data_output;
  if (bdo !== undefined && typeof bdo !== 'boolean') throw invalidArgument('request parameter "binary_data_output" must be a boolean');
  const outputs = parseOutputs(doc.outputs);
  const usesSharedMemory = inputs.some((i) => i.shm) || (outputs?.some((o) => o.sharedMemory) ?? false);
  return { id: doc.id as string | undefined, parameters, outputs, binaryOutput: bdo === true, inputs, usesSharedMemory };
}

function cachedPlan(model: InferenceModel, body: Buffer, headerLength: number): RequestPlan {
  let cache = planCache.get(model);
  const same = cache?.byLength.get(headerLength);
  if (same) {
    for (let i = 0; i < same.length; i++) if (body.compare(same[i]!.header, 0, headerLength, 0, headerLength) === 0) return same[i]!.plan;
  }
  const plan = planRequest(model, body.toString('utf8', 0, headerLength), headerLength);
  if (plan.usesSharedMemory || plan.inputs.some((i) => i.binarySize === undefined)) return plan;
  if (!cache || cache.size >= kPlanCacheSize) planCache.set(model, (cache = { size: 0, byLength: new Map() }));
  let list = cache.byLength.get(headerLength);
  if (!list) cache.byLength.set(headerLength, (list = []));
  list.push({ header: ownedCopy(body.subarray(0, headerLength)), plan: deepFreeze(plan) });
  cache.size++;
  return plan;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/**
 * Decodes an HTTP infer body for `model`. `headerLength` is Inference-Header-Content-Length when
 * present (binary extension); binary tensors become typed-array views over `body` when aligned.
 * `shm`: the registered shared-memory regions (a thread without them refuses such requests with
 * SharedMemoryOnMainThread).
 */
export function decodeHttpInferRequest(model: InferenceModel, body: Buffer, headerLength: number | undefined,
  shm: SharedMemoryAccess = noSharedMemoryHere): DecodedHttpRequest {
  if (headerLength !== undefined && (headerLength < 0 || headerLength > body.length)) {
    throw invalidArgument(`Inference-Header-Content-Length ${headerLength} exceeds the body size ${body.length}`);
  }
  const jsonEnd = headerLength ?? body.length;
  if (headerLength === undefined && body.length <= kMaxTemplatedBody) {
    const hit = matchJsonTemplate<RequestPlan>(model, body);
    if (hit) return decodedFromTemplate(hit.plan, hit.data, hit.id);
  }
  const plan = headerLength !== undefined && headerLength <= kMaxCachedHeader
    ? cachedPlan(model, body, headerLength)
    : planRequest(model, body.toString('utf8', 0, jsonEnd), headerLength);

  if (plan.usesSharedMemory) {
    if (shm === noSharedMemoryHere) throw new SharedMemoryOnMainThread();
    checkOutputRegions(shm, plan.outputs);
  }

  let off = jsonEnd;
  const inputs = new Array<Tensor>(plan.inputs.length);
  for (let i = 0; i < plan.inputs.length; i++) {
    const { name, datatype, shape, count, what, binarySize: size, jsonData } = plan.inputs[i]!;
    const ref = plan.inputs[i]!.shm;
    if (ref) {
      inputs[i] = { name, datatype, shape, data: sharedMemoryInput(shm, ref, datatype, count, what) };
      continue;
    }
    if (size === undefined) {
      inputs[i] = { name, datatype, shape, data: fromJsonData(datatype, jsonData, count, what) };
      continue;
    }
    if (off + size > body.length) throw invalidArgument(`${what} declares ${size} bytes of binary data but only ${body.length - off} remain in the body`);
    const data = datatype === 'BYTES' ? decodeBytesElements(body.subarray(off, off + size), count, what) : viewOrCopyAt(datatype, body, off, size);
    off += size;
    inputs[i] = { name, datatype, shape, data };
  }
  if (off !== body.length) throw invalidArgument(`the request body has ${body.length - off} bytes after the JSON header that no input claims (binary_data_size)`);

  if (headerLength === undefined && !plan.usesSharedMemory && plan.inputs.every((i) => i.binarySize === undefined)) {
    // Later requests with the same JSON around their numbers skip the parse (json-template.ts).
    const shared = deepFreeze({ ...plan, id: undefined, inputs: plan.inputs.map((i) => ({ ...i, jsonData: undefined })) });
    learnJsonTemplate(model, body, plan.inputs, shared);
  }
  const request: InferRequest = { parameters: plan.parameters, inputs };
  if (plan.id !== undefined) request.id = plan.id;
  if (plan.outputs) request.outputs = plan.outputs;
  if (plan.usesSharedMemory) request.sharedMemory = shm;
  return { request, binaryOutput: plan.binaryOutput };
}

function decodedFromTemplate(plan: RequestPlan, data: NumericData[], id: string | undefined): DecodedHttpRequest {
  const inputs = new Array<Tensor>(plan.inputs.length);
  for (let i = 0; i < plan.inputs.length; i++) {
    const { name, datatype, shape } = plan.inputs[i]!;
    inputs[i] = { name, datatype, shape, data: data[i]! };
  }
  const request: InferRequest = { parameters: plan.parameters, inputs };
  if (id !== undefined) request.id = id;
  if (plan.outputs) request.outputs = plan.outputs;
  return { request, binaryOutput: plan.binaryOutput };
}

export interface EncodedHttpResponse {
  body: Buffer;
  /** Set when the body has a binary section: the value of Inference-Header-Content-Length. */
  headerLength?: number;
}

function jsonParameters(p: Parameters): string {
  return Object.keys(p).length ? `,"parameters":${JSON.stringify(p)}` : '';
}

/** The JSON of a model's name, version and response parameters: the same in every response. */
interface ResponseText { name: string; version: string; params: Parameters; head: string; parameters: string }
const responseTexts = new WeakMap<InferenceModel, ResponseText>();

function responseText(result: InferResult): ResponseText {
  const { name, version } = result.model;
  const t = responseTexts.get(result.model);
  if (t && t.name === name && t.version === version && t.params === result.parameters) return t;
  const fresh = {
    name, version, params: result.parameters,
    head: `{"model_name":${JSON.stringify(name)},"model_version":${JSON.stringify(version)}`,
    parameters: jsonParameters(result.parameters),
  };
  responseTexts.set(result.model, fresh);
  return fresh;
}

/** Encodes an inference result; outputs marked binary go into the binary section. */
export function encodeHttpInferResponse(result: InferResult): EncodedHttpResponse {
  const layout = responseLayout(result);
  if (layout.header && result.id === undefined) return withBinarySection(layout.header, result.outputs);
  let json = layout.parts[0]!;
  if (result.id !== undefined) json += `,"id":${JSON.stringify(result.id)}`;
  json += layout.parts[1]!;
  let k = 2;
  for (let i = 0; i < result.outputs.length; i++) {
    const { tensor, binary, sharedMemory } = result.outputs[i]!;
    if (binary || sharedMemory) continue;
    json += toJsonDataText(tensor.datatype, tensor.data);
    json += layout.parts[k++]!;
  }
  // When every character is ASCII, latin1 writes the same bytes as UTF-8, faster.
  const header = Buffer.from(json, layout.ascii && result.id === undefined ? 'latin1' : 'utf8');
  return layout.binaries ? withBinarySection(header, result.outputs) : { body: header };
}

/**
 * The JSON of a response around its variable parts: parts[0] up to where "id" goes, parts[1]
 * from there to the first JSON output's data, then one part after each JSON output's data.
 * `header`: the whole JSON header as bytes when every output is binary (nothing varies).
 */
interface ResponseLayout {
  text: ResponseText;
  outputs: MemoOutput[];
  parts: string[];
  binaries: number;
  ascii: boolean;
  header: Buffer | undefined;
}

// Responses of one model to requests of one shape have the same JSON around their values: the
// last layout is kept per model and reused while the outputs have the same names, types,
// shapes, binary flags and sizes (and the model the same parameters). BYTES outputs (sizes and
// texts vary) are never memoized.
interface MemoOutput { name: string; datatype: string; shape: number[]; binary: boolean; size: number }
const layouts = new WeakMap<InferenceModel, ResponseLayout>();

function responseLayout(result: InferResult): ResponseLayout {
  const text = responseText(result);
  const memo = layouts.get(result.model);
  if (memo && memo.text === text && sameOutputs(memo.outputs, result.outputs)) return memo;
  const parts = [text.head];
  let part = text.parameters + ',"outputs":[';
  let binaries = 0;
  result.outputs.forEach(({ tensor, binary, sharedMemory }, i) => {
    if (i) part += ',';
    part += `{"name":${JSON.stringify(tensor.name)},"datatype":"${tensor.datatype}","shape":[${tensor.shape.join(',')}]`;
    if (sharedMemory) {
      part += '}';  // the values are in the client's region (as Triton answers: no data, no parameters)
    } else if (binary) {
      binaries++;
      part += `,"parameters":{"binary_data_size":${binarySize(tensor)}}}`;
    } else {
      parts.push(part + ',"data":');
      part = '}';
    }
  });
  parts.push(part + ']}');
  const layout: ResponseLayout = {
    text, parts, binaries,
    outputs: result.outputs.map(({ tensor, binary }) => ({ name: tensor.name, datatype: tensor.datatype, shape: [...tensor.shape], binary, size: binarySize(tensor) })),
    // Numbers and booleans are written as ASCII; BYTES values (strings) may not be.
    ascii: parts.every((p) => /^[\x00-\x7f]*$/.test(p)) && result.outputs.every((o) => o.binary || o.tensor.datatype !== 'BYTES'),
    header: binaries > 0 && binaries === result.outputs.length ? Buffer.from(parts.join(''), 'utf8') : undefined,
  };
  if (result.outputs.every((o) => o.tensor.datatype !== 'BYTES' && !o.sharedMemory)) layouts.set(result.model, layout);
  return layout;
}

function binarySize(tensor: Tensor): number {
  return tensor.datatype === 'BYTES'
    ? (tensor.data as Buffer[]).reduce((n, e) => n + 4 + e.length, 0)
    : (tensor.data as NumericData).byteLength;
}

/** `header` followed by the binary outputs' bytes. */
function withBinarySection(header: Buffer, outputs: InferResult['outputs']): EncodedHttpResponse {
  let size = header.length;
  for (let i = 0; i < outputs.length; i++) if (outputs[i]!.binary) size += binarySize(outputs[i]!.tensor);
  const body = Buffer.allocUnsafe(size);
  body.set(header, 0);
  let off = header.length;
  for (let i = 0; i < outputs.length; i++) {
    const { tensor: t, binary } = outputs[i]!;
    if (!binary) continue;
    if (t.datatype === 'BYTES') off = writeBytesElements(t.data as Buffer[], body, off);
    else { const b = bytesOf(t.data as NumericData); body.set(b, off); off += b.byteLength; }
  }
  return { body, headerLength: header.length };
}

function sameOutputs(memo: MemoOutput[], outputs: InferResult['outputs']): boolean {
  if (memo.length !== outputs.length) return false;
  for (let i = 0; i < memo.length; i++) {
    const m = memo[i]!;
    const { tensor, binary, sharedMemory } = outputs[i]!;
    if (sharedMemory || binary !== m.binary || tensor.name !== m.name || tensor.datatype !== m.datatype || tensor.datatype === 'BYTES') return false;
    if ((tensor.data as NumericData).byteLength !== m.size || tensor.shape.length !== m.shape.length) return false;
    for (let k = 0; k < m.shape.length; k++) if (tensor.shape[k] !== m.shape[k]) return false;
  }
  return true;
}
