import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelStats } from '../../lib/backends/types.js';
import { failuresByReason, MetricsReporter, METRICS_CONTENT_TYPE, renderInferenceMetrics, renderMetrics, type MetricsModelStats } from '../../lib/metrics/index.js';
import { statisticsResponse } from '../../lib/metrics/statistics.js';

const d = (count: number, ns: number) => ({ count, ns });
const stats: ModelStats = {
  inferenceCount: 9, executionCount: 1, lastInference: 1700000000123,
  success: d(2, 5_000_999), fail: d(1, 700), queue: d(2, 3_000), computeInput: d(1, 1_500),
  computeInfer: d(1, 40_000), computeOutput: d(1, 999),
  batchStats: [
    { batchSize: 8, computeInput: d(1, 1), computeInfer: d(1, 2), computeOutput: d(1, 3) },
    { batchSize: 1, computeInput: d(2, 4), computeInfer: d(2, 5), computeOutput: d(2, 6) },
  ],
};

test('Prometheus text under Triton names, labels and help texts', () => {
  const text = renderInferenceMetrics([{ name: 'fraud', version: '1', stats }, { name: 'we"ird\\', version: '2', stats }]);
  const lines = text.split('\n');
  assert.equal(lines[0], '# HELP nv_inference_request_success Number of successful inference requests, all batch sizes');
  assert.equal(lines[1], '# TYPE nv_inference_request_success counter');
  assert.equal(lines[2], 'nv_inference_request_success{model="fraud",version="1"} 2');
  assert.equal(lines[3], 'nv_inference_request_success{model="we\\"ird\\\\",version="2"} 2', 'label values are escaped');
  const sample = (name: string) => lines.find((l) => l.startsWith(`${name}{model="fraud"`))!.split(' ')[1];
  // No failReasons (statistics kept in JS): every failure is a BACKEND one.
  assert.equal(sample('nv_inference_request_failure'), '0');
  assert.ok(lines.includes('nv_inference_request_failure{model="fraud",reason="BACKEND",version="1"} 1'));
  assert.equal(sample('nv_inference_pending_request_count'), '0');
  assert.equal(sample('nv_inference_count'), '9');
  assert.equal(sample('nv_inference_exec_count'), '1');
  assert.equal(sample('nv_inference_request_duration_us'), '5000');
  assert.equal(sample('nv_inference_queue_duration_us'), '3');
  assert.equal(sample('nv_inference_compute_input_duration_us'), '1');
  assert.equal(sample('nv_inference_compute_infer_duration_us'), '40');
  assert.equal(sample('nv_inference_compute_output_duration_us'), '0');
  assert.ok(text.endsWith('\n'));
  assert.equal(METRICS_CONTENT_TYPE, 'text/plain; version=0.0.4; charset=utf-8');
  // Every non-comment line is `name{labels} value` (format 0.0.4).
  for (const l of lines.filter((x) => x && !x.startsWith('#'))) assert.match(l, /^[a-z_]+(\{.*\})? -?[0-9.e+-]+$/);
  // nv_model_load_duration_secs only where the source knows the load time.
  assert.doesNotMatch(text, /nv_model_load_duration_secs/);
});

test('nv_inference_request_failure: one series per Triton reason, labels model, reason, version', () => {
  const withReasons: MetricsModelStats = { ...stats, fail: d(7, 900), failReasons: { rejected: 3, canceled: 1, backend: 2 }, pendingRequests: 5 };
  const text = renderInferenceMetrics([{ name: 'm', version: '2', stats: withReasons }]);
  const lines = text.split('\n');
  const at = lines.indexOf('# HELP nv_inference_request_failure Number of failed inference requests, all batch sizes');
  assert.ok(at > 0);
  assert.deepEqual(lines.slice(at + 1, at + 6), [
    '# TYPE nv_inference_request_failure counter',
    'nv_inference_request_failure{model="m",reason="REJECTED",version="2"} 3',
    'nv_inference_request_failure{model="m",reason="CANCELED",version="2"} 1',
    'nv_inference_request_failure{model="m",reason="BACKEND",version="2"} 2',
    'nv_inference_request_failure{model="m",reason="OTHER",version="2"} 1',
  ]);
  assert.deepEqual(failuresByReason(withReasons), { REJECTED: 3, CANCELED: 1, BACKEND: 2, OTHER: 1 });
  assert.deepEqual(failuresByReason(stats), { REJECTED: 0, CANCELED: 0, BACKEND: 1, OTHER: 0 });
  assert.match(text, /^# HELP nv_inference_pending_request_count Instantaneous number of pending requests awaiting execution per-model\.\n# TYPE nv_inference_pending_request_count gauge\nnv_inference_pending_request_count\{model="m",version="2"\} 5$/m);
});

test('gauges follow every counter family, in Triton\'s order; the load duration where known', () => {
  const text = renderInferenceMetrics([
    { name: 'a', version: '1', stats, loadSeconds: 0.25 },
    { name: 'b', version: '1', stats },
  ]);
  const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
  assert.deepEqual(types, [
    'nv_inference_request_success counter', 'nv_inference_request_failure counter', 'nv_inference_count counter',
    'nv_inference_exec_count counter', 'nv_inference_request_duration_us counter', 'nv_inference_queue_duration_us counter',
    'nv_inference_compute_input_duration_us counter', 'nv_inference_compute_infer_duration_us counter',
    'nv_inference_compute_output_duration_us counter', 'nv_inference_pending_request_count gauge', 'nv_model_load_duration_secs gauge',
  ]);
  assert.match(text, /^# HELP nv_model_load_duration_secs Model load time in seconds$/m);
  assert.match(text, /^nv_model_load_duration_secs\{model="a",version="1"\} 0\.25$/m);
  assert.doesNotMatch(text, /nv_model_load_duration_secs\{model="b"/);
  assert.equal(renderInferenceMetrics([]), '', 'families without samples are left out, as prometheus-cpp does');
});

test('the reporter adds CPU gauges and reads statistics at every scrape', () => {
  let rows = [{ name: 'a', version: '1', stats }];
  const reporter = new MetricsReporter({ statistics: () => rows });
  const first = reporter.render();
  assert.match(first, /^nv_inference_count\{model="a",version="1"\} 9$/m);
  assert.match(first, /^# TYPE nv_cpu_utilization gauge$/m);
  const util = Number(/^nv_cpu_utilization (\S+)$/m.exec(first)![1]);
  assert.ok(util >= 0 && util <= 1);
  const total = Number(/^nv_cpu_memory_total_bytes (\d+)$/m.exec(first)![1]);
  const used = Number(/^nv_cpu_memory_used_bytes (\d+)$/m.exec(first)![1]);
  assert.ok(total > 0 && used > 0 && used <= total);
  // Triton's pinned memory gauges, after the per-model gauges and before the CPU ones.
  assert.match(first, /^# HELP nv_pinned_memory_pool_total_bytes Pinned memory pool total memory size, in bytes\n# TYPE nv_pinned_memory_pool_total_bytes gauge\nnv_pinned_memory_pool_total_bytes 0\n# HELP nv_pinned_memory_pool_used_bytes Pinned memory pool used memory size, in bytes\n# TYPE nv_pinned_memory_pool_used_bytes gauge\nnv_pinned_memory_pool_used_bytes 0\n# HELP nv_cpu_utilization /m);
  assert.ok(first.indexOf('nv_inference_pending_request_count{') < first.indexOf('nv_pinned_memory_pool_total_bytes '));
  rows = [];
  const empty = reporter.render();
  assert.doesNotMatch(empty, /model="a"/);
  assert.doesNotMatch(empty, /nv_inference_/);
  const noCpu = new MetricsReporter({ statistics: () => rows }, { cpuMetrics: false }).render();
  assert.doesNotMatch(noCpu, /nv_cpu/);
  assert.match(noCpu, /^nv_pinned_memory_pool_used_bytes 0$/m);
});

test('statistics extension JSON in Triton\'s shape', () => {
  assert.deepEqual(statisticsResponse([{ name: 'fraud', version: '1', stats }]), {
    model_stats: [{
      name: 'fraud', version: '1', last_inference: 1700000000123, inference_count: 9, execution_count: 1,
      inference_stats: {
        success: { count: 2, ns: 5_000_999 }, fail: { count: 1, ns: 700 }, queue: { count: 2, ns: 3_000 },
        compute_input: { count: 1, ns: 1_500 }, compute_infer: { count: 1, ns: 40_000 }, compute_output: { count: 1, ns: 999 },
        cache_hit: { count: 0, ns: 0 }, cache_miss: { count: 0, ns: 0 },
      },
      response_stats: {},
      batch_stats: [
        { batch_size: 1, compute_input: { count: 2, ns: 4 }, compute_infer: { count: 2, ns: 5 }, compute_output: { count: 2, ns: 6 } },
        { batch_size: 8, compute_input: { count: 1, ns: 1 }, compute_infer: { count: 1, ns: 2 }, compute_output: { count: 1, ns: 3 } },
      ],
      memory_usage: [],
    }],
  });
});

test('renderMetrics(repository) is what the server\'s metrics endpoint serves', () => {
  const repo = { statistics: () => [{ name: 'm', version: '3', stats }] };
  const body = renderMetrics(repo);
  assert.match(body, /^nv_inference_request_success\{model="m",version="3"\} 2$/m);
  assert.match(body, /^nv_cpu_memory_total_bytes \d+$/m);
  assert.equal(renderMetrics(repo).split('\n').length, body.split('\n').length);
});
