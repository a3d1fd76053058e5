// The batching decision (native/batch/policy.h) driven with hand-made queue snapshots: no
// threads, no clock. Times are microseconds on a fake steady clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addon } from '../../lib/native.js';

interface Req { rows?: number; enqueuedUs?: number; shapeKey?: number }
interface Config {
  maxBatchSize: number; dynamicBatching: boolean; preferredBatchSizes?: number[];
  maxQueueDelayUs?: number; maxQueueSize?: number; instanceCount?: number;
}
const native = addon as unknown as {
  batchPolicyNextAction(q: Req[], c: Config, nowUs: number, executing: number): { kind: string; requests: number; rows: number; waitUs: number };
  batchPolicyAdmit(queued: number, c: Config): void;
  batchValidateConfig(c: Config, name: string): number[];
};
const next = (q: Req[], c: Config, nowUs = 0, executing = 0) => native.batchPolicyNextAction(q, c, nowUs, executing);
const ones = (n: number, at = 0): Req[] => Array.from({ length: n }, () => ({ rows: 1, enqueuedUs: at }));
const dyn = (extra: Partial<Config> = {}): Config => ({ maxBatchSize: 8, dynamicBatching: true, ...extra });

test('an empty queue is idle', () => {
  assert.equal(next([], dyn()).kind, 'idle');
});

test('a lone request on an idle model runs at once, whatever the delay', () => {
  assert.deepEqual(next(ones(1), dyn({ maxQueueDelayUs: 1_000_000 }), 0, 0),
    { kind: 'run', requests: 1, rows: 1, waitUs: 0 });
});

test('while another batch executes, a free instance waits out the delay from the oldest request', () => {
  const q = [{ rows: 1, enqueuedUs: 100 }, { rows: 2, enqueuedUs: 250 }];
  const c = dyn({ maxQueueDelayUs: 500 });
  assert.deepEqual(next(q, c, 300, 1), { kind: 'wait', requests: 0, rows: 0, waitUs: 300 });
  assert.deepEqual(next(q, c, 600, 1), { kind: 'run', requests: 2, rows: 3, waitUs: 0 });
  assert.deepEqual(next(q, c, 1000, 1), { kind: 'run', requests: 2, rows: 3, waitUs: 0 });
});

test('zero delay runs whatever is queued even while busy', () => {
  assert.deepEqual(next(ones(3), dyn({ maxQueueDelayUs: 0 }), 0, 2), { kind: 'run', requests: 3, rows: 3, waitUs: 0 });
});

test('a full batch runs now and never exceeds max_batch_size', () => {
  const c = dyn({ maxBatchSize: 4, maxQueueDelayUs: 1_000_000 });
  assert.deepEqual(next(ones(4), c, 0, 1), { kind: 'run', requests: 4, rows: 4, waitUs: 0 });
  assert.deepEqual(next(ones(9), c, 0, 1), { kind: 'run', requests: 4, rows: 4, waitUs: 0 });
  // rows 3 + 2 > 4: the second request cannot join, so the first runs alone now
  assert.deepEqual(next([{ rows: 3 }, { rows: 2 }], c, 0, 1), { kind: 'run', requests: 1, rows: 3, waitUs: 0 });
});

test('reaching the largest preferred size runs at once; smaller ones wait', () => {
  const c = dyn({ maxBatchSize: 16, preferredBatchSizes: [4, 8], maxQueueDelayUs: 1000 });
  assert.equal(next(ones(4), c, 0, 1).kind, 'wait');
  assert.deepEqual(next(ones(8), c, 0, 1), { kind: 'run', requests: 8, rows: 8, waitUs: 0 });
});

test('when the delay runs out the batch is cut back to the largest preferred size reached', () => {
  const c = dyn({ maxBatchSize: 16, preferredBatchSizes: [4, 8], maxQueueDelayUs: 1000 });
  assert.deepEqual(next(ones(6), c, 1000, 1), { kind: 'run', requests: 4, rows: 4, waitUs: 0 });
  // multi-row requests: prefix rows 3, 5, 8 -> 8 is preferred
  const q = [{ rows: 3 }, { rows: 2 }, { rows: 3 }, { rows: 1 }];
  assert.deepEqual(next(q, c, 1000, 1), { kind: 'run', requests: 3, rows: 8, waitUs: 0 });
  // no preferred size reached: everything that fits
  assert.deepEqual(next([{ rows: 3 }], c, 5000, 1), { kind: 'run', requests: 1, rows: 3, waitUs: 0 });
});

test('requests of different row shapes are not batched together', () => {
  const c = dyn({ maxQueueDelayUs: 1000 });
  const q = [{ rows: 1, shapeKey: 7 }, { rows: 1, shapeKey: 7 }, { rows: 1, shapeKey: 9 }];
  assert.deepEqual(next(q, c, 0, 1), { kind: 'run', requests: 2, rows: 2, waitUs: 0 });
});

test('without dynamic batching each request runs alone', () => {
  assert.deepEqual(next(ones(5), { maxBatchSize: 8, dynamicBatching: false }, 0, 1), { kind: 'run', requests: 1, rows: 1, waitUs: 0 });
  assert.deepEqual(next(ones(5), { maxBatchSize: 0, dynamicBatching: true }, 0, 1), { kind: 'run', requests: 1, rows: 1, waitUs: 0 });
});

test('admission: max_queue_size bounds the queue with RESOURCE_EXHAUSTED', () => {
  const c = dyn({ maxQueueSize: 2 });
  native.batchPolicyAdmit(0, c);
  native.batchPolicyAdmit(1, c);
  assert.throws(() => native.batchPolicyAdmit(2, c), { code: 'RESOURCE_EXHAUSTED', message: /Exceeds maximum queue size/ });
  native.batchPolicyAdmit(1000, dyn());  // 0 = unbounded
});

test('config validation names the rule, the value and the model', () => {
  assert.deepEqual(native.batchValidateConfig(dyn({ preferredBatchSizes: [8, 2, 2] }), 'm'), [2, 8]);
  assert.throws(() => native.batchValidateConfig(dyn({ preferredBatchSizes: [12] }), 'fraud'),
    { code: 'INVALID_ARGUMENT', message: 'preferred_batch_size 12 exceeds max_batch_size 8 (model "fraud")' });
  assert.throws(() => native.batchValidateConfig(dyn({ instanceCount: 0 }), 'm'), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => native.batchValidateConfig({ maxBatchSize: 0, dynamicBatching: true, preferredBatchSizes: [2] }, 'm'),
    { code: 'INVALID_ARGUMENT', message: /max_batch_size is 0/ });
});
