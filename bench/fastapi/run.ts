// npm run bench:fastapi — larch against the FastAPI baseline of our founding article.
//
// The article served a scikit-learn random forest with FastAPI + uvicorn (5.15 ms ± 0.9 per
// request) and with Triton's FIL backend (0.44 ms ± 0.64). This harness rebuilds the baseline on
// this machine, serves the SAME forest with larch (exported by larch_sklearn), checks that both
// predict what scikit-learn predicts, then drives both with the same closed-loop load generators
// and writes bench/results/fastapi-<date>.md plus an SVG box plot of the latencies.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { loadModel, makeClassification, rowMajor } from '../../lib/index.js';
import { root } from '../../lib/native.js';
import { boxPlotSvg, type Series } from '../common/boxplot-svg.js';
import { describeMachine } from '../common/machine.js';
import { summarize, type LatencySummary } from '../common/stats.js';

const PY = '/usr/bin/python3';
const ROWS = Number(process.env.BENCH_ROWS ?? 20000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const BATCHES = [1, 64];
const CONCURRENCY = [1, 8, 64];
const MODEL = 'fraud_rf';
const MODEL_NOBATCH = 'fraud_rf_nobatch';

const log = (msg: string) => console.error(`[bench:fastapi] ${msg}`);

/** A file of little-endian float64 values. Copies the bytes: a small Buffer may be a slice of
 *  Node's shared pool, whose .buffer holds other data too. */
function readF64(file: string): Float64Array {
  return new Float64Array(new Uint8Array(readFileSync(file)).buffer);
}

function ensurePythonPackages(): void {
  const probe = spawnSync(PY, ['-c', 'import fastapi, uvicorn, sklearn, numpy'], { stdio: 'ignore' });
  if (probe.status === 0) return;
  const pkgs = ['python3-fastapi', 'python3-uvicorn', 'python3-sklearn', 'python3-numpy'];
  log(`installing the baseline's Debian packages with apt-get: ${pkgs.join(' ')}`);
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const run = (args: string[]) => execFileSync(sudo[0] ?? args[0]!, sudo.length ? args : args.slice(1), { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', ...pkgs]);
}

function buildLoadgen(dir: string): string {
  const exe = path.join(dir, 'loadgen');
  execFileSync('gcc', ['-O2', '-o', exe, path.join(root, 'bench', 'loadgen', 'loadgen.c'), '-lpthread', '-lm'], { stdio: 'inherit' });
  return exe;
}

/**
 * One HTTP request on a fresh connection. fetch() pools keep-alive sockets, and uvicorn closes
 * idle ones after 5 s, which a pooled socket then reports as "fetch failed" mid-benchmark.
 */
function request(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ ok: boolean; status: number; json(): Promise<unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        resolve({ ok: status >= 200 && status < 300, status, json: async () => JSON.parse(text) as unknown });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

async function waitFor(url: string, what: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} before it was ready`);
    try {
      const r = await request(url);
      if (r.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not become ready at ${url} within 60 s`);
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function repoConfig(name: string, features: number, batching: boolean): string {
  return [
    `name: "${name}"`, 'backend: "fil"', 'max_batch_size: 4096',
    `input [ { name: "input__0" data_type: TYPE_FP32 dims: [ ${features} ] } ]`,
    'output [ { name: "output__0" data_type: TYPE_FP32 dims: [ 2 ] } ]',
    'instance_group [ { count: 1 kind: KIND_CPU } ]',
    batching ? 'dynamic_batching { max_queue_delay_microseconds: 100 }' : '',
    'parameters [',
    '  { key: "model_type" value: { string_value: "treelite_checkpoint" } },',
    '  { key: "output_class" value: { string_value: "false" } },',
    '  { key: "predict_proba" value: { string_value: "true" } }',
    ']', '',
  ].join('\n');
}

interface Scenario {
  system: string;          // 'FastAPI' | 'larch HTTP JSON' | ...
  batch: number;
  concurrency: number;
  client: LatencySummary & { non200?: number };
  serverMeanUs: number;
  serverP50Us?: number;
  latFile: string;
}

function jsonRows(x: Float32Array, features: number, batch: number): number[][] {
  return Array.from({ length: batch }, (_, r) => Array.from(x.subarray(r * features, (r + 1) * features)));
}

async function main(): Promise<void> {
  ensurePythonPackages();
  const work = mkdtempSync(path.join(os.tmpdir(), 'larch-bench-fastapi-'));
  const children: ChildProcess[] = [];
  const cleanup = () => { for (const c of children) if (c.exitCode === null) c.kill('SIGTERM'); rmSync(work, { recursive: true, force: true }); };
  process.on('SIGINT', () => { cleanup(); process.exit(130); });
  try {
    const loadgen = buildLoadgen(work);
    // The fraud-like data of examples/fraud: imbalanced, informative + redundant + noise features.
    const ds = makeClassification({ rows: ROWS, seed: 42 });
    const F = ds.numFeatures;
    const x = rowMajor(ds);
    writeFileSync(path.join(work, 'X.f32'), x);
    writeFileSync(path.join(work, 'y.f32'), ds.y);
    log(`data: ${ROWS} rows x ${F} features (${ds.y.reduce((a, b) => a + b, 0)} positives)`);
    const CHECK = 256;
    execFileSync(PY, [path.join(root, 'bench', 'fastapi', 'train_baseline.py'), path.join(work, 'X.f32'), path.join(work, 'y.f32'), String(ROWS), String(F), work, String(CHECK)], { stdio: ['ignore', 'inherit', 'inherit'] });

    // Correctness before timing: larch's predictions must equal scikit-learn's predict_proba.
    const model = await loadModel(path.join(work, 'checkpoint.tl'));
    const got = await model.predict(x.subarray(0, CHECK * F));
    const exp = readF64(path.join(work, 'expected.f64'));
    let worst = 0;
    for (let i = 0; i < exp.length; i++) worst = Math.max(worst, Math.abs(got[i]! - exp[i]!));
    if (got.length !== exp.length || worst > 1e-6) throw new Error(`larch's predictions differ from scikit-learn's (max |diff| ${worst}); refusing to time a wrong model`);
    log(`larch predictions equal scikit-learn predict_proba on ${CHECK} rows (max |diff| ${worst.toExponential(2)})`);

    // Library mode: predictSync of one row in-process.
    const one = x.subarray(0, F);
    for (let i = 0; i < 2000; i++) model.predictSync(one);
    const libLat = new Float64Array(20000);
    for (let i = 0; i < libLat.length; i++) { const s = process.hrtime.bigint(); model.predictSync(one); libLat[i] = Number(process.hrtime.bigint() - s) / 1000; }
    const lib = summarize(libLat, 1);

    // A Triton model repository with the same forest, dynamic batching on and off.
    const repo = path.join(work, 'repo');
    for (const [name, batching] of [[MODEL, true], [MODEL_NOBATCH, false]] as const) {
      mkdirSync(path.join(repo, name, '1'), { recursive: true });
      writeFileSync(path.join(repo, name, 'config.pbtxt'), repoConfig(name, F, batching));
      writeFileSync(path.join(repo, name, '1', 'checkpoint.tl'), readFileSync(path.join(work, 'checkpoint.tl')));
    }
    const [httpPort, grpcPort, metricsPort, apiPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const larch = spawn(process.execPath, [path.join(root, 'bin', 'larch.js'), 'serve', '--model-repository', repo, '--http-port', String(httpPort), '--grpc-port', String(grpcPort), '--metrics-port', String(metricsPort)], { stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(larch);
    const fastapi = spawn(PY, [path.join(root, 'bench', 'fastapi', 'baseline_app.py'), path.join(work, 'model.pkl'), String(apiPort)], { stdio: ['ignore', 'inherit', 'inherit'] });
    children.push(fastapi);
    await waitFor(`http://127.0.0.1:${httpPort}/v2/health/ready`, 'larch serve', larch);
    await waitFor(`http://127.0.0.1:${apiPort}/stats`, 'the FastAPI baseline', fastapi);
    log(`larch on :${httpPort} (gRPC :${grpcPort}), FastAPI on :${apiPort}`);

    // Same rows to both servers, same answers.
    const probe = jsonRows(x, F, 4);
    const apiAns = await (await request(`http://127.0.0.1:${apiPort}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: probe }) })).json() as { probabilities: number[][] };
    const larchAns = await (await request(`http://127.0.0.1:${httpPort}/v2/models/${MODEL}/infer`, { method: 'POST', body: JSON.stringify({ inputs: [{ name: 'input__0', shape: [4, F], datatype: 'FP32', data: probe.flat() }] }) })).json() as { outputs: Array<{ data: number[] }> };
    const flatApi = apiAns.probabilities.flat();
    for (let i = 0; i < flatApi.length; i++) {
      if (Math.abs(flatApi[i]! - larchAns.outputs[0]!.data[i]!) > 1e-6) throw new Error(`FastAPI and larch disagree on row ${Math.floor(i / 2)}: ${flatApi[i]} vs ${larchAns.outputs[0]!.data[i]}`);
    }
    log('FastAPI and larch answer the same rows identically');

    const bodies = new Map<string, string>();
    const bodyFile = (key: string, content: Buffer | string): string => {
      const f = path.join(work, `body-${key}`);
      if (!bodies.has(key)) { writeFileSync(f, content); bodies.set(key, f); }
      return f;
    };
    const binaryBody = (batch: number): { file: string; headerLen: number } => {
      const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'input__0', shape: [batch, F], datatype: 'FP32', parameters: { binary_data_size: batch * F * 4 } }], outputs: [{ name: 'output__0', parameters: { binary_data: true } }] }));
      const data = Buffer.from(x.buffer, x.byteOffset, batch * F * 4);
      return { file: bodyFile(`bin-${batch}`, Buffer.concat([header, data])), headerLen: header.length };
    };

    async function larchServerMean(model: string, fn: () => Promise<LatencySummary & { non200?: number }>): Promise<[LatencySummary & { non200?: number }, number]> {
      const stat = async () => {
        const s = await (await request(`http://127.0.0.1:${httpPort}/v2/models/${model}/stats`)).json() as { model_stats: Array<{ inference_stats: { success: { count: number; ns: number } } }> };
        const succ = s.model_stats[0]!.inference_stats.success;
        return { count: Number(succ.count), ns: Number(succ.ns) };
      };
      const before = await stat();
      const r = await fn();
      const after = await stat();
      return [r, (after.ns - before.ns) / Math.max(1, after.count - before.count) / 1000];
    }

    function runLoadgen(port: number, urlPath: string, body: string, conc: number, out: string, headers: string[]): LatencySummary & { non200: number } {
      const threads = String(Math.min(conc, 2));
      const res = execFileSync(loadgen, ['127.0.0.1', String(port), urlPath, body, String(conc), String(SECONDS), String(WARMUP), out, threads, ...headers], { encoding: 'utf8' });
      return JSON.parse(res) as LatencySummary & { non200: number };
    }

    const scenarios: Scenario[] = [];
    for (const batch of BATCHES) {
      for (const conc of CONCURRENCY) {
        const tag = `b${batch}-c${conc}`;
        // FastAPI baseline.
        await request(`http://127.0.0.1:${apiPort}/stats`);
        const apiLat = path.join(work, `lat-fastapi-${tag}`);
        const api = runLoadgen(apiPort, '/predict', bodyFile(`api-${batch}`, JSON.stringify({ data: jsonRows(x, F, batch) })), conc, apiLat, ['Content-Type: application/json']);
        const apiServer = Float64Array.from(((await (await request(`http://127.0.0.1:${apiPort}/stats`)).json()) as { server_us: number[] }).server_us);
        const apiSrv = summarize(apiServer, SECONDS);
        scenarios.push({ system: 'FastAPI + uvicorn', batch, concurrency: conc, client: api, serverMeanUs: apiSrv.mean_us, serverP50Us: apiSrv.p50_us, latFile: apiLat });
        log(`FastAPI ${tag}: p50 ${api.p50_us.toFixed(0)} µs, ${api.rps.toFixed(0)} req/s`);

        const jsonBody = bodyFile(`kserve-${batch}`, JSON.stringify({ inputs: [{ name: 'input__0', shape: [batch, F], datatype: 'FP32', data: Array.from(x.subarray(0, batch * F)) }] }));
        const bin = binaryBody(batch);
        const variants: Array<[string, string, () => Promise<LatencySummary & { non200?: number }>, string]> = [
          ['larch HTTP JSON', MODEL, async () => runLoadgen(httpPort, `/v2/models/${MODEL}/infer`, jsonBody, conc, path.join(work, `lat-json-${tag}`), ['Content-Type: application/json']), path.join(work, `lat-json-${tag}`)],
          ['larch HTTP binary', MODEL, async () => runLoadgen(httpPort, `/v2/models/${MODEL}/infer`, bin.file, conc, path.join(work, `lat-bin-${tag}`), ['Content-Type: application/octet-stream', `Inference-Header-Content-Length: ${bin.headerLen}`]), path.join(work, `lat-bin-${tag}`)],
          ['larch HTTP binary, no dynamic batching', MODEL_NOBATCH, async () => runLoadgen(httpPort, `/v2/models/${MODEL_NOBATCH}/infer`, bin.file, conc, path.join(work, `lat-nobatch-${tag}`), ['Content-Type: application/octet-stream', `Inference-Header-Content-Length: ${bin.headerLen}`]), path.join(work, `lat-nobatch-${tag}`)],
          ['larch gRPC', MODEL, async () => {
            const out = execFileSync(process.execPath, [path.join(root, 'dist', 'bench', 'common', 'grpc-loadgen.js'), String(grpcPort), MODEL, path.join(work, 'X.f32'), String(batch), String(F), String(conc), String(SECONDS), String(WARMUP), path.join(work, `lat-grpc-${tag}`)], { encoding: 'utf8' });
            return JSON.parse(out) as LatencySummary & { non200?: number };
          }, path.join(work, `lat-grpc-${tag}`)],
        ];
        for (const [system, model, fn, latFile] of variants) {
          const [r, srv] = await larchServerMean(model, fn);
          scenarios.push({ system, batch, concurrency: conc, client: r, serverMeanUs: srv, latFile });
          log(`${system} ${tag}: p50 ${r.p50_us.toFixed(0)} µs, ${r.rps.toFixed(0)} req/s`);
        }
      }
    }
    writeReport(scenarios, lib, F);
  } finally {
    cleanup();
  }
}

function writeReport(scenarios: Scenario[], lib: LatencySummary, features: number): void {
  const date = new Date().toISOString().slice(0, 10);
  const dir = path.join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const find = (system: string, b: number, c: number) => scenarios.find((s) => s.system === system && s.batch === b && s.concurrency === c)!;
  const base = (b: number, c: number) => find('FastAPI + uvicorn', b, c);
  // A ratio needs both sides measured: a point with no completed request has no latency.
  const ratio = (a: number, b: number) => (a > 0 && b > 0 && Number.isFinite(a / b) ? `${(a / b).toFixed(1)}x` : 'n/a');
  const lines: string[] = [];
  lines.push(`# larch vs the FastAPI baseline — ${date}`, '');
  lines.push(`Machine: ${describeMachine()}`, '');
  lines.push(`Model: scikit-learn RandomForestClassifier (100 trees, max_depth 10) on ${ROWS} rows x ${features} features of larch's fraud-like synthetic data; the same forest exported by larch_sklearn for larch. Both servers, the load generators and the model share this machine. Closed-loop clients: bench/loadgen/loadgen.c (HTTP), bench/common/grpc-loadgen.ts (gRPC, @grpc/grpc-js). ${SECONDS} s per point after ${WARMUP} s warm-up. Server-side: larch's statistics extension (mean request duration), FastAPI's timing middleware.`, '');
  lines.push('| system | batch | conc | p25 µs | p50 µs | p75 µs | p99 µs | mean ± std µs | req/s | rows/s | server mean µs | p50 vs FastAPI | req/s vs FastAPI |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of scenarios) {
    const b = base(s.batch, s.concurrency);
    const c = s.client;
    lines.push(`| ${s.system} | ${s.batch} | ${s.concurrency} | ${c.p25_us.toFixed(0)} | ${c.p50_us.toFixed(0)} | ${c.p75_us.toFixed(0)} | ${c.p99_us.toFixed(0)} | ${c.mean_us.toFixed(0)} ± ${c.std_us.toFixed(0)} | ${c.rps.toFixed(0)} | ${(c.rps * s.batch).toFixed(0)} | ${s.serverMeanUs.toFixed(0)} | ${ratio(b.client.p50_us, c.p50_us)} | ${ratio(c.rps, b.client.rps)} |`);
  }
  const best = (b: number, c: number, key: 'p50' | 'rps') => {
    const larch = scenarios.filter((s) => s.batch === b && s.concurrency === c && s.system.startsWith('larch'));
    return key === 'p50' ? Math.min(...larch.map((s) => s.client.p50_us)) : Math.max(...larch.map((s) => s.client.rps));
  };
  const p50Ratio = base(1, 1).client.p50_us / best(1, 1, 'p50');
  const rpsRatio = best(1, 64, 'rps') / base(1, 64).client.rps;
  lines.push('', '## Targets', '');
  lines.push(`- batch-1 p50 at concurrency 1: FastAPI ${base(1, 1).client.p50_us.toFixed(0)} µs, best larch ${best(1, 1, 'p50').toFixed(0)} µs: **${ratio(base(1, 1).client.p50_us, best(1, 1, 'p50'))} lower** (target 20x) — ${p50Ratio >= 20 ? 'met' : 'NOT met'}`);
  lines.push(`- throughput at concurrency 64 (batch 1): FastAPI ${base(1, 64).client.rps.toFixed(0)} req/s, best larch ${best(1, 64, 'rps').toFixed(0)} req/s: **${ratio(best(1, 64, 'rps'), base(1, 64).client.rps)} higher** (target 30x) — ${Number.isFinite(rpsRatio) && rpsRatio >= 30 ? 'met' : 'NOT met'}`);
  lines.push(`- the article: Triton FIL 0.44 ms vs FastAPI 5.15 ms (11.7x), on eight Xeon cores, network excluded.`);
  lines.push('', '## Library mode', '');
  lines.push(`predictSync of one row in-process: p50 ${lib.p50_us.toFixed(2)} µs, p99 ${lib.p99_us.toFixed(2)} µs, mean ${lib.mean_us.toFixed(2)} ± ${lib.std_us.toFixed(2)} µs.`);
  const svgName = `fastapi-${date}.svg`;
  lines.push('', `![latency distributions](${svgName})`, '');
  writeFileSync(path.join(dir, `fastapi-${date}.md`), lines.join('\n'));
  const series: Series[] = scenarios.filter((s) => s.batch === 1 && s.concurrency === 1 && existsSync(s.latFile)).map((s) => ({
    label: s.system, values: readF64(s.latFile),
  }));
  writeFileSync(path.join(dir, svgName), boxPlotSvg(series, 'Batch-1 request latency at concurrency 1 (this machine)'));
  console.log(lines.join('\n'));
  log(`wrote bench/results/fastapi-${date}.md and ${svgName}`);
}

main().catch((err) => { console.error(err instanceof Error ? err.stack : err); process.exit(1); });
