// Batcher overhead: the round trip of one request through the native queue, an instance thread
// and the thread-safe-function completion back to a resolved promise, against peers measured in
// the same run:
//   - a resolved promise (the floor of any async API in this process),
//   - the forest engine's own async predict (its worker-thread hop) and predictSync (no hop).
// Then throughput with many requests in flight (batches form), echo runner and a forest model.
// Usage: node dist/bench/batch/run.js [--quick]   (writes bench/results/batch.md)
import { mkdir, writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatchedModel } from '../../lib/backends/batcher.js';
import { loadModel, nativeHandleOf } from '../../lib/forest/model.js';
import type { Tensor } from '../../lib/backends/types.js';
import { describeMachine } from '../common/machine.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const quick = process.argv.includes('--quick');
const N = quick ? 3000 : 20000;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}
async function latency(label: string, fn: () => Promise<unknown> | unknown): Promise<{ label: string; p50: number; p90: number; p99: number }> {
  for (let i = 0; i < 500; i++) await fn();
  const t = new Array<number>(N);
  for (let i = 0; i < N; i++) {
    const s = process.hrtime.bigint();
    await fn();
    t[i] = Number(process.hrtime.bigint() - s) / 1000;
  }
  t.sort((a, b) => a - b);
  return { label, p50: pct(t, 0.5), p90: pct(t, 0.9), p99: pct(t, 0.99) };
}
async function throughput(label: string, inflight: number, fn: () => Promise<unknown>): Promise<{ label: string; perSec: number }> {
  const total = quick ? 20000 : 200000;
  let sent = 0;
  const s = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (sent < total) { sent++; await fn(); }
  }));
  const secs = Number(process.hrtime.bigint() - s) / 1e9;
  return { label, perSec: total / secs };
}

const echo = BatchedModel.create({
  id: `bench-echo-${process.pid}`, name: 'echo',
  inputs: [{ name: 'x', datatype: 'FP32', dims: [4] }], outputs: [{ name: 'y', datatype: 'FP32', dims: [4] }],
  config: { maxBatchSize: 256, dynamicBatching: true, instanceCount: 1 }, runner: { kind: 'test_echo' },
});
const echoInput: Tensor[] = [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: new Float32Array(4) }];

const forestFile = path.join(root, 'test/fixtures/treelite/xgb_binary_logistic_nan.tl');
const forest = await loadModel(await readFile(forestFile), { format: 'treelite_checkpoint' });
const fm = BatchedModel.create({
  id: `bench-forest-${process.pid}`, name: 'forest',
  inputs: [{ name: 'input__0', datatype: 'FP32', dims: [20] }], outputs: [{ name: 'output__0', datatype: 'FP32', dims: [1] }],
  config: { maxBatchSize: 256, dynamicBatching: true, instanceCount: 1 },
  runner: { kind: 'forest', model: nativeHandleOf(forest), mode: 'value' },
});
const row = new Float32Array(20).fill(0.5);
const forestInput: Tensor[] = [{ name: 'input__0', datatype: 'FP32', shape: [1, 20], data: row }];

const lat = [
  await latency('resolved promise (floor)', () => Promise.resolve()),
  await latency('batcher, echo runner, batch 1', () => echo.infer(echoInput)),
  await latency('forest predictSync, 1 row (no thread hop)', () => forest.predictSync(row)),
  await latency('forest predict (engine async), 1 row', () => forest.predict(row)),
  await latency('batcher, forest runner, batch 1', () => fm.infer(forestInput)),
];
const thr = [
  await throughput('batcher echo, 1 in flight', 1, () => echo.infer(echoInput)),
  await throughput('batcher echo, 64 in flight', 64, () => echo.infer(echoInput)),
  await throughput('forest predict (engine async), 64 in flight', 64, () => forest.predict(row)),
  await throughput('batcher forest, 64 in flight', 64, () => fm.infer(forestInput)),
];
const s = fm.stats();
const meanBatch = s.inferenceCount / s.executionCount;
await echo.unload();
await fm.unload();

const engineAsync = lat[3]!.p50, batcherForest = lat[4]!.p50;
const lines = [
  '# Batcher round trip (bench/batch)', '',
  `Machine: ${describeMachine()}`, `Date: ${new Date().toISOString()}; ${N} sequential requests per latency row.`, '',
  '| latency (µs) | p50 | p90 | p99 |', '|---|---|---|---|',
  ...lat.map((r) => `| ${r.label} | ${r.p50.toFixed(1)} | ${r.p90.toFixed(1)} | ${r.p99.toFixed(1)} |`), '',
  '| throughput | requests/s |', '|---|---|',
  ...thr.map((r) => `| ${r.label} | ${Math.round(r.perSec).toLocaleString('en-US')} |`), '',
  `Batcher forest batch-1 p50 / engine async predict p50: ${(batcherForest / engineAsync).toFixed(2)}x.`,
  `Batcher forest throughput at 64 in flight / engine async predict: ${(thr[3]!.perSec / thr[2]!.perSec).toFixed(2)}x ` +
    `(mean batch size formed across the forest runs: ${meanBatch.toFixed(1)}).`,
];
console.log(lines.join('\n'));
if (!quick) {
  await mkdir(path.join(root, 'bench/results'), { recursive: true });
  await writeFile(path.join(root, 'bench/results/batch.md'), lines.join('\n') + '\n');
}
