// The repository behind the real server: HTTP model control, config, index, statistics and the
// Prometheus endpoint, with the fake backend (real backends are covered by their own suites).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from '../../lib/index.js';
import { registerBackend, unregisterBackend } from '../../lib/repository/backend-registry.js';
import { fakeBackend } from './fake-backend.js';
import { TempRepo } from './helpers.js';

before(() => registerBackend(fakeBackend));
after(() => unregisterBackend('fake'));

test('model control, config, index, statistics and metrics through the HTTP server', async () => {
  const dir = new TempRepo().model('a', { 1: 2 }, `backend: "fake" max_batch_size: 4
    input [{ name: "input__0" data_type: TYPE_FP32 dims: [ 2 ] }]
    output [{ name: "output__0" data_type: TYPE_FP32 dims: [ 2 ] }]`);
  const server = await createServer({
    modelRepository: dir.root, modelControlMode: 'explicit', loadModels: [], httpPort: 0, grpcPort: 0, metricsPort: 0,
    allowGrpc: false, httpAddress: '127.0.0.1', metricsAddress: '127.0.0.1', httpThreadCount: 1, log: () => undefined,
  });
  const url = (p: string) => `http://127.0.0.1:${server.httpPort}${p}`;
  const post = (p: string, body?: unknown) => fetch(url(p), { method: 'POST', body: body === undefined ? '' : JSON.stringify(body) });
  try {
    let r = await post('/v2/repository/index');
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), [{ name: 'a', state: 'UNAVAILABLE' }], 'empty fields are left out, as Triton does');
    assert.equal((await post('/v2/repository/models/a/load')).status, 200);
    r = await post('/v2/models/a/infer', { inputs: [{ name: 'input__0', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] });
    assert.equal(r.status, 200, await r.clone().text());
    assert.deepEqual(((await r.json()) as { outputs: Array<{ data: number[] }> }).outputs[0]!.data, [2, 4]);

    const cfg = (await (await fetch(url('/v2/models/a/config'))).json()) as Record<string, any>;
    assert.equal(cfg.name, 'a');
    assert.deepEqual(cfg.input[0].dims, [2]);
    assert.equal(cfg.input[0].data_type, 'TYPE_FP32');

    // A load request carrying its config and files (base64) for a model that is not on disk.
    r = await post('/v2/repository/models/b/load', { parameters: {
      config: JSON.stringify({ backend: 'fake', max_batch_size: 2 }),
      'file:5/model.fake': Buffer.from('{"scale":10}').toString('base64'),
    } });
    assert.equal(r.status, 200, await r.clone().text());
    r = await post('/v2/models/b/versions/5/infer', { inputs: [{ name: 'input__0', datatype: 'FP32', shape: [1, 1], data: [3] }] });
    assert.equal(r.status, 200, await r.clone().text());

    // A load that fails answers with the reason; the model keeps serving.
    r = await post('/v2/repository/models/a/load', { parameters: { config: '{"backend":"fake","max_batch_size":4,"dynamic_batching":{"preferred_batch_size":[8]}}' } });
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as { error: string }).error, /preferred_batch_size 8 exceeds max_batch_size 4 \(model "a"\)/);
    assert.equal((await fetch(url('/v2/models/a/ready'))).status, 200);

    const stats = (await (await fetch(url('/v2/models/a/stats'))).json()) as { model_stats: Array<Record<string, any>> };
    assert.equal(stats.model_stats[0]!.name, 'a');
    assert.equal(stats.model_stats[0]!.inference_stats.success.count, 1);

    const metrics = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    assert.match(metrics, /^nv_inference_request_success\{model="a",version="1"\} 1$/m);
    assert.match(metrics, /^nv_inference_request_success\{model="b",version="5"\} 1$/m);

    assert.equal((await post('/v2/repository/models/a/unload')).status, 200);
    r = await post('/v2/repository/index');
    const index = (await r.json()) as Array<{ name: string; state: string; reason: string }>;
    assert.deepEqual(index.map((e) => `${e.name}:${e.state}:${e.reason ?? ''}`), ['a:UNAVAILABLE:unloaded', 'b:READY:']);
    assert.notEqual((await fetch(url('/v2/models/a/ready'))).status, 200);
  } finally {
    await server.close();
    dir.cleanup();
  }
});
