// The native dynamic batcher end to end on the test_echo runner: rows come back to their own
// request, batches form by the policy's rules (checked through batch_stats counts, never by
// timing), queue limits and timeouts fail with typed errors, and unload finishes in-flight work.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { closeGate, echoModel, openGate, request, runsEntered, untilEntered } from './echo-model.js';
import type { Tensor } from '../../lib/backends/types.js';

afterEach(() => openGate());

function batchSizes(stats: { batchStats: Array<{ batchSize: number; computeInfer: { count: number } }> }): Record<number, number> {
  return Object.fromEntries(stats.batchStats.map((b) => [b.batchSize, b.computeInfer.count]));
}

test('many concurrent requests each get exactly their own rows back', async () => {
  const model = echoModel({ maxBatchSize: 16, instanceCount: 2, maxQueueDelayUs: 200, preferredBatchSizes: [4, 8] });
  const n = 1500;
  const sent = Array.from({ length: n }, (_, i) => request(i + 1, 1 + (i % 4)));
  const results = await Promise.all(sent.map((inputs) => model.infer(inputs)));
  for (let i = 0; i < n; i++) {
    const [x, k] = results[i] as [Tensor, Tensor];
    assert.equal(x.name, 'x_out');
    assert.deepEqual(x.shape, sent[i]![0]!.shape);
    assert.deepEqual(x.data, sent[i]![0]!.data);
    assert.deepEqual(k.data, sent[i]![1]!.data);
  }
  const s = model.stats();
  assert.equal(s.success.count, n);
  assert.equal(s.inferenceCount, sent.reduce((a, r) => a + r[0]!.shape[0]!, 0));
  assert.equal(s.queue.count, n);
  assert.ok(s.executionCount <= n);
  assert.equal(s.batchStats.reduce((a, b) => a + b.computeInfer.count, 0), s.executionCount);
  for (const b of s.batchStats) assert.ok(b.batchSize >= 1 && b.batchSize <= 16);
  await model.unload();
});

test('a request on an idle model runs alone at once; the queue behind a busy instance batches up to max_batch_size', async () => {
  const model = echoModel({ maxBatchSize: 4, maxQueueDelayUs: 10_000_000 });
  closeGate();
  const start = runsEntered();
  const first = model.infer(request(1));
  await untilEntered(start, 1);
  const rest = Array.from({ length: 9 }, (_, i) => model.infer(request(i + 2)));
  openGate();
  await Promise.all([first, ...rest]);
  // 1 (idle) then 4, 4 (full) then 1 (the model is idle again: no delay)
  assert.deepEqual(batchSizes(model.stats()), { 1: 2, 4: 2 });
  assert.equal(model.stats().executionCount, 4);
  await model.unload();
});

test('a free instance holds requests while another runs, until the largest preferred size is reached', async () => {
  const model = echoModel({ maxBatchSize: 8, instanceCount: 2, preferredBatchSizes: [3], maxQueueDelayUs: 60_000_000 });
  closeGate();
  const start = runsEntered();
  const a = model.infer(request(1));
  await untilEntered(start, 1);            // instance 1 is busy with A
  const bcd = [model.infer(request(2)), model.infer(request(3)), model.infer(request(4))];
  await untilEntered(start, 2);            // instance 2 started B+C+D as one batch of 3
  openGate();
  await Promise.all([a, ...bcd]);
  assert.deepEqual(batchSizes(model.stats()), { 1: 1, 3: 1 });
  await model.unload();
});

test('without dynamic batching every request is its own batch', async () => {
  const model = echoModel({ dynamicBatching: false });
  closeGate();
  const start = runsEntered();
  const first = model.infer(request(1, 2));
  await untilEntered(start, 1);
  const rest = Array.from({ length: 5 }, (_, i) => model.infer(request(i + 2, 2)));
  openGate();
  await Promise.all([first, ...rest]);
  assert.deepEqual(batchSizes(model.stats()), { 2: 6 });
  await model.unload();
});

test('a full queue rejects with RESOURCE_EXHAUSTED and the queued requests still complete', async () => {
  const model = echoModel({ maxQueueSize: 2, maxBatchSize: 1 });
  closeGate();
  const start = runsEntered();
  const a = model.infer(request(1));
  await untilEntered(start, 1);
  const queued = [model.infer(request(2)), model.infer(request(3))];
  await assert.rejects(model.infer(request(4)), { code: 'RESOURCE_EXHAUSTED', message: /maximum queue size/ });
  openGate();
  const out = await Promise.all([a, ...queued]);
  assert.deepEqual(out.map((o) => o[0]!.data[0]), [100, 200, 300]);
  await model.unload();
});

test('a request whose queue timeout expires fails with DEADLINE_EXCEEDED', async () => {
  const model = echoModel({ maxBatchSize: 1, defaultTimeoutUs: 1000, allowTimeoutOverride: true });
  closeGate();
  const start = runsEntered();
  const a = model.infer(request(1), { timeoutUs: 600_000_000 });  // may wait for a busy CPU
  await untilEntered(start, 1);
  const late = assert.rejects(model.infer(request(2)), { code: 'DEADLINE_EXCEEDED', message: /timeout/ });
  const patient = model.infer(request(3), { timeoutUs: 600_000_000 });  // overrides the default
  await new Promise((r) => setTimeout(r, 5));  // let the 1 ms default pass (not a timing assertion)
  openGate();
  await a;
  await late;
  assert.equal((await patient)[0]!.data[0], 300);
  const s = model.stats();
  assert.equal(s.fail.count, 1);
  assert.equal(s.success.count, 2);
  await model.unload();
});

test('unload while requests are in flight completes them, and later requests fail UNAVAILABLE', async () => {
  const model = echoModel({ maxBatchSize: 2 });
  closeGate();
  const start = runsEntered();
  const inflight = Array.from({ length: 7 }, (_, i) => model.infer(request(i + 1)));
  await untilEntered(start, 1);
  const unloaded = model.unload();
  await assert.rejects(model.infer(request(99)), { code: 'UNAVAILABLE' });
  openGate();
  const out = await Promise.all(inflight);
  await unloaded;
  out.forEach((o, i) => assert.equal(o[0]!.data[0], (i + 1) * 100));
  await assert.rejects(model.infer(request(100)), { code: 'UNAVAILABLE' });
});

test('a failing batch rejects its requests with the runner error and counts as failures', async () => {
  const model = echoModel({ maxBatchSize: 4 }, { failValue: -7 });
  const bad = request(1);
  (bad[0]!.data as Float32Array)[1] = -7;
  await assert.rejects(model.infer(bad), { code: 'INVALID_ARGUMENT', message: /fail value/ });
  assert.equal((await model.infer(request(2)))[0]!.data[0], 200);
  const s = model.stats();
  assert.equal(s.fail.count, 1);
  assert.equal(s.success.count, 1);
  await model.unload();
});

test('bad requests are refused with INVALID_ARGUMENT before they are queued', async () => {
  const model = echoModel({ maxBatchSize: 4 });
  const [x, k] = request(1, 5);
  await assert.rejects(model.infer([x!, k!]), { code: 'INVALID_ARGUMENT', message: /exceeds max_batch_size 4/ });
  await assert.rejects(model.infer([{ ...request(1)[0]!, datatype: 'FP64', data: new Float64Array(3) }, request(1)[1]!]),
    { code: 'INVALID_ARGUMENT', message: /data-type/ });
  await assert.rejects(model.infer([{ ...request(1)[0]!, shape: [1, 4], data: new Float32Array(4) }, request(1)[1]!]),
    { code: 'INVALID_ARGUMENT', message: /does not match/ });
  await assert.rejects(model.infer([{ ...request(1)[0]!, data: new Float32Array(2) }, request(1)[1]!]),
    { code: 'INVALID_ARGUMENT', message: /bytes of data/ });
  await assert.rejects(model.infer([request(1)[0]!]), { code: 'INVALID_ARGUMENT', message: /expected 2 inputs/ });
  await assert.rejects(model.infer([request(1)[0]!, { ...request(1, 2)[1]! }]), { code: 'INVALID_ARGUMENT', message: /disagree on the batch size/ });
  assert.equal(model.stats().executionCount, 0);
  assert.deepEqual((await model.infer(request(3), { outputs: ['k_out'] })).map((t) => t.name), ['k_out']);
  await model.unload();
});

test('a second model with the same id is refused', async () => {
  const model = echoModel();
  const { BatchedModel } = await import('../../lib/backends/batcher.js');
  assert.throws(() => BatchedModel.create({
    id: model.id, name: 'dup', inputs: model.inputs, outputs: model.outputs,
    config: { maxBatchSize: 8, dynamicBatching: true }, runner: { kind: 'test_echo' },
  }), { code: 'INVALID_ARGUMENT', message: /already exists/ });
  assert.throws(() => BatchedModel.create({
    id: 'x-unknown-kind', name: 'k', inputs: model.inputs, outputs: model.outputs,
    config: { maxBatchSize: 8, dynamicBatching: true }, runner: { kind: 'nope' },
  }), { code: 'UNSUPPORTED', message: /no batch runner of kind "nope"/ });
  await model.unload();
});

test('shapes that are not non-negative integers, or do not fit the data, are refused', async () => {
  const model = echoModel({ maxBatchSize: 4 });
  const k = request(1)[1]!;
  for (const shape of [[1.5, 3], [-1, 3], [NaN, 3], [1e300, 3], [4e9, 4e9]]) {
    await assert.rejects(model.infer([{ ...request(1)[0]!, shape }, k]), { code: 'INVALID_ARGUMENT' }, `shape ${shape}`);
  }
  assert.equal((await model.infer(request(2)))[0]!.data[0], 200);
  await model.unload();
});

test('variable dims: requests batch only with equal row shapes, and variable-dims outputs come back with their shape', async () => {
  const { BatchedModel } = await import('../../lib/backends/batcher.js');
  const model = BatchedModel.create({
    id: `test-var-${process.pid}-${Math.random()}`, name: 'var',
    inputs: [{ name: 'x', datatype: 'FP32', dims: [-1] }], outputs: [{ name: 'y', datatype: 'FP32', dims: [-1] }],
    config: { maxBatchSize: 8, dynamicBatching: true }, runner: { kind: 'test_echo' },
  });
  const req = (tag: number, rows: number, width: number): Tensor[] => [{
    name: 'x', datatype: 'FP32', shape: [rows, width],
    data: Float32Array.from({ length: rows * width }, (_, i) => tag * 1000 + i),
  }];
  closeGate();
  const start = runsEntered();
  const first = model.infer(req(1, 1, 2));
  await untilEntered(start, 1);
  const sent = [req(2, 2, 3), req(3, 1, 3), req(4, 1, 5), req(5, 3, 5), req(6, 1, 3)];
  const rest = sent.map((r) => model.infer(r));
  openGate();
  const out = await Promise.all([first, ...rest]);
  [req(1, 1, 2), ...sent].forEach((r, i) => {
    assert.deepEqual(out[i]![0]!.shape, r[0]!.shape);
    assert.deepEqual(out[i]![0]!.data, r[0]!.data);
  });
  // after the first: [2x3, 1x3] (a 5-wide request cannot join), [1x5, 3x5], [1x3]
  assert.deepEqual(batchSizes(model.stats()), { 1: 2, 3: 1, 4: 1 });
  await model.unload();
});

test('a model that does not batch (max_batch_size 0) takes whole tensors', async () => {
  const { BatchedModel } = await import('../../lib/backends/batcher.js');
  const model = BatchedModel.create({
    id: `test-nobatch-${process.pid}-${Math.random()}`, name: 'nobatch',
    inputs: [{ name: 'x', datatype: 'INT32', dims: [-1, 2] }], outputs: [{ name: 'y', datatype: 'INT32', dims: [-1, 2] }],
    config: { maxBatchSize: 0, dynamicBatching: false }, runner: { kind: 'test_echo' },
  });
  const data = Int32Array.from([1, 2, 3, 4, 5, 6]);
  const [y] = await model.infer([{ name: 'x', datatype: 'INT32', shape: [3, 2], data }]);
  assert.deepEqual(y!.shape, [3, 2]);
  assert.deepEqual(y!.data, data);
  await assert.rejects(model.infer([{ name: 'x', datatype: 'INT32', shape: [1, 3, 2], data }]), { code: 'INVALID_ARGUMENT' });
  await model.unload();
});

test('inputs in another order are matched by name; an input given twice is refused', async () => {
  const model = echoModel({ maxBatchSize: 4 });
  const [x, k] = request(7, 2) as [Tensor, Tensor];
  const [xOut, kOut] = await model.infer([k, x]) as [Tensor, Tensor];
  assert.deepEqual(xOut.data, x.data);
  assert.deepEqual(kOut.data, k.data);
  await assert.rejects(model.infer([x, x]), { code: 'INVALID_ARGUMENT', message: /input 'x' is given more than once/ });
  await model.unload();
});
