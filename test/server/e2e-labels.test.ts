// Output labels (label_filename in config.pbtxt): the classification extension returns
// "score:index:label" over HTTP (both threads) and gRPC; a label file that is missing or outside
// the model directory makes that model UNAVAILABLE with the reason while the others serve.
import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LarchServer } from '../../lib/index.js';
import { filCases, rowSlice, tempRepository, type ServedCase } from './fixture-repo.js';
import type { InferenceClient } from './grpc-client.js';
import { startServing, stopServing } from './e2e-server.js';

let root = '';
let server: LarchServer;
let base = '';
let grpc: InferenceClient;
let multi: ServedCase;
const labels = ['setosa', 'versicolor', 'virginica'];

function configWithLabels(labelFile: string): string {
  return `backend: "fil"
max_batch_size: 64
input [ { name: "input__0" data_type: TYPE_FP32 dims: [ -1 ] } ]
output [ { name: "output__0" data_type: TYPE_FP32 dims: [ 3 ] label_filename: "${labelFile}" } ]
parameters [ { key: "model_type" value: { string_value: "lightgbm" } },
             { key: "output_class" value: { string_value: "false" } } ]
`;
}

before(async () => {
  root = tempRepository();
  [multi] = filCases(root, ['lgb_multiclass3.probability']) as [ServedCase];
  const width = multi.inputs[0]!.perRow;
  const config = configWithLabels('labels.txt').replace('dims: [ -1 ]', `dims: [ ${width} ]`);
  writeFileSync(path.join(root, multi.model, 'config.pbtxt'), config);
  writeFileSync(path.join(root, multi.model, 'labels.txt'), labels.join('\r\n') + '\r\n');
  // The same model twice more, with broken label files.
  for (const [name, file] of [['missing_labels', 'nope.txt'], ['escaping_labels', '../labels.txt']] as const) {
    cpSync(path.join(root, multi.model), path.join(root, name), { recursive: true });
    writeFileSync(path.join(root, name, 'config.pbtxt'), config.replace('"labels.txt"', `"${file}"`));
  }
  ({ server, base, grpc } = await startServing(root, { httpThreadCount: 2, exitOnError: false }));
});
after(() => stopServing({ server, grpc }, root));

/** The top-2 "score:index:label" strings Triton would return for row r of the fixture. */
function expectedTop2(r: number): string[] {
  const p = Array.from(rowSlice(multi.outputs[0]!, r, 1) as ArrayLike<number>, Number);
  const order = [0, 1, 2].sort((a, b) => p[b]! - p[a]! || a - b);
  return order.slice(0, 2).map((i) => `${Math.fround(p[i]!).toFixed(6)}:${i}:${labels[i]}`);
}

describe('label_filename', () => {
  it('classification answers carry the labels over HTTP JSON, on every HTTP thread', async () => {
    const x = Array.from(rowSlice(multi.inputs[0]!, 0, 2) as ArrayLike<number>, Number);
    // Missing values as the bare NaN token, as tritonclient sends them.
    const body = JSON.stringify({
      inputs: [{ name: 'input__0', datatype: 'FP32', shape: [2, multi.inputs[0]!.perRow], data: x.map((v) => (Number.isNaN(v) ? 'NaN-TOKEN' : v)) }],
      outputs: [{ name: 'output__0', parameters: { classification: 2 } }],
    }).replaceAll('"NaN-TOKEN"', 'NaN');
    // Several requests: new connections land on both HTTP threads.
    for (let i = 0; i < 6; i++) {
      const r = await fetch(`${base}/v2/models/${multi.model}/infer`, { method: 'POST', body, headers: { connection: 'close' } });
      const doc = await r.json() as { outputs: Array<{ datatype: string; shape: number[]; data: string[] }> };
      assert.equal(r.status, 200, JSON.stringify(doc));
      assert.equal(doc.outputs[0]!.datatype, 'BYTES');
      assert.deepEqual(doc.outputs[0]!.shape, [2, 2]);
      assert.deepEqual(doc.outputs[0]!.data, [...expectedTop2(0), ...expectedTop2(1)]);
    }
  });

  it('classification answers carry the labels over gRPC', async () => {
    const x = rowSlice(multi.inputs[0]!, 0, 1) as Float32Array;
    const res = await grpc.call('ModelInfer', {
      model_name: multi.model,
      inputs: [{ name: 'input__0', datatype: 'FP32', shape: [1, multi.inputs[0]!.perRow] }],
      outputs: [{ name: 'output__0', parameters: { classification: { int64_param: 2 } } }],
      raw_input_contents: [Buffer.from(Float32Array.from(x).buffer)],
    }) as { outputs: Array<{ datatype: string; shape: Array<number | string> }>; raw_output_contents: Uint8Array[] };
    assert.equal(res.outputs[0]!.datatype, 'BYTES');
    assert.deepEqual(res.outputs[0]!.shape.map(Number), [1, 2]);
    // BYTES in raw form: each element is a 4-byte little-endian length and its bytes.
    const raw = Buffer.from(res.raw_output_contents[0]!);
    const got: string[] = [];
    for (let off = 0; off < raw.length;) { const n = raw.readUInt32LE(off); got.push(raw.toString('utf8', off + 4, off + 4 + n)); off += 4 + n; }
    assert.deepEqual(got, expectedTop2(0));
  });

  it('a missing label file, or one outside the model directory, fails that model with the reason', async () => {
    const r = await fetch(`${base}/v2/repository/index`, { method: 'POST', body: '{}' });
    const index = await r.json() as Array<{ name: string; state: string; reason: string }>;
    const missing = index.find((m) => m.name === 'missing_labels')!;
    const escaping = index.find((m) => m.name === 'escaping_labels')!;
    assert.equal(missing.state, 'UNAVAILABLE');
    assert.match(missing.reason, /label_filename "nope.txt" of output "output__0".*cannot be read/);
    assert.equal(escaping.state, 'UNAVAILABLE');
    assert.match(escaping.reason, /must name a file inside the model directory/);
    assert.equal(index.find((m) => m.name === multi.model)!.state, 'READY');
  });
});
