// The metrics families fed by the native batcher, with real values: failures by Triton's reason
// (a queue timeout is REJECTED, a failing run BACKEND, requests dropped from the queue when their
// thread goes away CANCELED; refusals before queueing are not counted at all, as in Triton) and
// the pending request gauge. Batches are held by the test_echo gate, never timed. The last test
// runs the real server and reads them from the metrics port.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { closeGate, echoModel, openGate, request, runsEntered, untilEntered } from '../batch/echo-model.js';
import { renderInferenceMetrics, type MetricsModelStats } from '../../lib/metrics/index.js';
import { createServer } from '../../lib/index.js';
import type { BatchedModel } from '../../lib/backends/batcher.js';
import type { InferenceModel } from '../../lib/backends/types.js';
import { registerBackend, unregisterBackend } from '../../lib/repository/backend-registry.js';

afterEach(() => openGate());

/** Every sample of `text` as "name{labels}" -> value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of text.split('\n')) {
    const m = /^(\S+) (\S+)$/.exec(l);
    if (m && !l.startsWith('#')) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

const failure = (model: string, reason: string, version = '1') => `nv_inference_request_failure{model="${model}",reason="${reason}",version="${version}"}`;
const pending = (model: string, version = '1') => `nv_inference_pending_request_count{model="${model}",version="${version}"}`;
const success = (model: string, version = '1') => `nv_inference_request_success{model="${model}",version="${version}"}`;

function scrape(model: BatchedModel): Map<string, number> {
  return samples(renderInferenceMetrics([{ name: 'echo', version: '1', stats: model.stats() }]));
}

/** What both scenarios end with: two successes, one queue timeout, one failed run, nothing queued. */
function assertTimeoutAndBackendFailure(m: Map<string, number>): void {
  assert.equal(m.get(success('echo')), 2);
  assert.equal(m.get(failure('echo', 'REJECTED')), 1);
  assert.equal(m.get(failure('echo', 'BACKEND')), 1);
  assert.equal(m.get(failure('echo', 'CANCELED')), 0);
  assert.equal(m.get(failure('echo', 'OTHER')), 0);
  assert.equal(m.get(pending('echo')), 0);
}

test('queue timeout -> REJECTED, failing run -> BACKEND; queue full and bad requests are not counted; pending = queued', async () => {
  // A 600 s queue timeout that a request may shorten (Triton lets an override only shorten it).
  const model = echoModel({ maxBatchSize: 1, maxQueueSize: 2, defaultTimeoutUs: 600_000_000, allowTimeoutOverride: true }, { failValue: -7 });
  closeGate();
  const start = runsEntered();
  const a = model.infer(request(1));
  await untilEntered(start, 1);  // a runs (held at the gate): the next requests queue
  const late = assert.rejects(model.infer(request(2), { timeoutUs: 1000 }), /timeout/i);
  const patient = model.infer(request(3));
  await assert.rejects(model.infer(request(4)), /queue size/, 'the queue holds 2');
  await assert.rejects(model.infer(request(5, 2)), /max_batch_size/, 'refused before it is queued');
  let m = scrape(model);
  assert.equal(m.get(pending('echo')), 2, 'two requests wait in the queue; the running one is not pending');
  for (const r of ['REJECTED', 'CANCELED', 'BACKEND', 'OTHER']) assert.equal(m.get(failure('echo', r)), 0, r);

  await new Promise((r) => setTimeout(r, 5));  // let late's 1 ms pass (not a timing assertion)
  openGate();
  await a;
  await late;
  assert.equal((await patient)[0]!.data[0], 300);
  const bad = request(6);
  (bad[0]!.data as Float32Array)[1] = -7;
  await assert.rejects(model.infer(bad), /fail value/);

  m = scrape(model);
  assertTimeoutAndBackendFailure(m);
  const s = model.stats() as MetricsModelStats;
  assert.equal(s.fail.count, 2, 'the statistics extension counts the same failures');
  assert.deepEqual(s.failReasons, { rejected: 1, canceled: 0, backend: 1 });
  await model.unload();
});

test('requests dropped from the queue when their worker thread exits are CANCELED', async () => {
  const model = echoModel({ maxBatchSize: 4 });
  closeGate();
  const start = runsEntered();
  const mine = model.infer(request(1));
  await untilEntered(start, 1);
  let queuedPending = -1;
  await new Promise<void>((resolve, reject) => {
    const w = new Worker(new URL('../batch/fixtures/echo-worker.js', import.meta.url), { workerData: { id: model.id, count: 20, base: 100, mode: 'abandon' } });
    w.on('message', (msg: { queued?: number }) => {
      if (!msg.queued) return;
      queuedPending = scrape(model).get(pending('echo'))!;
      void w.terminate();
    });
    w.on('error', reject);
    w.on('exit', () => resolve());
  });
  assert.equal(queuedPending, 20, 'the worker\'s 20 requests were pending');
  // The worker's environment drops its queued requests as it is torn down.
  for (let i = 0; i < 2000 && scrape(model).get(pending('echo')) !== 0; i++) await new Promise((r) => setTimeout(r, 5));
  const m = scrape(model);
  assert.equal(m.get(pending('echo')), 0);
  assert.equal(m.get(failure('echo', 'CANCELED')), 20);
  assert.equal(m.get(failure('echo', 'REJECTED')), 0);
  assert.equal(m.get(failure('echo', 'BACKEND')), 0);
  openGate();
  assert.equal((await mine)[0]!.data[0], 100);
  assert.equal(scrape(model).get(success('echo')), 1);
  await model.unload();
});

test('end to end: the server\'s metrics port shows the reasons and the pending count of a native model', async () => {
  // A backend serving the test_echo runner, so the gate can hold its batches.
  registerBackend({
    name: 'metrics_echo',
    metadataPlatform: () => 'metrics_echo',
    defaultModelFilename: () => 'model.echo',
    async load(config, ctx): Promise<InferenceModel> {
      const m = echoModel({ maxBatchSize: 1, maxQueueSize: 2, defaultTimeoutUs: 600_000_000, allowTimeoutOverride: true, instanceCount: 1 }, { failValue: -7 });
      return {
        name: config.name, version: ctx.version, platform: 'metrics_echo', maxBatchSize: m.maxBatchSize,
        inputs: m.inputs, outputs: m.outputs, responseParameters: {},
        infer: (inputs, options) => m.infer(inputs, options),
        stats: () => m.stats(),
        unload: () => m.unload(),
      };
    },
  });
  const root = mkdtempSync(path.join(os.tmpdir(), 'larch-metrics-'));
  mkdirSync(path.join(root, 'echo', '1'), { recursive: true });
  writeFileSync(path.join(root, 'echo', '1', 'model.echo'), '');
  writeFileSync(path.join(root, 'echo', 'config.pbtxt'), `backend: "metrics_echo"
max_batch_size: 1
input [ { name: "x" data_type: TYPE_FP32 dims: [ 3 ] }, { name: "k" data_type: TYPE_INT64 dims: [ 2 ] } ]
output [ { name: "x_out" data_type: TYPE_FP32 dims: [ 3 ] }, { name: "k_out" data_type: TYPE_INT64 dims: [ 2 ] } ]
`);
  const server = await createServer({
    modelRepository: root, httpPort: 0, grpcPort: 0, metricsPort: 0, httpAddress: '127.0.0.1', grpcAddress: '127.0.0.1',
    metricsAddress: '127.0.0.1', httpThreadCount: 1, log: () => {},
  });
  try {
    const base = `http://127.0.0.1:${server.httpPort}`;
    const infer = async (tag: number, parameters?: Record<string, unknown>, x1 = tag * 100 + 1): Promise<number> => {
      const body = JSON.stringify({
        inputs: [
          { name: 'x', datatype: 'FP32', shape: [1, 3], data: [tag * 100, x1, tag * 100 + 2] },
          { name: 'k', datatype: 'INT64', shape: [1, 2], data: [tag, tag] },
        ],
        ...(parameters ? { parameters } : {}),
      });
      const r = await fetch(`${base}/v2/models/echo/infer`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      await r.arrayBuffer();
      return r.status;
    };
    const metrics = async () => samples(await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text());

    closeGate();
    const start = runsEntered();
    const a = infer(1);
    await untilEntered(start, 1);
    const late = infer(2, { timeout: 1000 });
    const patient = infer(3);
    for (let i = 0; i < 2000 && (await metrics()).get(pending('echo')) !== 2; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal((await metrics()).get(pending('echo')), 2);
    assert.notEqual(await infer(4), 200, 'the queue is full: refused, not counted');
    await new Promise((r) => setTimeout(r, 5));  // let late's 1 ms pass (not a timing assertion)
    openGate();
    assert.equal(await a, 200);
    assert.notEqual(await late, 200, 'its queue timeout expired');
    assert.equal(await patient, 200);
    assert.notEqual(await infer(5, undefined, -7), 200, 'the runner fails on the value -7');

    const m = await metrics();
    assertTimeoutAndBackendFailure(m);
    assert.equal(m.get('nv_pinned_memory_pool_total_bytes'), 0);
    // The statistics extension reports the same failures.
    const stats = await (await fetch(`${base}/v2/models/echo/stats`)).json() as { model_stats: Array<{ inference_stats: { fail: { count: number } } }> };
    assert.equal(stats.model_stats[0]!.inference_stats.fail.count, 2);
  } finally {
    openGate();
    await server.close();
    unregisterBackend('metrics_echo');
    rmSync(root, { recursive: true, force: true });
  }
});
