// The `fil` backend against the fixtures: output_class / predict_proba / threshold semantics as
// the Triton FIL backend defines them, auto-complete from the model, and a Triton repository
// without config.pbtxt served through ModelRepository. Every request goes through the batcher.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, copyFile, readFile, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { filBackend, autoCompleteFilConfig } from '../../lib/backends/fil.js';
import '../../lib/backends/index.js';
import { loadModel } from '../../lib/forest/model.js';
import { normalizeModelConfig, parseConfigText } from '../../lib/repository/config.js';
import { ModelRepository } from '../../lib/repository/repository.js';
import type { InferenceModel, Tensor } from '../../lib/backends/types.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures');
async function f32(rel: string): Promise<Float32Array> {
  const b = await readFile(path.join(fixtures, rel));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
async function f64(rel: string): Promise<Float64Array> {
  const b = await readFile(path.join(fixtures, rel));
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

const BINARY = { file: 'treelite/xgb_binary_logistic_nan.tl', input: 'xgboost/binary_logistic_nan.input.f32', features: 20,
  probability: 'treelite/xgb_binary_logistic_nan.expected_probability.f32' };
const MULTI = { file: 'treelite/lgb_multiclass3.tl', input: 'lightgbm/multiclass3.input.f32', features: 12,
  probability: 'treelite/lgb_multiclass3.expected_probability.f64' };
const SOFTMAX = { file: 'xgboost/multi_softmax3.json', input: 'xgboost/multi_softmax3.input.f32', features: 10,
  margin: 'xgboost/multi_softmax3.expected_margin.f32', cls: 'xgboost/multi_softmax3.expected_class.f32' };
const REG = { file: 'treelite/sklearn_gbr.tl', input: 'treelite/sklearn_gbr.input.f32',
  value: 'treelite/sklearn_gbr.expected_value.f64' };

async function versionDir(modelFile: string): Promise<{ dir: string; ctx: Parameters<typeof filBackend.load>[1] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'larch-fil-'));
  await mkdir(path.join(dir, '1'));
  const modelPath = path.join(dir, '1', 'checkpoint.tl');
  await copyFile(path.join(fixtures, modelFile), modelPath);
  return { dir, ctx: { modelDir: dir, versionDir: path.join(dir, '1'), version: '1', modelPath, responseParameters: { larch_run: 'r1' } } };
}

function config(name: string, text: string) {
  return normalizeModelConfig(parseConfigText(`backend: "fil"\n${text}`, `${name}/config.pbtxt`), name);
}
const params = (kv: Record<string, string>) =>
  `parameters [ ${Object.entries(kv).map(([k, v]) => `{ key: "${k}" value: { string_value: "${v}" } }`).join(', ')} ]`;

async function load(fixture: string, text: string): Promise<{ model: InferenceModel; dir: string }> {
  const { dir, ctx } = await versionDir(fixture);
  const format = fixture.endsWith('.json') ? 'xgboost_json' : 'treelite_checkpoint';
  const cfg = autoCompleteFilConfig(config('m', text), await loadModel(ctx.modelPath, { format }));
  return { model: await filBackend.load(normalizeModelConfig(cfg as never, 'm'), ctx), dir };
}

/** Sends `rows` rows of X as requests of 1..4 rows, concurrently; returns output__0 row-major. */
async function inferAll(model: InferenceModel, X: Float32Array, features: number, rows: number): Promise<{ out: Float32Array; width: number }> {
  const jobs: Promise<Tensor[]>[] = [];
  const starts: number[] = [];
  for (let r = 0, i = 0; r < rows; i++) {
    const n = Math.min(1 + (i % 4), rows - r);
    starts.push(r);
    jobs.push(model.infer([{ name: 'input__0', datatype: 'FP32', shape: [n, features], data: X.slice(r * features, (r + n) * features) }]));
    r += n;
  }
  const results = await Promise.all(jobs);
  const width = results[0]![0]!.shape[1]!;
  const out = new Float32Array(rows * width);
  results.forEach((res, i) => {
    assert.equal(res[0]!.name, 'output__0');
    assert.equal(res[0]!.datatype, 'FP32');
    out.set(res[0]!.data as Float32Array, starts[i]! * width);
  });
  return { out, width };
}

const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * (1 + Math.abs(b));

test('binary classifier: probability, class by threshold, and two-column predict_proba', async () => {
  const X = await f32(BINARY.input);
  const p = await f32(BINARY.probability);
  const rows = 200;
  const cfgText = 'max_batch_size: 64\ndynamic_batching { max_queue_delay_microseconds: 100 }\ninstance_group [{ count: 2, kind: KIND_CPU }]\n';

  const value = await load(BINARY.file, cfgText + params({ model_type: 'treelite_checkpoint', output_class: 'false' }));
  const v = await inferAll(value.model, X, BINARY.features, rows);
  assert.equal(v.width, 1);
  for (let r = 0; r < rows; r++) assert.ok(close(v.out[r]!, p[r]!, 1e-5), `row ${r}: ${v.out[r]} vs ${p[r]}`);
  assert.deepEqual(value.model.outputs, [{ name: 'output__0', datatype: 'FP32', dims: [1] }]);
  assert.deepEqual(value.model.responseParameters, { larch_run: 'r1' });
  assert.equal(value.model.stats().inferenceCount, rows);

  for (const threshold of [undefined, '0.3']) {
    const kv: Record<string, string> = { model_type: 'treelite_checkpoint', output_class: 'true' };
    if (threshold) kv.threshold = threshold;
    const cls = await load(BINARY.file, cfgText + params(kv));
    const c = await inferAll(cls.model, X, BINARY.features, rows);
    const t = threshold ? Number(threshold) : 0.5;
    for (let r = 0; r < rows; r++) assert.equal(c.out[r], p[r]! > t ? 1 : 0, `row ${r}`);
    await cls.model.unload();
    await rm(cls.dir, { recursive: true });
  }

  const proba = await load(BINARY.file, cfgText + params({ model_type: 'treelite_checkpoint', output_class: 'true', predict_proba: 'true' }));
  const pr = await inferAll(proba.model, X, BINARY.features, rows);
  assert.equal(pr.width, 2);
  for (let r = 0; r < rows; r++) {
    assert.ok(close(pr.out[2 * r + 1]!, p[r]!, 1e-5));
    assert.ok(close(pr.out[2 * r]!, 1 - p[r]!, 1e-5));
  }
  // FIL 25.09's parameter name is is_classifier; output_class, the earlier one, wins when given.
  const named = await load(BINARY.file, cfgText + params({ model_type: 'treelite_checkpoint', is_classifier: 'true', threshold: '0.3' }));
  const n = await inferAll(named.model, X, BINARY.features, rows);
  for (let r = 0; r < rows; r++) assert.equal(n.out[r], p[r]! > 0.3 ? 1 : 0, `is_classifier row ${r}`);
  const overridden = await load(BINARY.file, cfgText + params({ model_type: 'treelite_checkpoint', is_classifier: 'true', output_class: 'false' }));
  const o = await inferAll(overridden.model, X, BINARY.features, rows);
  for (let r = 0; r < rows; r++) assert.ok(close(o.out[r]!, p[r]!, 1e-5), `output_class=false wins, row ${r}`);
  // predict_proba with output dims [ 1 ]: FIL's one probability per row for a binary model.
  const oneColumn = await load(BINARY.file, cfgText + 'output [{ name: "output__0" data_type: TYPE_FP32 dims: [ 1 ] }]\n' +
    params({ model_type: 'treelite_checkpoint', is_classifier: 'true', predict_proba: 'true' }));
  const one = await inferAll(oneColumn.model, X, BINARY.features, rows);
  assert.equal(one.width, 1);
  for (let r = 0; r < rows; r++) assert.ok(close(one.out[r]!, p[r]!, 1e-5), `one-column predict_proba row ${r}`);
  for (const m of [value, proba, named, overridden, oneColumn]) {
    await m.model.unload();
    await rm(m.dir, { recursive: true });
  }
});

test('multiclass classifier: argmax class and per-class probabilities (float64 model narrowed to FP32)', async () => {
  const X = await f32(MULTI.input);
  const p = await f64(MULTI.probability);
  const rows = 120;
  const base = 'max_batch_size: 32\ndynamic_batching { }\n';
  const cls = await load(MULTI.file, base + params({ model_type: 'treelite_checkpoint', output_class: 'true' }));
  const c = await inferAll(cls.model, X, MULTI.features, rows);
  assert.equal(c.width, 1);
  for (let r = 0; r < rows; r++) {
    const row = [p[3 * r]!, p[3 * r + 1]!, p[3 * r + 2]!];
    assert.equal(c.out[r], row.indexOf(Math.max(...row)), `row ${r}`);
  }
  const proba = await load(MULTI.file, base + params({ model_type: 'treelite_checkpoint', output_class: 'true', predict_proba: 'true' }));
  const pr = await inferAll(proba.model, X, MULTI.features, rows);
  assert.equal(pr.width, 3);
  for (let i = 0; i < rows * 3; i++) assert.ok(close(pr.out[i]!, p[i]!, 1e-6), `value ${i}`);
  for (const m of [cls, proba]) {
    await m.model.unload();
    await rm(m.dir, { recursive: true });
  }
});

test('multi:softmax: the class, or with predict_proba the softmax of its scores (as FIL)', async () => {
  const X = await f32(SOFTMAX.input);
  const margin = await f32(SOFTMAX.margin);
  const classes = await f32(SOFTMAX.cls);
  const rows = 100;
  const base = 'max_batch_size: 32\ndynamic_batching { }\n';
  const cls = await load(SOFTMAX.file, base + params({ model_type: 'xgboost_json', is_classifier: 'true' }));
  const c = await inferAll(cls.model, X, SOFTMAX.features, rows);
  assert.equal(c.width, 1);
  for (let r = 0; r < rows; r++) assert.equal(c.out[r], classes[r], `class row ${r}`);
  const proba = await load(SOFTMAX.file, base + params({ model_type: 'xgboost_json', is_classifier: 'true', predict_proba: 'true' }));
  const pr = await inferAll(proba.model, X, SOFTMAX.features, rows);
  assert.equal(pr.width, 3);
  assert.deepEqual(proba.model.outputs, [{ name: 'output__0', datatype: 'FP32', dims: [3] }]);
  for (let r = 0; r < rows; r++) {
    // Treelite GTIL's float32 softmax over XGBoost's margins.
    const m = [...margin.subarray(3 * r, 3 * r + 3)];
    const max = Math.max(...m);
    const t = m.map((v) => Math.fround(Math.exp(Math.fround(v - max))));
    const norm = Math.fround(t.reduce((a, b) => a + b, 0));
    for (let k = 0; k < 3; k++) assert.ok(close(pr.out[3 * r + k]!, Math.fround(t[k]! / norm), 1e-6), `row ${r} class ${k}`);
    const best = pr.out.subarray(3 * r, 3 * r + 3).indexOf(Math.max(...pr.out.subarray(3 * r, 3 * r + 3)));
    assert.equal(best, classes[r], `row ${r}: the most probable class is the predicted one`);
  }
  for (const m of [cls, proba]) {
    await m.model.unload();
    await rm(m.dir, { recursive: true });
  }
});

test('regressor with output_class=false gives the regression value', async () => {
  const X = await f32(REG.input);
  const want = await f64(REG.value);
  const reg = await load(REG.file, 'max_batch_size: 16\n' + params({ model_type: 'treelite_checkpoint', output_class: 'false' }));
  const features = reg.model.inputs[0]!.dims[0]!;
  const rows = Math.min(100, want.length);
  const v = await inferAll(reg.model, X, features, rows);
  for (let r = 0; r < rows; r++) assert.ok(close(v.out[r]!, want[r]!, 1e-5), `row ${r}`);
  await reg.model.unload();
  await rm(reg.dir, { recursive: true });
});

test('auto-complete fills input__0, output__0, max_batch_size and dynamic batching from the model', async () => {
  const { dir, ctx } = await versionDir(BINARY.file);
  const cfg = await filBackend.autoComplete!(config('m', params({ model_type: 'treelite_checkpoint', predict_proba: 'true' })), ctx);
  assert.equal(cfg.max_batch_size, 4);
  assert.deepEqual(cfg.input.map((i) => [i.name, i.data_type, i.dims]), [['input__0', 'TYPE_FP32', [20]]]);
  assert.deepEqual(cfg.output.map((o) => [o.name, o.data_type, o.dims]), [['output__0', 'TYPE_FP32', [2]]]);
  assert.ok(cfg.dynamic_batching);
  // what the user wrote stays
  const kept = await filBackend.autoComplete!(config('m', 'max_batch_size: 256\ninput [{ name: "input__0" data_type: TYPE_FP32 dims: [ 20 ] }]\n' +
    params({ model_type: 'treelite_checkpoint' })), ctx);
  assert.equal(kept.max_batch_size, 256);
  assert.equal(kept.dynamic_batching, undefined);
  assert.deepEqual(kept.output[0]!.dims, [1]);
  await rm(dir, { recursive: true });
});

test('configs that contradict the model or FIL are refused with the reason', async () => {
  const { dir, ctx } = await versionDir(BINARY.file);
  const bad = async (text: string, re: RegExp, code = 'INVALID_ARGUMENT') =>
    assert.rejects(filBackend.load(config('m', text), ctx), { code, message: re });
  const io = (inDims: number, outDims: number) =>
    `input [{ name: "input__0" data_type: TYPE_FP32 dims: [ ${inDims} ] }]\noutput [{ name: "output__0" data_type: TYPE_FP32 dims: [ ${outDims} ] }]\n`;
  await bad('max_batch_size: 8\n' + io(19, 1) + params({ model_type: 'treelite_checkpoint' }), /20 features/);
  await bad('max_batch_size: 8\n' + io(20, 3) + params({ model_type: 'treelite_checkpoint', predict_proba: 'true' }), /2 value\(s\) per row/);
  // model_type "xgboost" (the legacy binary format) reads checkpoint.tl with that loader.
  await bad('max_batch_size: 8\n' + io(20, 1) + params({ model_type: 'xgboost' }), /XGBoost binary: /);
  await bad('max_batch_size: 8\n' + io(20, 1) + params({ model_type: 'treelite_checkpoint', output_class: 'maybe' }), /"true" or "false"/);
  await bad('max_batch_size: 0\n' + io(20, 1) + params({ model_type: 'treelite_checkpoint' }), /max_batch_size >= 1/);
  await bad('max_batch_size: 8\n' + io(20, 1) + 'output [{ name: "treeshap_output" data_type: TYPE_FP32 dims: [ 21 ] }]\n' +
    params({ model_type: 'treelite_checkpoint' }), /treeshap_output \(SHAP values\) is not supported/, 'UNSUPPORTED');
  await rm(dir, { recursive: true });
});

test('a Triton FIL repository without config.pbtxt is auto-completed and served through the repository', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'larch-filrepo-'));
  await mkdir(path.join(root, 'fraud', '1'), { recursive: true });
  await copyFile(path.join(fixtures, BINARY.file), path.join(root, 'fraud', '1', 'checkpoint.tl'));
  await writeFile(path.join(root, 'fraud', 'config.pbtxt'),
    'backend: "fil"\nmax_batch_size: 8\ndynamic_batching { preferred_batch_size: [ 4 ] }\n' +
    params({ model_type: 'treelite_checkpoint', output_class: 'true' }));
  const repo = await ModelRepository.open({ root, log: () => {} });
  try {
    const model = repo.getModel('fraud');
    assert.equal(model.platform, 'fil');
    assert.deepEqual(model.inputs, [{ name: 'input__0', datatype: 'FP32', dims: [20] }]);
    const X = await f32(BINARY.input);
    const p = await f32(BINARY.probability);
    const { out } = await inferAll(model, X, 20, 16);
    for (let r = 0; r < 16; r++) assert.equal(out[r], p[r]! > 0.5 ? 1 : 0);
    const stats = repo.statistics('fraud');
    assert.equal(stats[0]!.stats.inferenceCount, 16);
  } finally {
    await repo.close();
    await rm(root, { recursive: true });
  }
});

test('every FIL model_type is served from its default file name with no config.pbtxt at all', async () => {
  const cases = [
    { dir: 'softprob', file: 'xgboost.json', src: 'xgboost/multi_softprob4.json', input: 'xgboost/multi_softprob4.input.f32',
      expected: 'xgboost/multi_softprob4.expected_probability.f32', f64: false, tol: 1e-5 },
    { dir: 'ubj', file: 'xgboost.ubj', src: 'xgboost/binary_logistic_nan.ubj', input: 'xgboost/binary_logistic_nan.input.f32',
      expected: 'xgboost/binary_logistic_nan.expected_probability.f32', f64: false, tol: 1e-5 },
    { dir: 'lgb', file: 'model.txt', src: 'lightgbm/regression.txt', input: 'lightgbm/regression.input.f32',
      expected: 'lightgbm/regression.expected_value.f64', f64: true, tol: 1e-5 },
    { dir: 'tl', file: 'checkpoint.tl', src: 'treelite/sklearn_gbr.tl', input: 'treelite/sklearn_gbr.input.f32',
      expected: 'treelite/sklearn_gbr.expected_value.f64', f64: true, tol: 1e-5 },
  ];
  const root = await mkdtemp(path.join(os.tmpdir(), 'larch-filauto-'));
  for (const c of cases) {
    await mkdir(path.join(root, c.dir, '1'), { recursive: true });
    await copyFile(path.join(fixtures, c.src), path.join(root, c.dir, '1', c.file));
  }
  const repo = await ModelRepository.open({ root, log: () => {} });
  try {
    for (const c of cases) {
      const model = repo.getModel(c.dir);
      const features = model.inputs[0]!.dims[0]!;
      const width = model.outputs[0]!.dims[0]!;
      assert.equal(model.maxBatchSize, 4, c.dir);
      const X = await f32(c.input);
      const want = c.f64 ? await f64(c.expected) : await f32(c.expected);
      const { out } = await inferAll(model, X, features, 40);
      for (let i = 0; i < 40 * width; i++) assert.ok(close(out[i]!, want[i]!, c.tol), `${c.dir} value ${i}: ${out[i]} vs ${want[i]}`);
    }
  } finally {
    await repo.close();
    await rm(root, { recursive: true });
  }
});
