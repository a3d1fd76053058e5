import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelStats } from '../../lib/backends/types.js';
import { MetricsReporter, METRICS_CONTENT_TYPE, renderInferenceMetrics, renderMetrics } from '../../lib/metrics/index.js';
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
  assert.equal(sample('nv_inference_request_failure'), '1');
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
  rows = [];
  assert.doesNotMatch(reporter.render(), /model="a"/);
  assert.doesNotMatch(new MetricsReporter({ statistics: () => rows }, { cpuMetrics: false }).render(), /nv_cpu/);
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
