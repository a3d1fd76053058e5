// End to end: the real server (createServer over a Triton repository of fixture models) on
// ephemeral ports; predictions over HTTP JSON, HTTP binary and gRPC must equal the fixtures'
// expected outputs, and many concurrent clients must each get exactly their own rows back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LarchServer } from '../../lib/index.js';
import { compare, filCases, onnxCases, rowSlice, tempRepository, type ServedCase } from './fixture-repo.js';
import { inferBinary, inferGrpc, inferJson, type ClientTensor, type Outputs } from './clients.js';
import type { InferenceClient } from './grpc-client.js';
import { startServing, stopServing } from './e2e-server.js';

let root = '';
let cases: ServedCase[] = [];
let server: LarchServer;
let base = '';
let grpc: InferenceClient;

before(async () => {
  root = tempRepository();
  cases = [...filCases(root), ...onnxCases(root)];
  // Two HTTP threads: requests landing on the worker run the fil models through the worker's own
  // handle on the native batcher, the ONNX models through the main thread.
  ({ server, base, grpc } = await startServing(root, { httpThreadCount: 2 }));
});
after(() => stopServing({ server, grpc }, root));

function request(c: ServedCase, start: number, n: number): ClientTensor[] {
  return c.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.perRow === 1 && t.data.length === c.rows ? [n] : [n, t.perRow], data: rowSlice(t, start, n) }));
}

function check(c: ServedCase, got: Outputs, start: number, n: number, how: string): void {
  for (const o of c.outputs) {
    const g = got.get(o.name);
    assert.ok(g, `${how}: ${c.model} returned no output ${o.name} (got ${[...got.keys()].join(', ')})`);
    const msg = compare(g.data, rowSlice(o, start, n), o.tolerance);
    assert.equal(msg, '', `${how}: ${c.model} output ${o.name} rows ${start}..${start + n}: ${msg}`);
  }
}

describe('predictions equal the fixtures over every transport', () => {
  it('every fixture model is READY', async () => {
    const r = await fetch(`${base}/v2/repository/index`, { method: 'POST', body: '{}' });
    const idx = await r.json() as Array<{ name: string; state: string; reason?: string }>;
    for (const c of cases) {
      const e = idx.find((x) => x.name === c.model);
      assert.equal(e?.state, 'READY', `${c.model}: ${e?.reason}`);
    }
  });
  for (const how of ['HTTP JSON', 'HTTP binary', 'gRPC'] as const) {
    it(how, async () => {
      for (const c of cases) {
        for (let start = 0; start < c.rows; start += 64) {
          const n = Math.min(64, c.rows - start);
          const inputs = request(c, start, n);
          const got = how === 'HTTP JSON' ? await inferJson(base, c.model, inputs) : how === 'HTTP binary' ? await inferBinary(base, c.model, inputs) : await inferGrpc(grpc, c.model, inputs);
          check(c, got, start, n, how);
        }
      }
    });
  }
});

describe('concurrency', () => {
  it('many concurrent clients each get exactly their own rows back', async () => {
    const c = cases.find((x) => x.model === 'xgb_multi_softprob4')!;
    const jobs: Array<Promise<void>> = [];
    for (let k = 0; k < 120; k++) {
      const start = (k * 37) % (c.rows - 3);
      const n = 1 + (k % 3);
      const inputs = request(c, start, n);
      const how = k % 3;
      jobs.push((how === 0 ? inferJson(base, c.model, inputs, `r${k}`) : how === 1 ? inferBinary(base, c.model, inputs) : inferGrpc(grpc, c.model, inputs))
        .then((got) => check(c, got, start, n, `client ${k}`)));
    }
    await Promise.all(jobs);
  });
});

describe('statistics and metrics', () => {
  it('count the requests served', async () => {
    const c = cases[0]!;
    const stats = await (await fetch(`${base}/v2/models/${c.model}/stats`)).json() as { model_stats: Array<{ inference_count: number; inference_stats: { success: { count: number } } }> };
    // Three transports, ceil(rows / 64) requests each (a non-batching model counts requests).
    assert.ok(stats.model_stats[0]!.inference_stats.success.count >= 3 * Math.ceil(c.rows / 64), JSON.stringify(stats));
    const metrics = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    assert.match(metrics, new RegExp(`nv_inference_request_success\\{model="${c.model}",version="1"\\} \\d+`));
    assert.match(metrics, /nv_inference_count/);
    assert.match(metrics, new RegExp(`^nv_model_load_duration_secs\\{model="${c.model}",version="1"\\} \\d+(\\.\\d+)?(e-\\d+)?$`, 'm'));
  });
});
