// Throws thousands of mutated configs at the config.pbtxt parser, the normalizer and the
// validator, and at the JSON reader: the only error that may come out is a LarchError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeModelConfig, parseConfigJson, parseConfigText } from '../../lib/repository/config.js';
import { validateModelConfig } from '../../lib/repository/validate.js';
import { LarchError } from '../../lib/protocol/errors.js';

const seeds = [
  `name: "fraud" backend: "fil" max_batch_size: 8
   input [{ name: "input__0" data_type: TYPE_FP32 dims: [ 30 ] }]
   output [{ name: "output__0", data_type: TYPE_FP32, dims: [ 2 ] }]
   instance_group [{ count: 2 kind: KIND_CPU }]
   dynamic_batching { preferred_batch_size: [4, 8] max_queue_delay_microseconds: 100
     default_queue_policy { timeout_action: REJECT default_timeout_microseconds: 5000 max_queue_size: 64 } }
   version_policy: { specific: { versions: [1, 3] } }
   parameters { key: "model_type" value { string_value: "xgboost_json" } }
   parameters: [{ key: "threshold", value: { string_value: "0.5" } }]`,
  `platform: "onnxruntime_onnx" max_batch_size: 0 # comment
   input < name: 'x' data_type: 11 dims: -1 reshape { shape: [] } >
   model_warmup [{ name: "w" batch_size: 1 inputs { key: "x" value { data_type: TYPE_FP32 dims: 4 zero_data: true } } }]
   optimization { priority: PRIORITY_MAX cuda { graphs: true graph_spec { input { key: "a" value { dim: [1, -2] } } } } }
   model_metrics { metric_control { histogram_options { buckets: [ 1.5, -inf, nan, 0x10, 1e-3f ] } } }
   cc_model_filenames { key: "7.5" value: "m.\\x41\\101\\u00e9" }`,
];
const alphabet = ['{', '}', '[', ']', '<', '>', ':', ',', ';', '-', '"', "'", '\\', '#', '\n', ' ', '0', '1', '9',
  'x', 'e', '.', 'f', 'inf', 'nan', 'TYPE_FP32', 'dims', 'name', 'input', 'max_batch_size', 'key', 'value', '\\u', '\\x', '\u00e9', '\0'];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function mutate(text: string, rand: () => number): string {
  let t = text;
  const n = 1 + Math.floor(rand() * 4);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(rand() * (t.length + 1));
    const op = Math.floor(rand() * 5);
    if (op === 0) t = t.slice(0, at) + alphabet[Math.floor(rand() * alphabet.length)] + t.slice(at);
    else if (op === 1) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(rand() * 8));
    else if (op === 2) t = t.slice(0, at) + String.fromCharCode(Math.floor(rand() * 128)) + t.slice(at + 1);
    else if (op === 3) { const len = Math.floor(rand() * 30); t = t.slice(0, at) + t.slice(at, at + len) + t.slice(at); }
    else t = t.slice(0, at);
  }
  return t;
}

function onlyLarchErrors(fn: () => void, input: string): 'ok' | 'error' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (!LarchError.is(err)) assert.fail(`non-LarchError ${String(err)} for input ${JSON.stringify(input)}`);
    return 'error';
  }
}

test('mutated config.pbtxt files produce a config or a LarchError, nothing else', () => {
  const rand = rng(1234);
  const outcomes = { ok: 0, error: 0 };
  for (let i = 0; i < 6000; i++) {
    const input = mutate(seeds[i % seeds.length]!, rand);
    outcomes[onlyLarchErrors(() => {
      const raw = parseConfigText(input, 'config.pbtxt');
      const cfg = normalizeModelConfig({ ...raw, name: 'm' }, 'm');
      validateModelConfig(cfg);
    }, input)]++;
  }
  assert.ok(outcomes.ok > 50 && outcomes.error > 50, `mutations should both pass and fail: ${JSON.stringify(outcomes)}`);
});

test('mutated JSON configs produce a config or a LarchError, nothing else', () => {
  const rand = rng(99);
  const json = JSON.stringify({
    name: 'm', max_batch_size: 4, input: [{ name: 'x', data_type: 'TYPE_FP32', dims: ['3', -1] }],
    dynamic_batching: { maxQueueDelayMicroseconds: '100', priority_queue_policy: { 1: { timeout_action: 'DELAY' } } },
    parameters: { a: { string_value: 'b' } }, version_policy: { all: {} },
  });
  for (let i = 0; i < 3000; i++) {
    const input = mutate(json, rand);
    onlyLarchErrors(() => {
      const cfg = normalizeModelConfig({ ...parseConfigJson(input, 'load'), name: 'm' }, 'm');
      validateModelConfig(cfg);
    }, input);
  }
});
