// Load generators: wrk (HTTP/1.1 keep-alive, a Lua script posts the body and prints exact
// percentiles) and h2load (HTTP/2, used for gRPC: a fixed gRPC frame posted to ModelInfer; the
// per-request log gives the latency percentiles). Both are native closed-loop clients.
//
// They share the machine with the server under test, and by default Linux lets a woken task
// preempt the running one: every response the server sends wakes a client thread that then
// takes the server's core in the middle of its event loop. A remote client never does that, and
// the cost grows with the server's time per request, so it penalizes a real server more than the
// floor's fixed answer. The clients therefore run as SCHED_BATCH (chrt -b 0, util-linux) where
// chrt exists: batch tasks do not preempt on wake-up, they run when a core is free or at the
// scheduler tick. BENCH_CLIENT_SCHED=normal runs them as ordinary tasks instead.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50us: number;
  p90us: number;
  p99us: number;
}

export function have(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

export type ClientScheduling = 'batch' | 'normal';

/** How the load generators are scheduled by default (see above). */
export const clientScheduling: ClientScheduling = process.env.BENCH_CLIENT_SCHED === 'normal' || !have('chrt') ? 'normal' : 'batch';

/** Runs a load generator with the given scheduling policy. */
function runClient(tool: string, args: string[], sched: ClientScheduling) {
  return sched === 'batch'
    ? spawnSync('chrt', ['-b', '0', tool, ...args], { encoding: 'utf8' })
    : spawnSync(tool, args, { encoding: 'utf8' });
}

const luaTemplate = (bodyFile: string, headers: Record<string, string>) => `
local f = assert(io.open(${JSON.stringify(bodyFile)}, "rb"))
wrk.method = "POST"
wrk.body = f:read("*all")
f:close()
${Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`).join('\n')}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %f %d %d %d\\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
`;

/** Runs wrk against `url` posting `body`. */
export function wrk(url: string, body: Buffer, headers: Record<string, string>, concurrency: number, seconds: number, tmp: string, sched = clientScheduling): LoadResult {
  const bodyFile = path.join(tmp, 'body.bin');
  const script = path.join(tmp, 'post.lua');
  writeFileSync(bodyFile, body);
  writeFileSync(script, luaTemplate(bodyFile, headers));
  const threads = Math.min(concurrency, 2);
  const r = runClient('wrk', ['-t', String(threads), '-c', String(concurrency), '-d', `${seconds}s`, '-s', script, url], sched);
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`wrk failed: ${r.stderr || r.stdout}`);
  const [requests, errors, durationUs, p50, p90, p99] = line.split(' ').slice(1).map(Number) as number[];
  return { requests: requests!, errors: errors!, rps: requests! / (durationUs! / 1e6), p50us: p50!, p90us: p90!, p99us: p99! };
}

/** Runs h2load posting a gRPC frame to `url` (…/inference.GRPCInferenceService/ModelInfer). */
export function h2loadGrpc(url: string, frame: Buffer, concurrency: number, seconds: number, tmp: string): LoadResult {
  const dataFile = path.join(tmp, 'frame.bin');
  const logFile = path.join(tmp, 'h2load.log');
  writeFileSync(dataFile, frame);
  writeFileSync(logFile, '');
  const r = runClient('h2load', ['-c', String(concurrency), '-m', '1', '-t', String(Math.min(concurrency, 2)), '-D', String(seconds),
    '--warm-up-time=1', '-d', dataFile, '-H', 'content-type: application/grpc', '-H', 'te: trailers', '--log-file', logFile, url], clientScheduling);
  if (r.status !== 0) throw new Error(`h2load failed: ${r.stderr || r.stdout}`);
  // Log lines: start time (µs since epoch), HTTP status, duration (µs).
  const lat: number[] = [];
  let errors = 0;
  for (const l of readFileSync(logFile, 'utf8').split('\n')) {
    if (!l) continue;
    const [, status, dur] = l.split('\t');
    // Status 0: the stream was still open when the duration ended (up to one per connection);
    // it has no response and no latency, and is not an error.
    if (status === '0') continue;
    if (status !== '200') errors++;
    lat.push(Number(dur));
  }
  lat.sort((a, b) => a - b);
  const pct = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]! : NaN);
  const m = /finished in ([\d.]+)(m?s), ([\d.]+) req\/s/.exec(r.stdout);
  const rps = m ? Number(m[3]) : NaN;
  // Only answered streams with a status other than 200 count as errors.
  return { requests: lat.length, errors, rps, p50us: pct(50), p90us: pct(90), p99us: pct(99) };
}
