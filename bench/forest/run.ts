// npm run bench:forest — larch's forest evaluator against XGBoost's inplace_predict, in one run.
//
// A 500-tree depth-8 binary:logistic model is trained with Debian's python3-xgboost (cached in
// build/bench/forest/). For batches of 1, 64, 10k and 100k rows, at 1 thread (larch predictSync,
// XGBoost nthread=1) and all threads (larch predict on its pool, XGBoost nthread=all cores), it
// prints rows/s for both and the ratio, then predictSync's single-row latency. Results go to
// bench/results/forest.md and forest.json with the machine description.
//   options: --seconds=S (time per measurement, default 1), --out=DIR (default bench/results)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadModel } from '../../lib/index.js';
import { root } from '../../lib/native.js';
import { describeMachine } from '../common/machine.js';

const arg = (name: string, dflt: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const seconds = Number(arg('seconds', '1'));
const outDir = path.resolve(root, arg('out', 'bench/results'));
const work = path.join(root, 'build', 'bench', 'forest');
const python = '/usr/bin/python3';
const peer = path.join(root, 'bench', 'forest', 'xgboost_peer.py');
const BATCHES = [1, 64, 10_000, 100_000];

mkdirSync(work, { recursive: true });
if (!existsSync(path.join(work, 'model.json'))) {
  console.error('[bench:forest] training the 500-tree depth-8 model with python3-xgboost ...');
  execFileSync(python, [peer, 'make', work], { stdio: 'inherit' });
}

const loadBefore = os.loadavg()[0]!;
console.error('[bench:forest] measuring XGBoost inplace_predict ...');
const xgbResult = JSON.parse(execFileSync(python, [peer, 'measure', work, BATCHES.join(','), String(seconds)],
  { encoding: 'utf8', maxBuffer: 1 << 24 })) as {
  xgboost_version: string; threads_all: number;
  runs: { threads: '1' | 'all'; batch: number; rows_per_s: number; rows_per_cpu_s: number }[];
};

const model = await loadModel(path.join(work, 'model.json'));
const inputBuf = readFileSync(path.join(work, 'input.f32'));
const X = new Float32Array(inputBuf.buffer.slice(inputBuf.byteOffset, inputBuf.byteOffset + inputBuf.byteLength));
const nf = model.numFeature;
const totalRows = X.length / nf;

// Agreement with XGBoost on every row (both float32).
const xgbPredBuf = readFileSync(path.join(work, 'xgboost_pred.f32'));
const xgbPred = new Float32Array(xgbPredBuf.buffer.slice(xgbPredBuf.byteOffset, xgbPredBuf.byteOffset + xgbPredBuf.byteLength));
const ours = await model.predict(X);
let maxDiff = 0;
for (let i = 0; i < totalRows; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i]! - xgbPred[i]!));

// Rows per wall second, and per CPU second of the whole process (all its threads): on a shared
// machine the second is the steadier measure of the evaluator's own cost.
async function rowsPerSecond(batch: number, threads: '1' | 'all'): Promise<{ wall: number; cpu: number }> {
  const rows = X.subarray(0, batch * nf);
  const once = threads === '1' ? async () => { model.predictSync(rows); } : async () => { await model.predict(rows); };
  await once();
  let reps = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  let elapsed = 0;
  do {
    await once();
    reps++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < seconds || reps < 3);
  const cpu = process.cpuUsage(cpuStart);
  return { wall: (batch * reps) / elapsed, cpu: (batch * reps) / ((cpu.user + cpu.system) / 1e6) };
}

interface Row {
  threads: '1' | 'all'; batch: number; larch: number; xgboost: number; ratio: number;
  larch_cpu: number; xgboost_cpu: number; ratio_cpu: number;
}
const table: Row[] = [];
for (const threads of ['1', 'all'] as const) {
  for (const batch of BATCHES) {
    const ours = await rowsPerSecond(batch, threads);
    const peer = xgbResult.runs.find((r) => r.threads === threads && r.batch === batch)!;
    table.push({
      threads, batch, larch: ours.wall, xgboost: peer.rows_per_s, ratio: ours.wall / peer.rows_per_s,
      larch_cpu: ours.cpu, xgboost_cpu: peer.rows_per_cpu_s, ratio_cpu: ours.cpu / peer.rows_per_cpu_s,
    });
  }
}

// Single-row predictSync latency: many calls, timed in groups of 100 to keep timer overhead out.
const one = X.subarray(0, nf);
for (let i = 0; i < 20_000; i++) model.predictSync(one);
const groups: number[] = [];
const deadline = Date.now() + seconds * 2000;
while (Date.now() < deadline) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 100; i++) model.predictSync(X.subarray((i % 1000) * nf, (i % 1000) * nf + nf));
  groups.push(Number(process.hrtime.bigint() - t0) / 100 / 1000);
}
groups.sort((a, b) => a - b);
const latency = { median_us: groups[groups.length >> 1]!, p99_us: groups[Math.floor(groups.length * 0.99)]! };

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0));
const lines = [
  '# bench:forest — larch vs XGBoost inplace_predict',
  '',
  `Machine: ${describeMachine()}`,
  `1-minute load average: ${loadBefore.toFixed(2)} before, ${os.loadavg()[0]!.toFixed(2)} after the run ` +
    `(${os.availableParallelism()} logical cores; a load above that means other processes shared the cores with both peers).`,
  `Model: 500 trees, depth 8, binary:logistic, ${nf} features (XGBoost ${xgbResult.xgboost_version}); ` +
    `input ${totalRows} rows with 2% NaN; all threads = ${xgbResult.threads_all}.`,
  `Max |larch - XGBoost| over all ${totalRows} probabilities: ${maxDiff.toExponential(2)}.`,
  `Each cell: repeated calls for >= ${seconds} s. 1 thread: larch predictSync vs XGBoost nthread=1; ` +
    'all threads: larch predict (native pool) vs XGBoost nthread=all. rows/s: per wall second; ' +
    'rows/CPU-s: per CPU second used by the whole process, all threads together.',
  '',
  '| threads | batch | larch rows/s | XGBoost rows/s | larch / XGBoost | larch rows/CPU-s | XGBoost rows/CPU-s | larch / XGBoost (CPU) |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...table.map((r) => `| ${r.threads} | ${r.batch} | ${fmt(r.larch)} | ${fmt(r.xgboost)} | ${r.ratio.toFixed(2)}x | ` +
    `${fmt(r.larch_cpu)} | ${fmt(r.xgboost_cpu)} | ${r.ratio_cpu.toFixed(2)}x |`),
  '',
  `predictSync, one row: median ${latency.median_us.toFixed(2)} µs, p99 ${latency.p99_us.toFixed(2)} µs ` +
    '(per call, timed in groups of 100 calls).',
  '',
];
console.log(lines.join('\n'));
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'forest.md'), lines.join('\n'));
writeFileSync(path.join(outDir, 'forest.json'), JSON.stringify({
  machine: describeMachine(), load_average: { before: loadBefore, after: os.loadavg()[0] }, xgboost_version: xgbResult.xgboost_version, max_abs_diff: maxDiff,
  seconds, table, predict_sync_one_row: latency,
}, null, 1) + '\n');
