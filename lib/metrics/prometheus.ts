// Prometheus text exposition (format 0.0.4) under Triton's metric names and labels. Counters are
// derived at scrape time from each loaded version's cumulative ModelStats, so nothing on the
// request path touches metrics. CPU gauges come from os.cpus() / /proc/meminfo like Triton's.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { ModelStats } from '../backends/types.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Row = { name: string; version: string; stats: ModelStats };

interface Family {
  name: string;
  help: string;
  value: (s: ModelStats) => number;
}

const us = (ns: number) => Math.floor(ns / 1000);

// Triton's inference families, in Triton's order, with Triton's help texts.
const families: Family[] = [
  { name: 'nv_inference_request_success', help: 'Number of successful inference requests, all batch sizes', value: (s) => s.success.count },
  { name: 'nv_inference_request_failure', help: 'Number of failed inference requests, all batch sizes', value: (s) => s.fail.count },
  { name: 'nv_inference_count', help: 'Number of inferences performed (does not include cached requests)', value: (s) => s.inferenceCount },
  { name: 'nv_inference_exec_count', help: 'Number of model executions performed (does not include cached requests)', value: (s) => s.executionCount },
  { name: 'nv_inference_request_duration_us', help: 'Cumulative inference request duration in microseconds (includes cached requests)', value: (s) => us(s.success.ns) },
  { name: 'nv_inference_queue_duration_us', help: 'Cumulative inference queuing duration in microseconds (includes cached requests)', value: (s) => us(s.queue.ns) },
  { name: 'nv_inference_compute_input_duration_us', help: 'Cumulative compute input duration in microseconds (does not include cached requests)', value: (s) => us(s.computeInput.ns) },
  { name: 'nv_inference_compute_infer_duration_us', help: 'Cumulative compute inference duration in microseconds (does not include cached requests)', value: (s) => us(s.computeInfer.ns) },
  { name: 'nv_inference_compute_output_duration_us', help: 'Cumulative inference compute output duration in microseconds (does not include cached requests)', value: (s) => us(s.computeOutput.ns) },
];

const escapeHelp = (t: string) => t.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (t: string) => t.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function header(lines: string[], name: string, help: string, type: 'counter' | 'gauge'): void {
  lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
}

/** The per-model inference families for `rows` (one sample per model version and family). */
export function renderInferenceMetrics(rows: Row[]): string {
  const lines: string[] = [];
  for (const f of families) {
    header(lines, f.name, f.help, 'counter');
    for (const r of rows) lines.push(`${f.name}{model="${escapeLabel(r.name)}",version="${escapeLabel(r.version)}"} ${f.value(r.stats)}`);
  }
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

/** What the metrics endpoint serves: inference families of every loaded version, then CPU gauges. */
export class MetricsReporter {
  readonly #source: { statistics(): Row[] };
  readonly #cpu: CpuSampler | undefined;

  constructor(source: { statistics(): Row[] }, options: { cpuMetrics?: boolean } = {}) {
    this.#source = source;
    this.#cpu = options.cpuMetrics === false ? undefined : new CpuSampler();
  }

  /** The body of GET /metrics (serve it with METRICS_CONTENT_TYPE). */
  render(): string {
    return renderInferenceMetrics(this.#source.statistics()) + (this.#cpu?.render() ?? '');
  }
}

// One CPU sampler per repository, so utilization is measured between that server's scrapes.
const reporters = new WeakMap<object, MetricsReporter>();

/**
 * The metrics endpoint body for a repository (what lib/server serves on --metrics-port):
 * Triton's per-model inference counters for every loaded version, then the CPU gauges.
 */
export function renderMetrics(repository: { statistics(): Row[] }): string {
  let reporter = reporters.get(repository);
  if (!reporter) {
    reporter = new MetricsReporter(repository);
    reporters.set(repository, reporter);
  }
  return reporter.render();
}
