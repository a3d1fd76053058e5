// Small KServe v2 clients for the end-to-end tests: HTTP JSON, HTTP binary (binary tensor data
// extension) and gRPC (raw contents), each returning outputs as typed arrays by name.
import type { DataType } from '../../lib/backends/types.js';
import type { InferenceClient } from './grpc-client.js';

export interface ClientTensor { name: string; datatype: DataType; shape: number[]; data: ArrayLike<number | bigint> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number } }
export type Outputs = Map<string, { datatype: string; shape: number[]; data: ArrayLike<number | bigint> }>;

const views: Partial<Record<string, (b: ArrayBuffer) => ArrayLike<number | bigint>>> = {
  FP32: (b) => new Float32Array(b), FP64: (b) => new Float64Array(b), INT64: (b) => new BigInt64Array(b),
  INT32: (b) => new Int32Array(b), UINT8: (b) => new Uint8Array(b), BOOL: (b) => new Uint8Array(b),
};

function fromBytes(datatype: string, bytes: Uint8Array): ArrayLike<number | bigint> {
  const copy = Uint8Array.prototype.slice.call(bytes).buffer as ArrayBuffer; // a copy, aligned
  const view = views[datatype];
  if (!view) throw new Error(`test client cannot decode ${datatype}`);
  return view(copy);
}

export class HttpError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

export async function inferJson(base: string, model: string, inputs: ClientTensor[], id?: string): Promise<Outputs> {
  // Written like Python's json module: NaN as the bare token (what tritonclient sends).
  const body = JSON.stringify({
    id,
    inputs: inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, data: Array.from(t.data as ArrayLike<number | bigint>, (v) => (Number.isNaN(Number(v)) ? 'NaN-TOKEN' : Number(v))) })),
  }).replaceAll('"NaN-TOKEN"', 'NaN');
  const r = await fetch(`${base}/v2/models/${model}/infer`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const doc = await r.json() as { error?: string; id?: string; outputs: Array<{ name: string; datatype: string; shape: number[]; data: number[] }> };
  if (r.status !== 200) throw new HttpError(r.status, doc.error ?? '');
  if (id !== undefined && doc.id !== id) throw new Error(`response id ${doc.id} != request id ${id}`);
  return new Map(doc.outputs.map((o) => [o.name, { datatype: o.datatype, shape: o.shape, data: o.datatype === 'INT64' ? o.data.map(BigInt) : o.data }]));
}

export async function inferBinary(base: string, model: string, inputs: ClientTensor[]): Promise<Outputs> {
  const header = Buffer.from(JSON.stringify({
    inputs: inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, parameters: { binary_data_size: t.data.byteLength } })),
    parameters: { binary_data_output: true },
  }));
  const body = Buffer.concat([header, ...inputs.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))]);
  const r = await fetch(`${base}/v2/models/${model}/infer`, { method: 'POST', body, headers: { 'inference-header-content-length': String(header.length) } });
  const buf = Buffer.from(await r.arrayBuffer());
  if (r.status !== 200) throw new HttpError(r.status, JSON.parse(buf.toString()).error);
  const hl = Number(r.headers.get('inference-header-content-length'));
  const doc = JSON.parse(buf.subarray(0, hl).toString()) as { outputs: Array<{ name: string; datatype: string; shape: number[]; parameters: { binary_data_size: number } }> };
  let off = hl;
  const out: Outputs = new Map();
  for (const o of doc.outputs) {
    const n = o.parameters.binary_data_size;
    out.set(o.name, { datatype: o.datatype, shape: o.shape, data: fromBytes(o.datatype, buf.subarray(off, off + n)) });
    off += n;
  }
  return out;
}

export async function inferGrpc(client: InferenceClient, model: string, inputs: ClientTensor[]): Promise<Outputs> {
  const res = await client.call('ModelInfer', {
    model_name: model,
    inputs: inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
    raw_input_contents: inputs.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
  });
  const out: Outputs = new Map();
  (res.outputs as Array<{ name: string; datatype: string; shape: string[] }>).forEach((o, i) => {
    out.set(o.name, { datatype: o.datatype, shape: o.shape.map(Number), data: fromBytes(o.datatype, new Uint8Array(res.raw_output_contents[i])) });
  });
  return out;
}
