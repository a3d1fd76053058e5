// bench:onnx — larch's ONNX path against onnxruntime-node's own InferenceSession, in the same
// process, on the same models and inputs, in the same run:
//   1. batch-1 latency, one request at a time (p50/p90/p99): larch's library path
//      (loadOnnxModel -> infer) vs InferenceSession.run;
//   2. throughput with C concurrent callers each sending batch-1 requests (C = 1, 8, 64):
//      larch batches concurrent requests, onnxruntime-node runs them one by one.
// Both also for the server's path: the onnxruntime backend's model (what `larch serve` runs,
// minus the network) behind the native dynamic batcher, one instance.
// Results go to stdout and to bench/results/onnx.{md,json} with the machine's description.
// Options: --quick (shorter runs), --no-write (do not touch bench/results).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InferenceModel, Tensor } from '../../lib/backends/types.js';
import { onnxBackend } from '../../lib/backends/onnx.js';
import { normalizeModelConfig, parseConfigText } from '../../lib/repository/config.js';
import { loadOnnxModel, onnxAvailability } from '../../lib/onnx/index.js';
import type { OnnxModel } from '../../lib/onnx/model.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const quick = process.argv.includes('--quick');
const write = !process.argv.includes('--no-write');
const LATENCY_REQUESTS = quick ? 500 : 3000;
const ROUNDS = quick ? 2 : 5;
const THROUGHPUT_MS = quick ? 600 : 2500;  // per side and concurrency, split into ROUNDS windows
const CONCURRENCY = [1, 8, 64];

interface OrtTensorLike { data: unknown; dims: readonly number[]; type: string }
interface OrtSessionLike {
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}
interface OrtModule {
  InferenceSession: { create(path: string, options?: object): Promise<OrtSessionLike> };
  Tensor: new (type: string, data: unknown, dims: readonly number[]) => OrtTensorLike;
  env: { versions: { common: string } };
}

interface ModelCase { id: string; file: string; inputs: Array<{ name: string; file: string; shape: number[]; dtype: string }> }

function cases(): ModelCase[] {
  const manifest = JSON.parse(readFileSync(path.join(root, 'test', 'fixtures', 'MANIFEST.json'), 'utf8')) as {
    cases: Array<{ id: string; model_format: string; model_file: string; inputs: ModelCase['inputs'] }>;
  };
  return manifest.cases.filter((c) => c.model_format === 'onnx')
    .map((c) => ({ id: c.id.replace(/^onnx_/, ''), file: path.join(root, 'test', 'fixtures', c.model_file), inputs: c.inputs }));
}

/** Row 0 of each input of a case, as larch tensors (batch 1). */
function firstRow(c: ModelCase): Tensor[] {
  return c.inputs.map((i) => {
    const buf = readFileSync(path.join(root, 'test', 'fixtures', i.file));
    const per = i.shape.slice(1).reduce((a, b) => a * b, 1);
    const bytes = new Uint8Array(per * (i.dtype === 'float32' ? 4 : 8));
    bytes.set(buf.subarray(0, bytes.length));
    const data = i.dtype === 'float32' ? new Float32Array(bytes.buffer) : i.dtype === 'int64' ? new BigInt64Array(bytes.buffer) : new Float64Array(bytes.buffer);
    return { name: i.name, datatype: i.dtype === 'float32' ? 'FP32' : i.dtype === 'int64' ? 'INT64' : 'FP64', shape: [1, ...i.shape.slice(1)], data } as Tensor;
  });
}

function percentiles(ns: number[]): { p50: number; p90: number; p99: number; mean: number } {
  const s = [...ns].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]! / 1000;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length / 1000 };
}

async function latency(fn: () => Promise<unknown>, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t));
  }
  return out;
}

async function throughput(fn: () => Promise<unknown>, concurrency: number, ms: number): Promise<number> {
  let done = 0;
  const end = performance.now() + ms;
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      await fn();
      done++;
    }
  }));
  return done / ((performance.now() - start) / 1000);
}

interface Row {
  model: string;
  larch: ReturnType<typeof percentiles>;
  served: ReturnType<typeof percentiles>;
  ort: ReturnType<typeof percentiles>;
  throughput: Array<{ concurrency: number; larch: number; served: number; ort: number }>;
}

/** The model as `larch serve` loads it: auto-completed config, max_batch_size 64, dynamic batching, one instance. */
async function servedModel(c: ModelCase): Promise<InferenceModel> {
  const text = 'platform: "onnxruntime_onnx"\nmax_batch_size: 64\ndynamic_batching { }\ninstance_group [ { count: 1 kind: KIND_CPU } ]\n';
  const ctx = { modelDir: path.dirname(c.file), versionDir: path.dirname(c.file), version: '1', modelPath: c.file, responseParameters: {} };
  const config = await onnxBackend.autoComplete!(normalizeModelConfig(parseConfigText(text, 'bench/config.pbtxt'), c.id), ctx);
  return onnxBackend.load(normalizeModelConfig(config as never, c.id), ctx);
}

async function benchCase(c: ModelCase, ort: OrtModule): Promise<Row> {
  const model: OnnxModel = await loadOnnxModel(c.file, { name: c.id });
  const session = await ort.InferenceSession.create(c.file);
  const inputs = firstRow(c);
  const feeds: Record<string, OrtTensorLike> = {};
  for (const t of inputs) feeds[t.name] = new ort.Tensor(t.datatype === 'FP32' ? 'float32' : t.datatype === 'INT64' ? 'int64' : 'float64', t.data, t.shape);
  const served = await servedModel(c);
  // A tensor with only the batch dimension is [batch, 1] in a served config (dims [1] + reshape []).
  const servedInputs = inputs.map((t) => (t.shape.length === 1 ? { ...t, shape: [t.shape[0]!, 1] } : t));
  const runLarch = () => model.infer(inputs);
  const runServed = () => served.infer(servedInputs);
  const runOrt = () => session.run(feeds);
  // Same answers first: the benchmark compares equal work.
  const [a, b] = [await runLarch(), await runOrt()];
  for (const t of a) {
    const o = b[t.name]!;
    if (String(Array.from(t.data as ArrayLike<unknown>)) !== String(Array.from(o.data as ArrayLike<unknown>))) {
      throw new Error(`${c.id}: larch and onnxruntime-node disagree on ${t.name}`);
    }
  }
  const servedOut = await runServed();
  for (const t of servedOut) {
    const o = b[t.name]!;
    if (String(Array.from(t.data as ArrayLike<unknown>)) !== String(Array.from(o.data as ArrayLike<unknown>))) {
      throw new Error(`${c.id}: the served model and onnxruntime-node disagree on ${t.name}`);
    }
  }
  await latency(runLarch, 300);
  await latency(runServed, 300);
  await latency(runOrt, 300);
  const lat = { larch: [] as number[], served: [] as number[], ort: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {  // interleaved rounds: drift hits every side alike
    lat.larch.push(...await latency(runLarch, LATENCY_REQUESTS / ROUNDS));
    lat.served.push(...await latency(runServed, LATENCY_REQUESTS / ROUNDS));
    lat.ort.push(...await latency(runOrt, LATENCY_REQUESTS / ROUNDS));
  }
  const tp: Row['throughput'] = [];
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const conc of CONCURRENCY) {
    // Interleaved short windows, median per side: a burst of load from other processes on this
    // shared machine then skews one window, not one side.
    const w = { larch: [] as number[], served: [] as number[], ort: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      w.larch.push(await throughput(runLarch, conc, THROUGHPUT_MS / ROUNDS));
      w.served.push(await throughput(runServed, conc, THROUGHPUT_MS / ROUNDS));
      w.ort.push(await throughput(runOrt, conc, THROUGHPUT_MS / ROUNDS));
    }
    tp.push({ concurrency: conc, larch: median(w.larch), served: median(w.served), ort: median(w.ort) });
  }
  await model.unload();
  await served.unload();
  await session.release();
  return { model: c.id, larch: percentiles(lat.larch), served: percentiles(lat.served), ort: percentiles(lat.ort), throughput: tp };
}

function machine(ortVersion: string, larchOrt: string): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown CPU'} x${cpus.length} (${os.availableParallelism()} usable), ` +
    `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}, ` +
    `onnxruntime-node ${ortVersion}, larch on ONNX Runtime ${larchOrt}`;
}

async function main(): Promise<number> {
  const availability = onnxAvailability();
  if (!availability.available) {
    console.error(`bench:onnx: ONNX models are unavailable in this larch: ${availability.reason}`);
    return 1;
  }
  let ort: OrtModule;
  try {
    ort = createRequire(path.join(root, 'package.json'))('onnxruntime-node') as OrtModule;
  } catch (err) {
    console.error(`bench:onnx needs onnxruntime-node (the optional dependency) as its peer: ${(err as Error).message}`);
    return 1;
  }
  const rows: Row[] = [];
  for (const c of cases()) rows.push(await benchCase(c, ort));
  const desc = machine(ort.env.versions.common, availability.version);
  const f = (x: number) => x.toFixed(1);
  const lines = [
    '# bench:onnx — larch vs onnxruntime-node (in-process), same models and inputs, same run',
    '',
    `Machine: ${desc}`,
    `Load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(', ')} (a machine shared with other jobs: read ratios, not absolutes)`,
    `Date: ${new Date().toISOString()}${quick ? ' (--quick)' : ''}`,
    '',
    '## Batch-1 latency, one request at a time (µs)',
    '',
    'larch = the library path (loadModel + infer); served = the onnxruntime backend\'s model behind the native batcher',
    '(what `larch serve` runs, without the network); ort = onnxruntime-node\'s InferenceSession.run.',
    '',
    '| model | larch p50 | p90 | p99 | served p50 | p90 | p99 | ort p50 | p90 | p99 | p50 larch/ort | target (library) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.model} | ${f(r.larch.p50)} | ${f(r.larch.p90)} | ${f(r.larch.p99)} | ` +
      `${f(r.served.p50)} | ${f(r.served.p90)} | ${f(r.served.p99)} | ${f(r.ort.p50)} | ${f(r.ort.p90)} | ${f(r.ort.p99)} | ` +
      `${(r.larch.p50 / r.ort.p50).toFixed(2)} | ${r.larch.p50 <= 1.2 * r.ort.p50 ? 'met (<= 1.20)' : 'MISSED (> 1.20)'} |`),
    '',
    '## Throughput, C concurrent callers sending batch-1 requests (requests/s)',
    '',
    `Median of ${ROUNDS} interleaved windows per side.`,
    '',
    '| model | C | larch | served | ort | larch/ort | served/ort |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.flatMap((r) => r.throughput.map((t) => `| ${r.model} | ${t.concurrency} | ${t.larch.toFixed(0)} | ${t.served.toFixed(0)} | ` +
      `${t.ort.toFixed(0)} | ${(t.larch / t.ort).toFixed(2)} | ${(t.served / t.ort).toFixed(2)} |`)),
    '',
  ];
  const text = lines.join('\n');
  console.log(text);
  if (write) {
    const dir = path.join(root, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'onnx.md'), text);
    writeFileSync(path.join(dir, 'onnx.json'), JSON.stringify({ machine: desc, date: new Date().toISOString(), quick, rows }, null, 2) + '\n');
  }
  return 0;
}

process.exitCode = await main();
