// ONNX models served end to end: a real Triton model repository on disk, `createServer` on
// ephemeral ports, the fixtures over HTTP (JSON and binary tensors) and gRPC (raw contents),
// int64 outputs exact, auto-complete visible in the config endpoint, and broken models listed
// as UNAVAILABLE with their reason while the others keep serving.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer, type LarchServer } from '../../lib/server/create-server.js';
import type { Tensor } from '../../lib/backends/types.js';
import { onnxAvailability } from '../../lib/onnx/runtime.js';
import { grpcClient, type InferenceClient } from '../server/grpc-client.js';
import { asServed, assertOutputsMatch, onnxCases, sliceRows, type OnnxCase } from './onnx-fixtures.js';
import { OnnxType, identityModel } from './onnx-builder.js';

const available = onnxAvailability().available;
const cases = onnxCases().map(asServed);
const short = (c: OnnxCase) => c.id.replace(/^onnx_/, '');

function buildRepository(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'larch-onnx-repo-'));
  const model = (name: string, config: string | undefined, file?: string | Uint8Array) => {
    mkdirSync(path.join(root, name, '1'), { recursive: true });
    if (config !== undefined) writeFileSync(path.join(root, name, 'config.pbtxt'), config);
    if (typeof file === 'string') copyFileSync(file, path.join(root, name, '1', 'model.onnx'));
    else if (file) writeFileSync(path.join(root, name, '1', 'model.onnx'), file);
  };
  // The fixtures, big enough to take their 500 rows in one request; one instance each.
  for (const c of cases) {
    model(short(c), `platform: "onnxruntime_onnx"\nmax_batch_size: 1000\ninstance_group [ { count: 1 kind: KIND_CPU } ]\n`, c.modelFile);
  }
  // Everything auto-completed from the model (max_batch_size 4, dynamic batching).
  model('auto', 'backend: "onnxruntime"\n', cases.find((c) => c.id === 'onnx_two_inputs_two_outputs')!.modelFile);
  model('strings', 'backend: "onnxruntime"\n', identityModel(OnnxType.STRING));
  model('garbage', 'backend: "onnxruntime"\n', Uint8Array.from([7, 7, 7, 7, 0, 1, 2]));
  model('nofile', 'backend: "onnxruntime"\n');
  model('future_opset', 'backend: "onnxruntime"\n', identityModel(OnnxType.FLOAT, [3], 99));
  return root;
}

async function postJson(port: number, model: string, body: unknown): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await fetch(`http://127.0.0.1:${port}/v2/models/${model}/infer`, { method: 'POST', body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}

const jsonData = (t: Tensor) => (t.datatype === 'INT64' ? Array.from(t.data as BigInt64Array, Number) : Array.from(t.data as Float32Array));
const rawBytes = (t: Tensor) => Buffer.from((t.data as Float32Array).buffer, (t.data as Float32Array).byteOffset, (t.data as Float32Array).byteLength);

function tensorFrom(name: string, datatype: string, shape: number[], bytes: Uint8Array): Tensor {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  const data = datatype === 'INT64' ? new BigInt64Array(copy.buffer) : new Float32Array(copy.buffer);
  return { name, datatype: datatype as Tensor['datatype'], shape: shape.map(Number), data };
}

describe('ONNX models in larch serve', { skip: !available && 'ONNX Runtime unavailable in this build' }, () => {
  let root: string;
  let server: LarchServer;
  let grpc: InferenceClient;

  before(async () => {
    root = buildRepository();
    server = await createServer({
      modelRepository: root, httpPort: 0, grpcPort: 0, allowMetrics: false, exitOnError: false,
      httpAddress: '127.0.0.1', grpcAddress: '127.0.0.1',
    });
    grpc = grpcClient(server.grpcPort);
  });
  after(async () => {
    grpc?.close();
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  for (const c of cases) {
    it(`${c.id} over HTTP JSON`, async () => {
      const r = await postJson(server.httpPort, short(c), {
        inputs: c.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, data: jsonData(t) })),
      });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const outputs = (r.json.outputs as Array<{ name: string; datatype: string; shape: number[]; data: number[] }>).map((o) => {
        const data = o.datatype === 'INT64' ? BigInt64Array.from(o.data.map((v) => BigInt(v))) : Float32Array.from(o.data);
        return { name: o.name, datatype: o.datatype, shape: o.shape, data } as Tensor;
      });
      assertOutputsMatch(c, outputs);
    });

    it(`${c.id} over HTTP with binary tensors`, async () => {
      const header = Buffer.from(JSON.stringify({
        inputs: c.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, parameters: { binary_data_size: rawBytes(t).length } })),
        parameters: { binary_data_output: true },
      }));
      const body = Buffer.concat([header, ...c.inputs.map(rawBytes)]);
      const r = await fetch(`http://127.0.0.1:${server.httpPort}/v2/models/${short(c)}/infer`, {
        method: 'POST', body, headers: { 'Inference-Header-Content-Length': String(header.length), 'Content-Type': 'application/octet-stream' },
      });
      assert.equal(r.status, 200);
      const all = Buffer.from(await r.arrayBuffer());
      const h = Number(r.headers.get('inference-header-content-length'));
      const json = JSON.parse(all.subarray(0, h).toString()) as { outputs: Array<{ name: string; datatype: string; shape: number[]; parameters: { binary_data_size: number } }> };
      let at = h;
      const outputs = json.outputs.map((o) => {
        const size = o.parameters.binary_data_size;
        const t = tensorFrom(o.name, o.datatype, o.shape, all.subarray(at, at + size));
        at += size;
        return t;
      });
      assert.equal(at, all.length);
      assertOutputsMatch(c, outputs);
    });

    it(`${c.id} over gRPC with raw contents`, async () => {
      const res = await grpc.call('ModelInfer', {
        model_name: short(c),
        inputs: c.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
        raw_input_contents: c.inputs.map(rawBytes),
      });
      const outputs = (res.outputs as Array<{ name: string; datatype: string; shape: string[] }>).map((o, i) =>
        tensorFrom(o.name, o.datatype, o.shape.map(Number), res.raw_output_contents[i]));
      assertOutputsMatch(c, outputs);
    });
  }

  it('auto-complete fills the config from the model: max_batch_size 4, dims, dynamic batching', async () => {
    const cfg = await (await fetch(`http://127.0.0.1:${server.httpPort}/v2/models/auto/config`)).json() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(cfg.platform, 'onnxruntime_onnx');
    assert.equal(cfg.max_batch_size, 4);
    assert.ok(cfg.dynamic_batching);
    assert.deepEqual(cfg.input.map((i: { name: string; data_type: string; dims: number[] }) => [i.name, i.data_type, i.dims]), [['x', 'TYPE_FP32', [4]], ['k', 'TYPE_INT64', [1]]]);
    const meta = await (await fetch(`http://127.0.0.1:${server.httpPort}/v2/models/auto`)).json() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(meta.platform, 'onnxruntime_onnx');
    assert.deepEqual(meta.inputs[0], { name: 'x', datatype: 'FP32', shape: [-1, 4] });
  });

  it('concurrent requests on a batching model each get their own rows', async () => {
    const c = cases.find((x) => x.id === 'onnx_two_inputs_two_outputs')!;
    const results = await Promise.all(Array.from({ length: 40 }, async (_, r) => {
      const rows = c.inputs.map((t) => sliceRows(t, r * 2, 2));
      const res = await grpc.call('ModelInfer', {
        model_name: 'auto', inputs: rows.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })), raw_input_contents: rows.map(rawBytes),
      });
      return (res.outputs as Array<{ name: string; datatype: string; shape: string[] }>).map((o, i) => tensorFrom(o.name, o.datatype, o.shape.map(Number), res.raw_output_contents[i]));
    }));
    results.forEach((out, r) => assertOutputsMatch(c, out, c.expected.map((t) => sliceRows(t, r * 2, 2))));
  });

  it('BYTES tensors travel as ONNX strings', async () => {
    const r = await postJson(server.httpPort, 'strings', { inputs: [{ name: 'x', datatype: 'BYTES', shape: [1, 3], data: ['a', 'bé', ''] }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(r.json.outputs[0].data, ['a', 'bé', '']);
  });

  it('broken models are UNAVAILABLE with their reason; the rest keep serving', async () => {
    const index = await (await fetch(`http://127.0.0.1:${server.httpPort}/v2/repository/index`, { method: 'POST', body: '{}' })).json() as Array<{ name: string; state: string; reason: string }>;
    const byName = new Map(index.map((e) => [e.name, e]));
    assert.equal(byName.get('garbage')?.state, 'UNAVAILABLE');
    assert.match(byName.get('garbage')!.reason, /[Pp]rotobuf parsing failed/);
    assert.equal(byName.get('nofile')?.state, 'UNAVAILABLE');
    assert.match(byName.get('nofile')!.reason, /no model file 1\/model.onnx/);
    assert.equal(byName.get('future_opset')?.state, 'UNAVAILABLE');
    assert.match(byName.get('future_opset')!.reason, /[Oo]pset 99/);
    for (const c of cases) assert.equal(byName.get(short(c))?.state, 'READY');
    const r = await postJson(server.httpPort, 'garbage', { inputs: [] });
    assert.ok(r.status === 400 || r.status === 503 || r.status === 404, String(r.status));
  });

  it('wrong input names, datatypes and shapes get 400 with a clear message; the server keeps serving', async () => {
    const c = cases.find((x) => x.id === 'onnx_mlp_softmax')!;
    const one = sliceRows(c.inputs[0]!, 0, 1);
    const good = { name: 'X', datatype: 'FP32', shape: [1, 8], data: jsonData(one) };
    const bad: Array<[unknown, RegExp]> = [
      [{ ...good, name: 'Y' }, /Y/],
      [{ ...good, datatype: 'FP64' }, /FP64|FP32/],
      [{ ...good, shape: [1, 7], data: jsonData(one).slice(0, 7) }, /\[1,7\]|shape/],
      [{ ...good, shape: [2000, 8], data: new Array(16000).fill(0) }, /batch|max_batch_size|1000/],
    ];
    for (const [input, pattern] of bad) {
      const r = await postJson(server.httpPort, 'mlp_softmax', { inputs: [input] });
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.match(r.json.error, pattern);
    }
    await assert.rejects(grpc.call('ModelInfer', { model_name: 'mlp_softmax', inputs: [{ name: 'X', datatype: 'FP32', shape: [1, 8] }], raw_input_contents: [Buffer.alloc(12)] }),
      (e: { code: number; details: string }) => e.code === 3 && /bytes|size|32/.test(e.details));
    const ok = await postJson(server.httpPort, 'mlp_softmax', { inputs: [good] });
    assert.equal(ok.status, 200);
  });
});

describe('ONNX models without ONNX Runtime', { skip: available && 'ONNX Runtime is available here' }, () => {
  it('are listed UNAVAILABLE with the reason while other models serve', async () => {
    const root = buildRepository();
    const server = await createServer({ modelRepository: root, httpPort: 0, allowGrpc: false, allowMetrics: false, exitOnError: false, httpAddress: '127.0.0.1' });
    try {
      const index = await (await fetch(`http://127.0.0.1:${server.httpPort}/v2/repository/index`, { method: 'POST', body: '{}' })).json() as Array<{ name: string; state: string; reason: string }>;
      const mlp = index.find((e) => e.name === 'mlp_softmax')!;
      assert.equal(mlp.state, 'UNAVAILABLE');
      assert.match(mlp.reason, /ONNX models are unavailable/);
      assert.equal((await fetch(`http://127.0.0.1:${server.httpPort}/v2/health/live`)).status, 200);
    } finally {
      await server.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
