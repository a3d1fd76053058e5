// Helpers for batcher tests: models on the test_echo runner (outputs = inputs) and the gate
// that holds every test_echo batch at its start, so batch formation is decided by counts.
import { addon } from '../../lib/native.js';
import { BatchedModel, type BatchConfig } from '../../lib/backends/batcher.js';
import type { Tensor } from '../../lib/backends/types.js';

const hooks = addon as unknown as { batchTestGate(closed: boolean): void; batchTestRunsEntered(): number };

let counter = 0;
export function echoModel(config: Partial<BatchConfig> = {}, runner: Record<string, unknown> = {}): BatchedModel {
  return BatchedModel.create({
    id: `test-echo-${process.pid}-${++counter}-${Math.random().toString(36).slice(2)}`,
    name: 'echo',
    inputs: [{ name: 'x', datatype: 'FP32', dims: [3] }, { name: 'k', datatype: 'INT64', dims: [2] }],
    outputs: [{ name: 'x_out', datatype: 'FP32', dims: [3] }, { name: 'k_out', datatype: 'INT64', dims: [2] }],
    config: { maxBatchSize: 8, dynamicBatching: true, instanceCount: 1, ...config },
    runner: { kind: 'test_echo', ...runner },
  });
}

/** A request of `rows` rows whose values all derive from `tag`, so every row is recognisable. */
export function request(tag: number, rows = 1): Tensor[] {
  const x = new Float32Array(rows * 3);
  const k = new BigInt64Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < 3; j++) x[r * 3 + j] = tag * 100 + r * 10 + j;
    for (let j = 0; j < 2; j++) k[r * 2 + j] = BigInt(tag) * 1000n + BigInt(r * 10 + j);
  }
  return [{ name: 'x', datatype: 'FP32', shape: [rows, 3], data: x }, { name: 'k', datatype: 'INT64', shape: [rows, 2], data: k }];
}

export function closeGate(): void { hooks.batchTestGate(true); }
export function openGate(): void { hooks.batchTestGate(false); }
export function runsEntered(): number { return hooks.batchTestRunsEntered(); }

/** Resolves once `n` more test_echo batches than `from` have started (polling the event loop, no timing). */
export async function untilEntered(from: number, n: number): Promise<void> {
  while (runsEntered() < from + n) await new Promise((r) => setImmediate(r));
}
