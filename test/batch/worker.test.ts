// Worker threads enqueue into the SAME native model and batcher as the main thread (the
// process-wide registry), each with its own completion route; a worker that exits with
// requests in flight does not disturb the model.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { closeGate, echoModel, openGate, request, runsEntered, untilEntered } from './echo-model.js';

afterEach(() => openGate());
const workerFile = new URL('./fixtures/echo-worker.js', import.meta.url);

function runWorker(data: Record<string, unknown>, onMessage?: (m: Record<string, unknown>, w: Worker) => void): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerFile, { workerData: data });
    let last: Record<string, unknown> = {};
    w.on('message', (m) => { last = m; onMessage?.(m, w); });
    w.on('error', reject);
    w.on('exit', () => resolve(last));
  });
}

test('worker threads and the main thread share one native model', async () => {
  const model = echoModel({ maxBatchSize: 16, instanceCount: 2, maxQueueDelayUs: 100 });
  const main = Array.from({ length: 300 }, (_, i) => model.infer(request(50_000 + i)));
  const workers = [0, 1, 2].map((w) => runWorker({ id: model.id, count: 300, base: w * 10_000 + 1, mode: 'verify' }));
  const [results, ...reports] = await Promise.all([Promise.all(main), ...workers]);
  results.forEach((o, i) => assert.equal(o[0]!.data[0], (50_000 + i) * 100));
  for (const r of reports) assert.deepEqual(r, { done: 300, mismatches: 0 });
  assert.equal(model.stats().success.count, 300 + 3 * 300);
  await model.unload();
});

test('a worker that exits with requests in flight leaves the model serving', async () => {
  const model = echoModel({ maxBatchSize: 4 });
  closeGate();
  const start = runsEntered();
  const mine = model.infer(request(1));
  await untilEntered(start, 1);
  await runWorker({ id: model.id, count: 20, base: 100, mode: 'abandon' }, (m, w) => {
    if (m.queued) void w.terminate();
  });
  openGate();
  assert.equal((await mine)[0]!.data[0], 100);
  assert.equal((await model.infer(request(2)))[0]!.data[0], 200);
  await model.unload();
  assert.equal(model.stats === undefined, false);
});

test('inline runs of different threads run side by side: a small request does not queue behind another thread\'s inline run', async () => {
  // instance_group count 1: inline runs take no instance (see Batcher::EnqueueOrRunInline).
  const model = echoModel({ maxBatchSize: 8, inlineMaxRows: 2 }, { passValue: 200 });
  closeGate();
  const start = runsEntered();
  const worker = runWorker({ id: model.id, base: 1, mode: 'one' });  // its inline run waits at the gate
  await untilEntered(start, 1);
  const lone = model.infer(request(2));  // starts with 200: passes the closed gate
  assert.equal(model.inFlight, 0, 'ran inline on this thread at once, beside the worker\'s held run');
  assert.equal((await lone)[0]!.data[0], 200);
  openGate();
  assert.deepEqual(await worker, { first: 100 });
  const s = model.stats();
  assert.equal(s.executionCount, 2);
  assert.equal(s.inferenceCount, 2);
  await model.unload();
});

test('opening an unknown id fails with NOT_FOUND', async () => {
  const { BatchedModel } = await import('../../lib/backends/batcher.js');
  assert.throws(() => BatchedModel.open('no-such-model'), { code: 'NOT_FOUND' });
});
