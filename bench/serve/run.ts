// npm run bench:serve — larch serving throughput and latency against the floor of this machine.
//
// A 500-tree XGBoost model (the first 500 trees of test/fixtures/xgboost/large1000_binary.json,
// 20 features) is served by `larch serve` (a child process) twice: with dynamic batching and
// without. Batch-1 and batch-64 requests at concurrency 1, 8 and 64 over HTTP JSON, HTTP binary
// (wrk) and gRPC (h2load). In the same run, a minimal uWebSockets.js server and a node:http server
// answer the same HTTP requests with a fixed body: the floor. Ratios against the uWS floor are
// printed; results go to bench/results/serve-<date>.json and .md with the machine description.
// Env: BENCH_SECONDS (default 3) per measurement; for quick iterations, BENCH_BATCHES (default
// "1,64"), BENCH_CONCURRENCY (default "1,8,64") and BENCH_TRANSPORTS (default "json,binary,grpc")
// narrow the grid (the committed results use the defaults).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { batchRows, buildBodies } from './requests.js';
import { clientScheduling, have, h2loadGrpc, wrk, type ClientScheduling, type LoadResult } from './load.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const FEATURES = 20;
const TREES = 500;
const listEnv = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map((v) => v.trim()).filter(Boolean);
const batches = listEnv('BENCH_BATCHES', '1,64').map(Number);
const concurrencies = listEnv('BENCH_CONCURRENCY', '1,8,64').map(Number);
const transports = new Set(listEnv('BENCH_TRANSPORTS', 'json,binary,grpc'));
const fullGrid = !process.env.BENCH_BATCHES && !process.env.BENCH_CONCURRENCY && !process.env.BENCH_TRANSPORTS;

function writeRepository(dir: string): void {
  const src = JSON.parse(readFileSync(path.join(root, 'test/fixtures/xgboost/large1000_binary.json'), 'utf8'));
  const model = src.learner.gradient_booster.model;
  model.trees = model.trees.slice(0, TREES);
  model.tree_info = model.tree_info.slice(0, TREES);
  model.gbtree_model_param.num_trees = String(TREES);
  const text = JSON.stringify(src);
  for (const [name, batching] of [['forest_batched', true], ['forest_direct', false]] as const) {
    mkdirSync(path.join(dir, name, '1'), { recursive: true });
    writeFileSync(path.join(dir, name, '1', 'xgboost.json'), text);
    writeFileSync(path.join(dir, name, 'config.pbtxt'), `backend: "fil"
max_batch_size: 64
input [ { name: "input__0" data_type: TYPE_FP32 dims: [ ${FEATURES} ] } ]
output [ { name: "output__0" data_type: TYPE_FP32 dims: [ 1 ] } ]
instance_group [ { kind: KIND_CPU count: 1 } ]
parameters [ { key: "model_type" value: { string_value: "xgboost_json" } },
             { key: "output_class" value: { string_value: "false" } } ]
${batching ? 'dynamic_batching { max_queue_delay_microseconds: 50 }' : ''}
`);
  }
}

/** Starts a child and waits for the line(s) announcing its ports. */
function start(cmd: string, args: string[], portLines: RegExp, count: number): Promise<{ child: ChildProcess; ports: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const ports: number[] = [];
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      for (const m of out.matchAll(new RegExp(portLines, 'g'))) ports.push(Number(m[1]));
      out = out.slice(out.lastIndexOf('\n') + 1);
      if (ports.length >= count) { child.stdout!.off('data', onData); resolve({ child, ports }); }
    };
    child.stdout!.on('data', onData);
    let err = '';
    child.stderr!.on('data', (d) => { err += d; });
    child.on('exit', (code) => reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${err}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => { child.removeAllListeners('exit'); child.on('exit', () => resolve()); child.kill('SIGTERM'); });
}

/** One ModelInfer through a real gRPC client: h2load cannot see grpc-status, so check it here. */
async function probeGrpc(port: number, frame: Buffer, batch: number): Promise<void> {
  const grpc = await import('@grpc/grpc-js');
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    const res = await new Promise<Buffer>((resolve, reject) => {
      client.makeUnaryRequest('/inference.GRPCInferenceService/ModelInfer', (b: Buffer) => b, (b: Buffer) => b, frame.subarray(5), (err, r) => (err ? reject(err) : resolve(r!)));
    });
    // raw_output_contents (field 6) holds batch * 4 bytes of FP32.
    if (!res.includes(Buffer.from([0x32, batch * 4 < 128 ? batch * 4 : 0x80 | ((batch * 4) & 0x7f)]))) throw new Error('gRPC probe: unexpected ModelInferResponse');
  } finally {
    client.close();
  }
}

interface Row {
  target: string; transport: string; batching: string; batch: number; concurrency: number; result: LoadResult;
  /** How the load generator was scheduled (load.ts); the default unless said otherwise. */
  clients?: ClientScheduling;
  /** Server CPU (user + system, all threads) per request during the wrk run; undefined for gRPC. */
  serverCpuUs?: number;
}

/** CPU seconds a process has used (all threads, user + system), from /proc; undefined elsewhere. */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;  // utime, stime in USER_HZ (100)
  } catch {
    return undefined;
  }
}

/** Runs `load` and measures the server's CPU per request meanwhile. */
function measured(server: ChildProcess, load: () => LoadResult): { result: LoadResult; serverCpuUs: number | undefined } {
  const before = cpuSeconds(server.pid);
  const result = load();
  const after = cpuSeconds(server.pid);
  return { result, serverCpuUs: before === undefined || after === undefined || !result.requests ? undefined : ((after - before) * 1e6) / result.requests };
}

function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown CPU'} x${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
}

const loadAtStart = os.loadavg()[0]!;

async function main(): Promise<void> {
  for (const tool of ['wrk', 'h2load']) {
    if (!have(tool)) throw new Error(`${tool} is not installed (Debian: ${tool === 'wrk' ? 'wrk' : 'nghttp2-client'})`);
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'larch-bench-serve-'));
  const repoDir = path.join(tmp, 'models');
  writeRepository(repoDir);
  const allRows = new Float32Array(readFileSync(path.join(root, 'test/fixtures/xgboost/large1000_binary.input.f32')).buffer.slice(0));

  const larch = await start(process.execPath, [path.join(root, 'bin/larch.js'), 'serve', `--model-repository=${repoDir}`,
    '--http-port=0', '--grpc-port=0', '--metrics-port=0', '--http-address=127.0.0.1', '--grpc-address=127.0.0.1', '--metrics-address=127.0.0.1'],
  /Started (?:HTTPService|GRPCInferenceService|Metrics Service) at [\d.]+:(\d+)/, 3);
  const [httpPort, grpcPort] = larch.ports as [number, number];
  const rows: Row[] = [];
  const children: ChildProcess[] = [larch.child];
  try {
    for (const batch of batches) {
      const x = batchRows(allRows, FEATURES, batch);
      // One real answer per model and transport first: checks correctness and gives the floor body.
      const bodiesFor = (model: string) => buildBodies(model, x, batch, FEATURES);
      const probe = await fetch(`http://127.0.0.1:${httpPort}/v2/models/forest_batched/infer`, { method: 'POST', body: bodiesFor('forest_batched').json });
      const probeText = Buffer.from(await probe.arrayBuffer());
      if (probe.status !== 200) throw new Error(`larch answered ${probe.status}: ${probeText}`);
      await probeGrpc(grpcPort, bodiesFor('forest_batched').grpcFrame, batch);
      const floorBody = path.join(tmp, `floor-${batch}.json`);
      writeFileSync(floorBody, probeText);

      const floors: Array<[string, number, ChildProcess]> = [];
      for (const kind of ['uws', 'http']) {
        const f = await start(process.execPath, [path.join(here, 'floor-server.js'), kind, floorBody], /PORT (\d+)/, 1);
        children.push(f.child);
        floors.push([kind === 'uws' ? 'floor uWS' : 'floor node:http', f.ports[0]!, f.child]);
      }
      const record = (row: Row) => { rows.push(row); console.log(fmtRow(row)); };
      // A floor server's row, and larch's rows of one model, at a concurrency; `clients`: how the
      // load generator is scheduled (only rows off the default say so).
      const floorRow = (target: string, port: number, child: ChildProcess, concurrency: number, clients = clientScheduling) => {
        const b = bodiesFor('forest_batched');
        record({ target, transport: 'http-json', batching: '-', batch, concurrency, ...(clients === clientScheduling ? {} : { clients }),
          ...measured(child, () => wrk(`http://127.0.0.1:${port}/`, b.json, { 'Content-Type': 'application/json' }, concurrency, seconds, tmp, clients)) });
      };
      const larchRows = (model: string, concurrency: number, clients = clientScheduling) => {
        const b = bodiesFor(model);
        const batching = model === 'forest_batched' ? 'on' : 'off';
        const url = `http://127.0.0.1:${httpPort}/v2/models/${model}/infer`;
        const tag = clients === clientScheduling ? {} : { clients };
        if (transports.has('json')) {
          record({ target: 'larch', transport: 'http-json', batching, batch, concurrency, ...tag, ...measured(larch.child, () => wrk(url, b.json, { 'Content-Type': 'application/json' }, concurrency, seconds, tmp, clients)) });
        }
        if (transports.has('binary')) {
          record({ target: 'larch', transport: 'http-binary', batching, batch, concurrency, ...tag, ...measured(larch.child, () => wrk(url, b.binary, { 'Inference-Header-Content-Length': String(b.binaryHeaderLength) }, concurrency, seconds, tmp, clients)) });
        }
        if (transports.has('grpc') && clients === clientScheduling) {
          record({ target: 'larch', transport: 'grpc', batching, batch, concurrency, result: h2loadGrpc(`http://127.0.0.1:${grpcPort}/inference.GRPCInferenceService/ModelInfer`, b.grpcFrame, concurrency, seconds, tmp) });
        }
      };
      const [, uwsPort, uwsChild] = floors[0]!;
      for (const concurrency of concurrencies) {
        for (const [target, port, child] of floors) floorRow(target, port, child, concurrency);
        for (const model of ['forest_batched', 'forest_direct']) larchRows(model, concurrency);
        // The uWS floor once more after larch's rows: the ratios use the mean of the two
        // readings, so a machine whose speed drifts during the run (a shared VM) moves the floor
        // and larch alike.
        floorRow(kFloorAfter, uwsPort, uwsChild, concurrency);
      }
      if (batch === 1 && concurrencies.includes(64) && clientScheduling === 'batch' && (transports.has('json') || transports.has('binary'))) {
        // The throughput target's rows once more with the clients as ordinary tasks, whose
        // wake-ups preempt the server: the same comparison under the other scheduling.
        floorRow('floor uWS', uwsPort, uwsChild, 64, 'normal');
        for (const model of ['forest_batched', 'forest_direct']) larchRows(model, 64, 'normal');
        floorRow(kFloorAfter, uwsPort, uwsChild, 64, 'normal');
      }
      for (const c of children.splice(1)) await stop(c);
    }
  } finally {
    for (const c of children) await stop(c);
    rmSync(tmp, { recursive: true, force: true });
  }
  report(rows);
}

function fmtRow(r: Row): string {
  const x = r.result;
  return `${r.target.padEnd(16)} ${r.transport.padEnd(12)}${r.clients ? ` (${r.clients} clients)` : ''} batching ${r.batching.padEnd(3)} batch ${String(r.batch).padStart(2)} c ${String(r.concurrency).padStart(2)}: ` +
    `${x.rps.toFixed(0).padStart(7)} req/s  p50 ${x.p50us}us p90 ${x.p90us}us p99 ${x.p99us}us` +
    `${r.serverCpuUs === undefined ? '' : `  server CPU ${r.serverCpuUs.toFixed(1)}us/req`}${x.errors ? `  ERRORS ${x.errors}` : ''}`;
}

const kFloorAfter = 'floor uWS (after)';

function report(rows: Row[]): void {
  // The uWS floor of a batch size and concurrency: the mean of its readings before and after
  // larch's rows.
  const clientsOf = (r: Row) => r.clients ?? clientScheduling;
  const floor = (b: number, c: number, clients: ClientScheduling = clientScheduling) => {
    const readings = rows.filter((r) => (r.target === 'floor uWS' || r.target === kFloorAfter) && r.batch === b && r.concurrency === c && clientsOf(r) === clients).map((r) => r.result);
    const mean = (f: (x: LoadResult) => number) => readings.reduce((sum, x) => sum + f(x), 0) / readings.length;
    return { rps: mean((x) => x.rps), p50us: mean((x) => x.p50us) };
  };
  const lines = ['| target | transport | batching | batch | conc | clients | req/s | p50 µs | p90 µs | p99 µs | p50 / uWS floor p50 | req/s / uWS floor req/s | server CPU µs/req | errors |', '|' + ' --- |'.repeat(14)];
  for (const r of rows) {
    const f = floor(r.batch, r.concurrency, clientsOf(r));
    lines.push(`| ${r.target} | ${r.transport} | ${r.batching} | ${r.batch} | ${r.concurrency} | ${clientsOf(r)} | ${r.result.rps.toFixed(0)} | ${r.result.p50us} | ${r.result.p90us} | ${r.result.p99us} | ${(r.result.p50us / f.p50us).toFixed(2)} | ${(r.result.rps / f.rps).toFixed(2)} | ${r.serverCpuUs === undefined ? '-' : r.serverCpuUs.toFixed(1)} | ${r.result.errors} |`);
  }
  const b1 = rows.filter((r) => r.target === 'larch' && r.transport.startsWith('http') && r.batch === 1 && r.concurrency === 1);
  const c64 = rows.filter((r) => r.target === 'larch' && r.transport.startsWith('http') && r.batch === 1 && r.concurrency === 64);
  const targets = [
    ...b1.map((r) => `HTTP ${r.transport.slice(5)} batch-1 c1 p50 (batching ${r.batching}): ${(r.result.p50us / floor(1, 1).p50us).toFixed(2)}x the uWS floor (target <= 1.5x)`),
    ...c64.map((r) => `HTTP ${r.transport.slice(5)} batch-1 c64 throughput (batching ${r.batching}, ${clientsOf(r)} clients): ${(100 * r.result.rps / floor(1, 64, clientsOf(r)).rps).toFixed(0)}% of the uWS floor (target >= 60%)`),
  ];
  const load = `1-minute load average: ${loadAtStart.toFixed(2)} before, ${os.loadavg()[0]!.toFixed(2)} after the run (${os.cpus().length} logical cores; above that, other processes shared the cores).`;
  const md = [`# bench:serve`, '', `Machine: ${machine()}`, `Date: ${new Date().toISOString()}`, load, `Model: XGBoost binary:logistic, ${TREES} trees, ${FEATURES} features; ${seconds}s per row; wrk (HTTP/1.1) and h2load (gRPC) closed loops on the same machine, scheduled as ${clientScheduling === 'batch' ? 'SCHED_BATCH (chrt -b 0: their wake-ups do not preempt the server, as a remote client\'s would not; see bench/serve/load.ts)' : 'ordinary tasks (BENCH_CLIENT_SCHED=normal, or no chrt): their wake-ups preempt the server'}.`,
    'Floor: the uWS floor is measured before and after larch\'s rows at each batch size and concurrency; ratios use the mean of the two readings.',
    'Clients: rows marked "normal" repeat the c64 batch-1 HTTP comparison (floor before and after included) with the load generator as an ordinary task.',
    'Server CPU µs/req: the server process\'s CPU time (all threads, user + system) during a wrk run over the requests it answered; the load generator uses the rest of the machine.', '', ...targets.map((t) => `- ${t}`), '', ...lines, ''].join('\n');
  console.log(`\n${md}`);
  if (!fullGrid) { console.log('(narrowed grid: results not written to bench/results)'); return; }
  const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
  const out = path.join(root, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, `serve-${stamp}.md`), md);
  writeFileSync(path.join(out, `serve-${stamp}.json`), JSON.stringify({ machine: machine(), seconds, trees: TREES, features: FEATURES, clientScheduling, rows }, null, 1));
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
