// Prometheus text exposition (format 0.0.4) under Triton's metric names and labels. Counters are
// derived at scrape time from each loaded version's cumulative ModelStats, so nothing on the
// request path touches metrics. CPU gauges come from os.cpus() / /proc/meminfo like Triton's.
// Families come in Triton's order (prometheus-cpp prints every counter family, then every gauge
// family, each in registration order) and a family without samples is left out, as Triton does.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { ModelStats } from '../backends/types.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * What the native batcher reports beyond Triton's statistics extension (native/batch/stats.h):
 * fail.count split by failure reason, and the requests queued at the moment of the call.
 * Models whose statistics lack them (ONNX models run without the native batcher count only
 * failed runs) report every failure as BACKEND and 0 pending.
 */
export interface MetricsModelStats extends ModelStats {
  failReasons?: { rejected: number; canceled: number; backend: number };
  pendingRequests?: number;
}

export type MetricsRow = {
  name: string;
  version: string;
  stats: MetricsModelStats;
  /** Seconds the version took to load (nv_model_load_duration_secs), where the source knows it. */
  loadSeconds?: number;
};

/** Triton's FailureReason values, in its order (core src/infer_stats.h). */
export const FAILURE_REASONS = ['REJECTED', 'CANCELED', 'BACKEND', 'OTHER'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/**
 * fail.count by reason: REJECTED = queue timeout expired, CANCELED = dropped from the queue
 * unrun, BACKEND = the model's execution failed, OTHER = the rest of fail.count (nothing in larch
 * today). Requests refused before they are queued (bad input, queue full, model unloading) are
 * no failures at all, as in Triton.
 */
export function failuresByReason(s: MetricsModelStats): Record<FailureReason, number> {
  const r = s.failReasons;
  if (!r) return { REJECTED: 0, CANCELED: 0, BACKEND: s.fail.count, OTHER: 0 };
  return { REJECTED: r.rejected, CANCELED: r.canceled, BACKEND: r.backend, OTHER: Math.max(0, s.fail.count - r.rejected - r.canceled - r.backend) };
}

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  /** One sample per row, or several (label suffix, value) pairs, or none (undefined). */
  value: (r: MetricsRow) => number | Array<[labels: string, value: number]> | undefined;
}

const us = (ns: number) => Math.floor(ns / 1000);

// Triton's per-model families (core src/metrics.cc), in Triton's order, with Triton's help texts.
const families: Family[] = [
  { name: 'nv_inference_request_success', help: 'Number of successful inference requests, all batch sizes', type: 'counter', value: (r) => r.stats.success.count },
  {
    name: 'nv_inference_request_failure', help: 'Number of failed inference requests, all batch sizes', type: 'counter',
    value: (r) => { const f = failuresByReason(r.stats); return FAILURE_REASONS.map((reason) => [`reason="${reason}"`, f[reason]]); },
  },
  { name: 'nv_inference_count', help: 'Number of inferences performed (does not include cached requests)', type: 'counter', value: (r) => r.stats.inferenceCount },
  { name: 'nv_inference_exec_count', help: 'Number of model executions performed (does not include cached requests)', type: 'counter', value: (r) => r.stats.executionCount },
  { name: 'nv_inference_request_duration_us', help: 'Cumulative inference request duration in microseconds (includes cached requests)', type: 'counter', value: (r) => us(r.stats.success.ns) },
  { name: 'nv_inference_queue_duration_us', help: 'Cumulative inference queuing duration in microseconds (includes cached requests)', type: 'counter', value: (r) => us(r.stats.queue.ns) },
  { name: 'nv_inference_compute_input_duration_us', help: 'Cumulative compute input duration in microseconds (does not include cached requests)', type: 'counter', value: (r) => us(r.stats.computeInput.ns) },
  { name: 'nv_inference_compute_infer_duration_us', help: 'Cumulative compute inference duration in microseconds (does not include cached requests)', type: 'counter', value: (r) => us(r.stats.computeInfer.ns) },
  { name: 'nv_inference_compute_output_duration_us', help: 'Cumulative inference compute output duration in microseconds (does not include cached requests)', type: 'counter', value: (r) => us(r.stats.computeOutput.ns) },
  { name: 'nv_inference_pending_request_count', help: 'Instantaneous number of pending requests awaiting execution per-model.', type: 'gauge', value: (r) => r.stats.pendingRequests ?? 0 },
  { name: 'nv_model_load_duration_secs', help: 'Model load time in seconds', type: 'gauge', value: (r) => r.loadSeconds },
];

const escapeHelp = (t: string) => t.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (t: string) => t.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function header(lines: string[], name: string, help: string, type: 'counter' | 'gauge'): void {
  lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
}

/**
 * The per-model families for `rows`: one sample per model version and family (four for
 * nv_inference_request_failure, one per reason). Labels in Triton's order: model, [reason,] version.
 */
export function renderInferenceMetrics(rows: MetricsRow[]): string {
  const lines: string[] = [];
  for (const f of families) {
    const samples: string[] = [];
    for (const r of rows) {
      const model = `model="${escapeLabel(r.name)}"`;
      const version = `version="${escapeLabel(r.version)}"`;
      const v = f.value(r);
      if (v === undefined) continue;
      if (typeof v === 'number') samples.push(`${f.name}{${model},${version}} ${v}`);
      else for (const [labels, n] of v) samples.push(`${f.name}{${model},${labels},${version}} ${n}`);
    }
    if (samples.length === 0) continue;
    header(lines, f.name, f.help, f.type);
    lines.push(...samples);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

/**
 * Triton's pinned memory pool gauges, which it reports whenever metrics are on (CPU-only
 * servers included). larch has no pinned (page-locked, CUDA host) pool: both are 0, as in
 * Triton started with --pinned-memory-pool-byte-size=0.
 */
export function renderPinnedMemoryMetrics(): string {
  const lines: string[] = [];
  header(lines, 'nv_pinned_memory_pool_total_bytes', 'Pinned memory pool total memory size, in bytes', 'gauge');
  lines.push('nv_pinned_memory_pool_total_bytes 0');
  header(lines, 'nv_pinned_memory_pool_used_bytes', 'Pinned memory pool used memory size, in bytes', 'gauge');
  lines.push('nv_pinned_memory_pool_used_bytes 0');
  return lines.join('\n') + '\n';
}

/** CPU utilization since the previous call (Triton's nv_cpu_* gauges). */
export class CpuSampler {
  #prev = CpuSampler.#times();

  static #times(): { idle: number; total: number } {
    let idle = 0;
    let total = 0;
    for (const c of os.cpus()) {
      idle += c.times.idle;
      total += c.times.user + c.times.nice + c.times.sys + c.times.idle + c.times.irq;
    }
    return { idle, total };
  }

  static #memoryUsed(): number {
    try {
      const info = readFileSync('/proc/meminfo', 'utf8');
      const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
      const total = kb('MemTotal');
      const available = kb('MemAvailable');
      if (Number.isFinite(total) && Number.isFinite(available)) return (total - available) * 1024;
    } catch { /* not Linux: fall through to os.freemem */ }
    return os.totalmem() - os.freemem();
  }

  render(): string {
    const now = CpuSampler.#times();
    const dTotal = now.total - this.#prev.total;
    const utilization = dTotal > 0 ? 1 - (now.idle - this.#prev.idle) / dTotal : 0;
    this.#prev = now;
    const lines: string[] = [];
    header(lines, 'nv_cpu_utilization', 'CPU utilization rate [0.0 - 1.0]', 'gauge');
    lines.push(`nv_cpu_utilization ${Math.min(1, Math.max(0, utilization))}`);
    header(lines, 'nv_cpu_memory_total_bytes', 'CPU total memory (RAM), in bytes', 'gauge');
    lines.push(`nv_cpu_memory_total_bytes ${os.totalmem()}`);
    header(lines, 'nv_cpu_memory_used_bytes', 'CPU used memory (RAM), in bytes', 'gauge');
    lines.push(`nv_cpu_memory_used_bytes ${CpuSampler.#memoryUsed()}`);
    return lines.join('\n') + '\n';
  }
}

/**
 * What the metrics endpoint serves: the per-model families of every loaded version, the pinned
 * memory gauges, then the CPU gauges (unless cpuMetrics is false, Triton's --allow-cpu-metrics).
 */
export class MetricsReporter {
  readonly #source: { statistics(): MetricsRow[] };
  readonly #cpu: CpuSampler | undefined;

  constructor(source: { statistics(): MetricsRow[] }, options: { cpuMetrics?: boolean } = {}) {
    this.#source = source;
    this.#cpu = options.cpuMetrics === false ? undefined : new CpuSampler();
  }

  /** The body of GET /metrics (serve it with METRICS_CONTENT_TYPE). */
  render(): string {
    return renderInferenceMetrics(this.#source.statistics()) + renderPinnedMemoryMetrics() + (this.#cpu?.render() ?? '');
  }
}

// One CPU sampler per repository, so utilization is measured between that server's scrapes.
const reporters = new WeakMap<object, MetricsReporter>();

/**
 * The metrics endpoint body for a repository (what lib/server serves on --metrics-port):
 * Triton's per-model families for every loaded version, then the pinned memory and CPU gauges.
 */
export function renderMetrics(repository: { statistics(): MetricsRow[] }): string {
  let reporter = reporters.get(repository);
  if (!reporter) {
    reporter = new MetricsReporter(repository);
    reporters.set(repository, reporter);
  }
  return reporter.render();
}
