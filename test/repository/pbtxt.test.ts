import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText, parseConfigJson, normalizeModelConfig } from '../../lib/repository/config.js';
import { LarchError } from '../../lib/protocol/errors.js';

const parse = (text: string) => parseConfigText(text, 'config.pbtxt');

function parseError(text: string): string {
  try {
    parse(text);
  } catch (err) {
    assert.ok(LarchError.is(err), `expected a LarchError, got ${String(err)}`);
    assert.equal(err.code, 'INVALID_ARGUMENT');
    return err.message;
  }
  assert.fail(`expected ${JSON.stringify(text)} to fail`);
}

test('a Triton FIL config parses into its JSON form', () => {
  const cfg = parse(`
    # FIL model
    backend: "fil"
    max_batch_size: 32768
    input [
      {
        name: "input__0"
        data_type: TYPE_FP32
        dims: [ 500 ]
      }
    ]
    output [
     {
        name: "output__0"
        data_type: TYPE_FP32
        dims: [ 2 ]
      }
    ]
    instance_group [{ kind: KIND_CPU }]
    parameters [
      { key: "model_type" value: { string_value: "xgboost_json" } },
      { key: "output_class" value: { string_value: "true" } }
    ]
    dynamic_batching {
      max_queue_delay_microseconds: 100
    }`);
  assert.deepEqual(cfg, {
    backend: 'fil',
    max_batch_size: 32768,
    input: [{ name: 'input__0', data_type: 'TYPE_FP32', dims: [500] }],
    output: [{ name: 'output__0', data_type: 'TYPE_FP32', dims: [2] }],
    instance_group: [{ kind: 'KIND_CPU' }],
    parameters: { model_type: { string_value: 'xgboost_json' }, output_class: { string_value: 'true' } },
    dynamic_batching: { max_queue_delay_microseconds: 100 },
  });
});

test('both repeated-field syntaxes, colons before messages, <> blocks and separators', () => {
  const a = parse('input { name: "a" dims: 1 dims: 2 } input: < name: "b"; dims: [3, 4], >;');
  assert.deepEqual(a.input, [{ name: 'a', dims: [1, 2] }, { name: 'b', dims: [3, 4] }]);
  const b = parse('dynamic_batching: { preferred_batch_size: [] preferred_batch_size: 4 }');
  assert.deepEqual(b.dynamic_batching, { preferred_batch_size: [4] });
  const c = parse('parameters { key: "k" value { string_value: "v" } } parameters { key: "k" value { string_value: "w" } }');
  assert.deepEqual(c.parameters, { k: { string_value: 'w' } }, 'a repeated map key keeps the last value');
});

test('strings: escapes, both quotes and adjacent literals', () => {
  const cfg = parse(String.raw`name: "a\"b" 'c\'d' "\n\t\\" "\101\x42\u00e9\U0001F600"`);
  assert.equal(cfg.name, 'a"bc\'d\n\t\\ABé😀');
  assert.equal(parse(String.raw`name: "\303\251"`).name, 'é', 'octal escapes are UTF-8 bytes');
});

test('numbers: negative, hex, octal, floats, inf and nan', () => {
  const cfg = parse(`
    input { name: "x" dims: [-1, 0x10, 010] }
    model_metrics { metric_control { histogram_options { buckets: [1.5, -2e3, .25, 3f, inf, -inf, nan, 0x2] } } }`);
  assert.deepEqual((cfg.input as Array<{ dims: number[] }>)[0]!.dims, [-1, 16, 8]);
  const mm = cfg.model_metrics as { metric_control: Array<{ histogram_options: { buckets: unknown[] } }> };
  assert.deepEqual(mm.metric_control[0]!.histogram_options.buckets, [1.5, -2000, 0.25, 3, 'Infinity', '-Infinity', 'NaN', 2]);
});

test('enums by name and by number; bools in every spelling', () => {
  const cfg = parse('input { data_type: 11 format: FORMAT_NCHW is_shape_tensor: t optional: True allow_ragged_batch: 0 }');
  assert.deepEqual(cfg.input, [{ data_type: 'TYPE_FP32', format: 'FORMAT_NCHW', is_shape_tensor: true, optional: true, allow_ragged_batch: false }]);
});

test('int64 fields Triton leaves as strings stay strings', () => {
  const cfg = parse('instance_group { secondary_devices { device_id: 3 } }');
  assert.deepEqual(cfg.instance_group, [{ secondary_devices: [{ device_id: '3' }] }]);
});

test('errors carry file:line:column and say what is wrong', () => {
  assert.match(parseError('name: "x"\n  max_batch_sise: 8'), /^config\.pbtxt:2:3: unknown field "max_batch_sise" in ModelConfig \(did you mean "max_batch_size"\?\)/);
  assert.match(parseError('input { data_type: TYPE_FLOAT32 }'), /^config\.pbtxt:1:20: unknown value "TYPE_FLOAT32" for enum DataType/);
  assert.match(parseError('max_batch_size: 1\nmax_batch_size: 2'), /^config\.pbtxt:2:1: field "max_batch_size" of ModelConfig is not repeated/);
  assert.match(parseError('input {\n name: "a"\n'), /^config\.pbtxt:3:1: expected "}" to close the ModelInput opened at line 1 column 7/);
  assert.match(parseError('name: "abc'), /^config\.pbtxt:1:7: string literal is not terminated/);
  assert.match(parseError('max_batch_size: 3000000000'), /out of range for field "max_batch_size" \(int32\)/);
  assert.match(parseError('max_batch_size: 1.5'), /expects an integer/);
  assert.match(parseError('name "x"'), /^config\.pbtxt:1:6: expected ":" after field "name"/);
  assert.match(parseError('version_policy { latest {} all {} }'), /cannot be set together with "latest": both belong to oneof "policy_choice"/);
  assert.match(parseError('dynamic_batching {} sequence_batching {}'), /oneof "scheduling_choice"/);
  assert.match(parseError('max_batch_size: [1]'), /not repeated: a list/);
  assert.match(parseError('name: "a" @'), /^config\.pbtxt:1:11: unexpected character "@"/);
  assert.match(parseError('name: "\\q"'), /unknown escape \\q/);
  assert.match(parseError('[ext]: 1'), /extension and Any fields/);
  assert.match(parseError('input { dims: [1 2] }'), /expected "," or "\]"/);
  assert.match(parseError('input { data_type: 99 }'), /99 is not a value of enum DataType/);
  assert.match(parseError('input { dims: 08 }'), /expects an integer/);
  assert.match(parseError('name: 12abc'), /malformed number/);
});

test('the JSON form of a config override reads camelCase and snake_case, strings for int64', () => {
  const cfg = parseConfigJson('{"name":"m","maxBatchSize":4,"input":[{"name":"x","data_type":"TYPE_FP32","dims":["3",-1]}],' +
    '"dynamic_batching":{"maxQueueDelayMicroseconds":"100"},"parameters":{"model_type":{"string_value":"lightgbm"}}}', 'load request');
  assert.deepEqual(cfg, {
    name: 'm', max_batch_size: 4, input: [{ name: 'x', data_type: 'TYPE_FP32', dims: [3, -1] }],
    dynamic_batching: { max_queue_delay_microseconds: 100 }, parameters: { model_type: { string_value: 'lightgbm' } },
  });
  assert.throws(() => parseConfigJson('{"max_batch":1}', 'load request'), /load request: max_batch: unknown field "max_batch" in ModelConfig/);
  assert.throws(() => parseConfigJson('{"input":[{"dims":["x"]}]}', 'load request'), /input\[0\]\.dims\[0\]: expected an integer/);
  assert.throws(() => parseConfigJson('{', 'load request'), /not valid JSON/);
});

test('normalization fills what Triton fills and prints every primitive field', () => {
  const cfg = normalizeModelConfig(parse('backend: "fil" max_batch_size: 8 dynamic_batching {} input { name: "x" data_type: TYPE_FP32 dims: 4 }'), 'fraud');
  assert.equal(cfg.name, 'fraud');
  assert.deepEqual(cfg.version_policy, { latest: { num_versions: 1 } });
  assert.deepEqual(cfg.dynamic_batching!.preferred_batch_size, [8]);
  assert.equal(cfg.dynamic_batching!.max_queue_delay_microseconds, 0);
  assert.equal(cfg.dynamic_batching!.preserve_ordering, false);
  assert.deepEqual(cfg.instance_group, [{ name: 'fraud', kind: 'KIND_CPU', count: 1, gpus: [], secondary_devices: [], profile: [], passive: false, host_policy: '' }]);
  assert.deepEqual(cfg.input[0], { name: 'x', data_type: 'TYPE_FP32', format: 'FORMAT_NONE', dims: [4], is_shape_tensor: false, allow_ragged_batch: false, optional: false, is_non_linear_format_io: false });
  assert.deepEqual(cfg.optimization!.input_pinned_memory, { enable: true });
  assert.equal(cfg.platform, '');
  assert.deepEqual(cfg.parameters, {});
  assert.throws(() => normalizeModelConfig(parse('name: "other"'), 'fraud'), /config names the model "other" but its directory is "fraud"/);
  const onnx = normalizeModelConfig(parse('platform: "onnxruntime_onnx" instance_group { count: 0 }'), 'o');
  assert.equal(onnx.backend, 'onnxruntime');
  assert.equal(onnx.instance_group[0]!.count, 2);
  assert.equal(onnx.instance_group[0]!.name, 'o_0');
});

test('map keys such as __proto__ stay plain entries', () => {
  const cfg = parse('parameters { key: "__proto__" value { string_value: "x" } }');
  assert.deepEqual(Object.keys(cfg.parameters as object), ['__proto__']);
  assert.equal(Object.getPrototypeOf(cfg.parameters), Object.prototype);
});

test('64-bit values beyond 2^53-1 stay exact as decimal strings', () => {
  const cfg = parse('dynamic_batching { priority_levels: 18446744073709551615 default_priority_level: 1 }');
  assert.deepEqual(cfg.dynamic_batching, { priority_levels: '18446744073709551615', default_priority_level: 1 });
  assert.throws(() => parse('dynamic_batching { priority_levels: 18446744073709551616 }'), /out of range for field "priority_levels" \(uint64\)/);
  const json = parseConfigJson('{"dynamic_batching":{"priority_levels":"18446744073709551615"}}', 'load');
  assert.deepEqual(json.dynamic_batching, { priority_levels: '18446744073709551615' });
});

test('syntax seen across Triton\'s own qa configs parses', () => {
  // Constructs seen across triton-inference-server/server qa/*.pbtxt: nested maps of messages,
  // lists of messages without ':', enums, comments after values, trailing separators.
  const cfg = parse(`
    name: "m" # trailing comment
    platform: "tensorflow_savedmodel"
    max_batch_size: 8
    version_policy: { specific { versions: 1 versions: 3 }}
    optimization { execution_accelerators { gpu_execution_accelerator : [ { name : "tensorrt"
      parameters { key: "precision_mode" value: "FP16" }}] } }
    dynamic_batching {
      preferred_batch_size: [ 2, 4 ]
      priority_levels: 3
      default_priority_level: 2
      priority_queue_policy { key: 1 value: { timeout_action: DELAY default_timeout_microseconds: 100 } }
    };
    instance_group [ { count: 1, kind: KIND_GPU, gpus: [ 0 ] }, { kind: KIND_CPU } ];
    model_warmup [{ name: "w" batch_size: 1 inputs { key: "in" value: { data_type: TYPE_STRING dims: [ 1 ] input_data_file: "raw" } } }]`);
  const db = cfg.dynamic_batching as Record<string, unknown>;
  assert.deepEqual(db.priority_queue_policy, { 1: { timeout_action: 'DELAY', default_timeout_microseconds: 100 } });
  const opt = cfg.optimization as { execution_accelerators: { gpu_execution_accelerator: unknown[] } };
  assert.deepEqual(opt.execution_accelerators.gpu_execution_accelerator, [{ name: 'tensorrt', parameters: { precision_mode: 'FP16' } }]);
  assert.deepEqual(cfg.version_policy, { specific: { versions: [1, 3] } });
  const n = normalizeModelConfig(cfg, 'm');
  assert.deepEqual(n.instance_group.map((g) => [g.name, g.kind, g.count]), [['m_0', 'KIND_GPU', 1], ['m_1', 'KIND_CPU', 1]]);
});
