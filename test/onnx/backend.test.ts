// The onnxruntime backend as the repository drives it: auto-complete from the model, config
// checks, session settings from parameters, and loading a version that serves the fixtures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onnxBackend } from '../../lib/backends/onnx.js';
import { backendFor } from '../../lib/repository/backend-registry.js';
import { normalizeModelConfig, parseConfigText } from '../../lib/repository/config.js';
import type { BackendLoadContext } from '../../lib/repository/backend-registry.js';
import { sessionOptionsOf } from '../../lib/onnx/config.js';
import { onnxAvailability } from '../../lib/onnx/runtime.js';
import { LarchError } from '../../lib/protocol/errors.js';
import { asServed, assertOutputsMatch, onnxCases, sliceRows } from './onnx-fixtures.js';
import { addon } from '../../lib/native.js';

const batchModelIds = () => (addon as unknown as { batchModelIds(): string[] }).batchModelIds();
import { OnnxType, buildModel, identityModel } from './onnx-builder.js';

const config = (name: string, text = '') => normalizeModelConfig(parseConfigText(text, `${name}/config.pbtxt`), name);
const ctxFor = (modelPath: string): BackendLoadContext => ({
  modelDir: path.dirname(modelPath), versionDir: path.dirname(modelPath), version: '1', modelPath,
  responseParameters: { larch_run: 'r1' },
});
const two = () => onnxCases().find((c) => c.id === 'onnx_two_inputs_two_outputs')!;

test('platform onnxruntime_onnx and backend onnxruntime both select the ONNX backend, default file model.onnx', () => {
  for (const text of ['platform: "onnxruntime_onnx"', 'backend: "onnxruntime"']) {
    const cfg = config('m', text);
    assert.equal(backendFor(cfg), onnxBackend);
    assert.equal(onnxBackend.defaultModelFilename(cfg), 'model.onnx');
    assert.equal(onnxBackend.metadataPlatform(cfg), 'onnxruntime_onnx');
  }
});

test('session settings come from Triton\'s parameters and optimization.graph.level', () => {
  const cfg = config('m', `backend: "onnxruntime"
    optimization { graph { level: -1 } }
    parameters { key: "intra_op_thread_count" value: { string_value: "2" } }
    parameters { key: "inter_op_thread_count" value: { string_value: "1" } }
    parameters { key: "execution_mode" value: { string_value: "1" } }
    parameters { key: "enable_mem_arena" value: { string_value: "0" } }`);
  assert.deepEqual(sessionOptionsOf(cfg), {
    intraOpThreads: 2, interOpThreads: 1, parallelExecution: true, memoryArena: false, graphOptimizationLevel: 1,
  });
  assert.equal(sessionOptionsOf(config('m', 'backend: "onnxruntime"')).graphOptimizationLevel, 99);
  assert.throws(() => sessionOptionsOf(config('m', 'backend: "onnxruntime" parameters { key: "intra_op_thread_count" value: { string_value: "many" } }')),
    /intra_op_thread_count = "many"/);
  assert.throws(() => sessionOptionsOf(config('m', 'backend: "onnxruntime" optimization { graph { level: 7 } }')), /graph.level 7/);
});

if (onnxAvailability().available) {
  test('auto-complete fills inputs, outputs, max_batch_size 4 and a dynamic batcher from the model', async () => {
    const cfg = await onnxBackend.autoComplete!(config('two', 'platform: "onnxruntime_onnx"'), ctxFor(two().modelFile));
    assert.equal(cfg.max_batch_size, 4);
    assert.deepEqual(cfg.dynamic_batching?.preferred_batch_size, [4]);
    assert.deepEqual(cfg.input.map((i) => [i.name, i.data_type, i.dims, i.reshape]), [['x', 'TYPE_FP32', [4], undefined], ['k', 'TYPE_INT64', [1], { shape: [] }]]);
    assert.deepEqual(cfg.output.map((o) => [o.name, o.data_type, o.dims, o.reshape]), [['y', 'TYPE_FP32', [4], undefined], ['z', 'TYPE_INT64', [1], { shape: [] }]]);
    assert.equal(cfg.input[0]!.format, 'FORMAT_NONE', 'filled entries carry every primitive field');
  });

  test('auto-complete keeps what the config states and fills the rest', async () => {
    const cfg = await onnxBackend.autoComplete!(config('two', `platform: "onnxruntime_onnx" max_batch_size: 64
      input [ { name: "x" data_type: TYPE_FP32 dims: [ 4 ] } ]`), ctxFor(two().modelFile));
    assert.equal(cfg.max_batch_size, 64);
    assert.equal(cfg.dynamic_batching, undefined, 'a config that sets max_batch_size chooses its own scheduler');
    assert.deepEqual(cfg.input.map((i) => i.name), ['x', 'k']);
  });

  test('a config stating the batch dimension in dims leaves max_batch_size 0', async () => {
    const cfg = await onnxBackend.autoComplete!(config('two', `platform: "onnxruntime_onnx"
      input [ { name: "x" data_type: TYPE_FP32 dims: [ -1, 4 ] } ]`), ctxFor(two().modelFile));
    assert.equal(cfg.max_batch_size, 0);
    assert.deepEqual(cfg.input.map((i) => i.dims), [[-1, 4], [-1]]);
  });

  test('a config that contradicts the model is refused, naming both sides', async () => {
    const bad = async (text: string, pattern: RegExp) =>
      assert.rejects(onnxBackend.autoComplete!(config('two', `platform: "onnxruntime_onnx" ${text}`), ctxFor(two().modelFile)),
        (err: unknown) => LarchError.is(err) && err.code === 'INVALID_ARGUMENT' && pattern.test(err.message));
    await bad('input [ { name: "x" data_type: TYPE_FP64 dims: [ 4 ] } ]', /'x' has data_type TYPE_FP64, the ONNX model's is TYPE_FP32/);
    await bad('input [ { name: "w" data_type: TYPE_FP32 dims: [ 4 ] } ]', /'w' is not an input.*'x', 'k'/);
    await bad('max_batch_size: 8 input [ { name: "x" data_type: TYPE_FP32 dims: [ 5 ] } ]', /dims \[5\].*\[4\]/);
    await bad('output [ { name: "z" data_type: TYPE_INT32 dims: [ ] } ]', /'z' has data_type TYPE_INT32/);
  });

  test('a model without a batch dimension keeps max_batch_size 0 and cannot take more', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'larch-onnx-'));
    const file = path.join(dir, 'model.onnx');
    writeFileSync(file, buildModel({
      nodes: [{ op: 'Identity', inputs: ['a'], outputs: ['b'] }],
      inputs: [{ name: 'a', type: OnnxType.FLOAT, shape: [2, 2] }],
      outputs: [{ name: 'b', type: OnnxType.FLOAT, shape: [2, 2] }],
    }));
    const cfg = await onnxBackend.autoComplete!(config('fixed', 'backend: "onnxruntime"'), ctxFor(file));
    assert.equal(cfg.max_batch_size, 0);
    assert.deepEqual(cfg.input[0]!.dims, [2, 2]);
    await assert.rejects(onnxBackend.autoComplete!(config('fixed', 'backend: "onnxruntime" max_batch_size: 8'), ctxFor(file)),
      (e: unknown) => LarchError.is(e) && /max_batch_size 8 needs a free first dimension.*'a' \[2,2\]/.test(e.message));
    const symbolic = path.join(dir, 'symbolic.onnx');
    writeFileSync(symbolic, identityModel(OnnxType.FLOAT, [3]));
    assert.equal((await onnxBackend.autoComplete!(config('id', 'backend: "onnxruntime"'), ctxFor(symbolic))).max_batch_size, 4);
  });

  test('load serves the fixtures through the config\'s view, with the response parameters', async () => {
    for (const c of onnxCases().map(asServed)) {
      const ctx = ctxFor(c.modelFile);
      const cfg = await onnxBackend.autoComplete!(config('m', `platform: "onnxruntime_onnx" max_batch_size: 1000
        instance_group [ { count: 2 kind: KIND_CPU } ]`), ctx);
      const before = batchModelIds().length;
      const model = await onnxBackend.load(cfg, ctx);
      assert.equal(batchModelIds().length, before + 1, 'fixed-size tensors run through the native batcher');
      assert.equal(model.platform, 'onnxruntime_onnx');
      assert.equal(model.maxBatchSize, 1000);
      assert.deepEqual(model.responseParameters, { larch_run: 'r1' });
      assertOutputsMatch(c, await model.infer(c.inputs));
      const rows = await Promise.all(Array.from({ length: 30 }, (_, r) => model.infer(c.inputs.map((t) => sliceRows(t, r, 1)))));
      rows.forEach((out, r) => assertOutputsMatch(c, out, c.expected.map((t) => sliceRows(t, r, 1))));
      assert.equal(model.stats().success.count, 31);
      await model.unload();
      assert.equal(batchModelIds().length, before, 'unload removes the batched model');
    }
  });

  test('BYTES models run their sessions directly, with the same checks', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'larch-onnx-'));
    const file = path.join(dir, 'model.onnx');
    writeFileSync(file, identityModel(OnnxType.STRING, []));
    const cfg = await onnxBackend.autoComplete!(config('s', 'backend: "onnxruntime"'), ctxFor(file));
    assert.deepEqual(cfg.input.map((i) => [i.dims, i.reshape]), [[[1], { shape: [] }]]);
    const before = batchModelIds().length;
    const model = await onnxBackend.load(cfg, ctxFor(file));
    assert.equal(batchModelIds().length, before);
    const [y] = await model.infer([{ name: 'x', datatype: 'BYTES', shape: [2, 1], data: [Buffer.from('a'), Buffer.from('b\u0000c')] }]);
    assert.deepEqual(y!.shape, [2, 1]);
    assert.deepEqual((y!.data as Buffer[]).map(String), ['a', 'b\u0000c']);
    await assert.rejects(model.infer([{ name: 'x', datatype: 'BYTES', shape: [5, 1], data: [] }]), /batch size 5.*1\.\.4/);
    await model.unload();
  });
} else {
  test('without ONNX Runtime, auto-complete and load fail with UNAVAILABLE and the reason', async () => {
    const c = two();
    const cfg = config('two', 'platform: "onnxruntime_onnx"');
    await assert.rejects(onnxBackend.autoComplete!(cfg, ctxFor(c.modelFile)), (e: unknown) => LarchError.is(e) && e.code === 'UNAVAILABLE');
    await assert.rejects(onnxBackend.load(cfg, ctxFor(c.modelFile)), (e: unknown) => LarchError.is(e) && e.code === 'UNAVAILABLE');
  });
}
