// Inline runs (BatchConfig.inlineMaxRows): a small request on an idle model runs on the calling
// thread before infer() returns; anything else goes through the queue and the instance threads as
// before. Whether a request ran inline is seen through model.inFlight right after infer() returns
// (0: it already ran; 1: it is queued), never through timing.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { closeGate, echoModel, openGate, request, runsEntered, untilEntered } from './echo-model.js';
import type { Tensor } from '../../lib/backends/types.js';

afterEach(() => openGate());

function assertEcho(out: Tensor[], sent: Tensor[]): void {
  assert.deepEqual(out[0]!.shape, sent[0]!.shape);
  assert.deepEqual(out[0]!.data, sent[0]!.data);
  assert.deepEqual(out[1]!.data, sent[1]!.data);
}

test('a small request on an idle model runs before infer() returns and counts like any batch', async () => {
  const model = echoModel({ maxBatchSize: 8, inlineMaxRows: 2 });
  const sent = request(7, 2);
  const pending = model.infer(sent);
  assert.equal(model.inFlight, 0, 'ran inline: nothing is in flight');
  assertEcho(await pending, sent);
  const s = model.stats();
  assert.equal(s.success.count, 1);
  assert.equal(s.executionCount, 1);
  assert.equal(s.inferenceCount, 2);
  assert.equal(s.queue.count, 1);
  await model.unload();
});

test('a request above inlineMaxRows, or any request when inlineMaxRows is 0, is queued', async () => {
  const small = echoModel({ maxBatchSize: 8, inlineMaxRows: 2 });
  const big = request(1, 3);
  const p = small.infer(big);
  assert.equal(small.inFlight, 1, '3 rows > inlineMaxRows 2: queued');
  assertEcho(await p, big);
  await small.unload();

  const never = echoModel({ maxBatchSize: 8 });
  const q = never.infer(request(2));
  assert.equal(never.inFlight, 1, 'inlineMaxRows absent: queued');
  assertEcho(await q, request(2));
  await never.unload();
});

test('while a batch runs on the instance thread, small requests queue and batch instead of running inline', async () => {
  const model = echoModel({ maxBatchSize: 8, inlineMaxRows: 2, maxQueueDelayUs: 60_000_000 });
  closeGate();
  const start = runsEntered();
  const first = model.infer(request(1, 3));   // too big for inline: the instance thread takes it
  await untilEntered(start, 1);
  const rest = [2, 3, 4].map((tag) => model.infer(request(tag)));
  assert.equal(model.inFlight, 4, 'the model is busy: all queued');
  openGate();
  const out = await Promise.all([first, ...rest]);
  assertEcho(out[0]!, request(1, 3));
  [2, 3, 4].forEach((tag, i) => assertEcho(out[i + 1]!, request(tag)));
  // 3 rows, then the three queued single rows as one batch of 3 (the model went idle with 3 queued)
  const sizes = Object.fromEntries(model.stats().batchStats.map((b) => [b.batchSize, b.computeInfer.count]));
  assert.deepEqual(sizes, { 3: 2 });
  assert.equal(model.stats().executionCount, 2);
  await model.unload();
});

test('without dynamic batching, a small request runs inline whenever nothing is queued, even beside a running batch', async () => {
  // request(2) starts with 200: its run passes the closed gate, the instance thread's does not.
  const model = echoModel({ maxBatchSize: 8, dynamicBatching: false, instanceCount: 1, inlineMaxRows: 1 }, { passValue: 200 });
  closeGate();
  const start = runsEntered();
  const busy = model.infer(request(1, 2));     // the instance thread, held at the gate
  await untilEntered(start, 1);
  const lone = model.infer(request(2));        // nothing queued: runs here at once
  assert.equal(model.inFlight, 1, 'only the held batch is in flight: the small request ran inline beside it');
  assertEcho(await lone, request(2));
  openGate();
  assertEcho(await busy, request(1, 2));
  await model.unload();
});

test('many requests mixing inline and queued runs each get exactly their own rows back', async () => {
  const model = echoModel({ maxBatchSize: 16, instanceCount: 2, maxQueueDelayUs: 100, inlineMaxRows: 2 });
  const n = 1200;
  const sent: Tensor[][] = [];
  const results: Array<Promise<Tensor[]>> = [];
  let inline = 0;
  for (let i = 0; i < n; i++) {
    sent.push(request(i + 1, 1 + (i % 3)));
    const before = model.inFlight;
    results.push(model.infer(sent[i]!));
    if (model.inFlight === before) inline++;
    if (i % 50 === 0) await new Promise((r) => setImmediate(r));  // let the queue drain now and then
  }
  const out = await Promise.all(results);
  for (let i = 0; i < n; i++) assertEcho(out[i]!, sent[i]!);
  assert.ok(inline > 0, 'some requests found the model idle');
  const s = model.stats();
  assert.equal(s.success.count, n);
  assert.equal(s.inferenceCount, sent.reduce((a, r) => a + r[0]!.shape[0]!, 0));
  await model.unload();
});

test('a runner failure in an inline run rejects that request with the runner error; the model keeps serving', async () => {
  const model = echoModel({ maxBatchSize: 4, inlineMaxRows: 4 }, { failValue: 700 });
  const bad = request(7);                       // x[0] = 700
  const p = model.infer(bad);
  assert.equal(model.inFlight, 0);
  await assert.rejects(p, { code: 'INVALID_ARGUMENT', message: /fail value/ });
  assertEcho(await model.infer(request(8)), request(8));
  assert.equal(model.stats().fail.count, 1);
  assert.equal(model.stats().success.count, 1);
  await model.unload();
});

test('inlineMaxRows must not be negative', () => {
  assert.throws(() => echoModel({ inlineMaxRows: -1 }), { code: 'INVALID_ARGUMENT', message: /inline_max_rows/ });
});
