// KServe v2 HTTP inference bodies: the JSON form and the binary tensor data extension.
//
// Binary request layout (Inference-Header-Content-Length = H):
//   [ JSON header: H bytes ][ input a bytes ][ input b bytes ] ...
// Inputs whose parameters carry binary_data_size take their bytes from the binary section, in the
// order they appear in "inputs"; the others carry "data" in the JSON. The response uses the same
// layout for outputs that are returned in binary (binary_data / binary_data_output).
import type { DataType, InferenceModel, Tensor } from '../backends/types.js';
import { bytesOf, elementCount, elementSize, decodeBytesElements, viewOrCopy, writeBytesElements, type NumericData } from './datatypes.js';
import { invalidArgument } from './errors.js';
import type { InferRequest, InferResult, Parameters, RequestedOutput } from './infer-request.js';
import { fromJsonData, parseJsonText, toJsonDataText } from './json-values.js';
import { validateInputHeaders, type InputHeader } from './validate.js';

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
    if (params.class_count !== undefined) {
      const k = params.class_count;
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 0) throw invalidArgument(`output '${o.name}' parameter "class_count" must be a non-negative integer, got ${JSON.stringify(k)}`);
      out.classCount = k;
    }
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
  /** Bytes in the binary section; undefined: the values are in `jsonData`. */
  binarySize: number | undefined;
  jsonData: unknown;
}

/** Everything the JSON part of a request decides: the same for every request with that header. */
interface RequestPlan {
  id: string | undefined;
  parameters: Parameters;
  outputs: RequestedOutput[] | undefined;
  binaryOutput: boolean;
  inputs: InputPlan[];
}

// Binary-extension clients (tritonclient, perf_analyzer) send the same JSON header with every
// request of one shape; its plan is kept per model, keyed by the header text, so such requests
// skip the JSON parse and the validation. Only headers without JSON tensor data are kept (their
// plans hold no values), at most kPlanCacheSize per model (the map is cleared when full). The
// plans are frozen: requests share their parameter, output and shape objects read-only.
const kPlanCacheSize = 64;
const kMaxCachedHeader = 4096;
const planCache = new WeakMap<InferenceModel, Map<string, RequestPlan>>();

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
  return { id: doc.id as string | undefined, parameters, outputs: parseOutputs(doc.outputs), binaryOutput: bdo === true, inputs };
}

function cachedPlan(model: InferenceModel, body: Buffer, headerLength: number): RequestPlan {
  const text = body.toString('utf8', 0, headerLength);
  let plans = planCache.get(model);
  const hit = plans?.get(text);
  if (hit) return hit;
  const plan = planRequest(model, text, headerLength);
  if (plan.inputs.some((i) => i.binarySize === undefined)) return plan;
  if (!plans) planCache.set(model, (plans = new Map()));
  if (plans.size >= kPlanCacheSize) plans.clear();
  plans.set(text, deepFreeze(plan));
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
 */
export function decodeHttpInferRequest(model: InferenceModel, body: Buffer, headerLength: number | undefined): DecodedHttpRequest {
  if (headerLength !== undefined && (headerLength < 0 || headerLength > body.length)) {
    throw invalidArgument(`Inference-Header-Content-Length ${headerLength} exceeds the body size ${body.length}`);
  }
  const jsonEnd = headerLength ?? body.length;
  const plan = headerLength !== undefined && headerLength <= kMaxCachedHeader
    ? cachedPlan(model, body, headerLength)
    : planRequest(model, body.toString('utf8', 0, jsonEnd), headerLength);

  let off = jsonEnd;
  const inputs = new Array<Tensor>(plan.inputs.length);
  for (let i = 0; i < plan.inputs.length; i++) {
    const { name, datatype, shape, count, what, binarySize: size, jsonData } = plan.inputs[i]!;
    if (size === undefined) {
      inputs[i] = { name, datatype, shape, data: fromJsonData(datatype, jsonData, count, what) };
      continue;
    }
    if (off + size > body.length) throw invalidArgument(`${what} declares ${size} bytes of binary data but only ${body.length - off} remain in the body`);
    const bytes = body.subarray(off, off + size);
    off += size;
    inputs[i] = { name, datatype, shape, data: datatype === 'BYTES' ? decodeBytesElements(bytes, count, what) : viewOrCopy(datatype, bytes) };
  }
  if (off !== body.length) throw invalidArgument(`the request body has ${body.length - off} bytes after the JSON header that no input claims (binary_data_size)`);

  const request: InferRequest = { parameters: plan.parameters, inputs };
  if (plan.id !== undefined) request.id = plan.id;
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

/** Encodes an inference result; outputs marked binary go into the binary section. */
export function encodeHttpInferResponse(result: InferResult): EncodedHttpResponse {
  let json = `{"model_name":${JSON.stringify(result.model.name)},"model_version":${JSON.stringify(result.model.version)}`;
  if (result.id !== undefined) json += `,"id":${JSON.stringify(result.id)}`;
  json += jsonParameters(result.parameters);
  json += ',"outputs":[';
  let binaryBytes = 0;
  const binaries: Tensor[] = [];
  result.outputs.forEach(({ tensor, binary }, i) => {
    if (i) json += ',';
    json += `{"name":${JSON.stringify(tensor.name)},"datatype":"${tensor.datatype}","shape":[${tensor.shape.join(',')}]`;
    if (binary) {
      const size = tensor.datatype === 'BYTES'
        ? (tensor.data as Buffer[]).reduce((n, e) => n + 4 + e.length, 0)
        : (tensor.data as NumericData).byteLength;
      binaryBytes += size;
      binaries.push(tensor);
      json += `,"parameters":{"binary_data_size":${size}}}`;
    } else {
      json += `,"data":${toJsonDataText(tensor.datatype, tensor.data)}}`;
    }
  });
  json += ']}';
  if (!binaries.length) return { body: Buffer.from(json, 'utf8') };
  const headerLength = Buffer.byteLength(json, 'utf8');
  const body = Buffer.allocUnsafe(headerLength + binaryBytes);
  body.write(json, 0, 'utf8');
  let off = headerLength;
  for (const t of binaries) {
    if (t.datatype === 'BYTES') off = writeBytesElements(t.data as Buffer[], body, off);
    else { const b = bytesOf(t.data as NumericData); body.set(b, off); off += b.byteLength; }
  }
  return { body, headerLength };
}
