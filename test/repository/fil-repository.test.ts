// A Triton FIL model repository served through the fil backend and the native batcher: models
// with a full config.pbtxt, with none (backend and model_type found from the file name, config
// auto-completed), with default_model_filename; predictions against the fixtures' expected
// values; then a version swap under concurrent traffic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import '../../lib/backends/index.js';
import type { Tensor } from '../../lib/backends/types.js';
import { ModelRepository } from '../../lib/repository/repository.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures');

interface Case { id: string; model_file: string; input_file: string; input_shape: number[]; expected_file: string; expected_dtype: 'float32' | 'float64' }
const manifest = JSON.parse(readFileSync(path.join(fixtures, 'MANIFEST.json'), 'utf8')) as { cases: Case[] };
const fixture = (id: string) => manifest.cases.find((c) => c.id === id)!;

function rows(c: Case, n: number): { input: Tensor; expected: Float64Array } {
  const f32 = readFileSync(path.join(fixtures, c.input_file));
  const features = c.input_shape[1]!;
  const input = new Float32Array(f32.buffer.slice(f32.byteOffset, f32.byteOffset + n * features * 4));
  const raw = readFileSync(path.join(fixtures, c.expected_file));
  const width = c.expected_dtype === 'float32' ? 4 : 8;
  const bytes = raw.buffer.slice(raw.byteOffset, raw.byteOffset + n * width);
  const expected = Float64Array.from(width === 4 ? new Float32Array(bytes) : new Float64Array(bytes));
  return { input: { name: 'input__0', datatype: 'FP32', shape: [n, features], data: input }, expected };
}

function assertClose(actual: Tensor, expected: Float64Array, what: string): void {
  const a = actual.data as Float32Array;
  assert.equal(a.length, expected.length, `${what}: one value per row`);
  for (let i = 0; i < a.length; i++) {
    const tol = 1e-4 * Math.max(1, Math.abs(expected[i]!));
    if (!(Math.abs(a[i]! - expected[i]!) <= tol)) assert.fail(`${what}: row ${i} = ${a[i]}, expected ${expected[i]}`);
  }
}

test('a Triton FIL repository: full, missing and custom-file configs, predictions, version swap under traffic', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'larch-fil-repo-'));
  const put = (rel: string, from: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    copyFileSync(path.join(fixtures, from), path.join(root, rel));
  };
  const xgb = fixture('xgb_reg_squarederror.value');
  const lgb = fixture('lgb_regression.value');
  const tl = fixture('tl_lgb_regression.value');
  put('xgb/1/xgboost.json', xgb.model_file);
  writeFileSync(path.join(root, 'xgb/config.pbtxt'), `
    backend: "fil"
    max_batch_size: 64
    input [{ name: "input__0" data_type: TYPE_FP32 dims: [ ${xgb.input_shape[1]} ] }]
    output [{ name: "output__0" data_type: TYPE_FP32 dims: [ 1 ] }]
    instance_group [{ kind: KIND_CPU count: 1 }]
    parameters [
      { key: "model_type" value: { string_value: "xgboost_json" } },
      { key: "output_class" value: { string_value: "false" } }
    ]
    dynamic_batching { max_queue_delay_microseconds: 100 }`);
  put('lgb/1/model.txt', lgb.model_file);                 // no config.pbtxt: fil + lightgbm from the file name
  put('tl/3/checkpoint.tl', tl.model_file);               // no config.pbtxt: fil + treelite_checkpoint
  put('custom/1/my-model.bin', lgb.model_file);
  writeFileSync(path.join(root, 'custom/config.pbtxt'),
    'backend: "fil" default_model_filename: "my-model.bin" parameters { key: "model_type" value { string_value: "lightgbm" } }');

  const repo = await ModelRepository.open({ root, controlMode: 'poll', pollSeconds: 3600, log: () => undefined });
  try {
    assert.deepEqual((await repo.index()).map((r) => `${r.name}:${r.version}:${r.state}:${r.reason}`),
      ['custom:1:READY:', 'lgb:1:READY:', 'tl:3:READY:', 'xgb:1:READY:']);
    const auto = repo.config('lgb') as Record<string, any>;
    assert.equal(auto.backend, 'fil');
    assert.deepEqual(auto.parameters.model_type, { string_value: 'lightgbm' });
    assert.deepEqual(auto.input.map((t: { name: string; dims: number[] }) => [t.name, t.dims]), [['input__0', [lgb.input_shape[1]]]]);
    assert.equal(auto.output[0].name, 'output__0');
    assert.equal(repo.metadata('xgb').platform, 'fil');

    for (const [name, c] of [['xgb', xgb], ['lgb', lgb], ['tl', tl], ['custom', lgb]] as const) {
      const n = Math.min(4, repo.getModel(name).maxBatchSize);
      const { input, expected } = rows(c, n);
      const out = await repo.getModel(name).infer([input]);
      assertClose(out.find((t) => t.name === 'output__0')!, expected, name);
    }

    // Version 2 (the same model) arrives while 64 single-row requests are in flight.
    const { input, expected } = rows(xgb, 64);
    const features = xgb.input_shape[1]!;
    const one = (i: number): Tensor => ({ ...input, shape: [1, features], data: (input.data as Float32Array).subarray(i * features, (i + 1) * features) });
    const traffic = Array.from({ length: 64 }, (_, i) => repo.getModel('xgb').infer([one(i)]));
    put('xgb/2/xgboost.json', xgb.model_file);
    await repo.pollOnce();
    const more = Array.from({ length: 64 }, (_, i) => repo.getModel('xgb').infer([one(i)]));
    const results = await Promise.all([...traffic, ...more]);
    results.forEach((out, k) => assertClose(out[0]!, expected.subarray(k % 64, k % 64 + 1), `request ${k}`));
    assert.equal(repo.getModel('xgb').version, '2');
    const stats = repo.statistics('xgb');
    assert.deepEqual(stats.map((s) => s.version), ['2']);
    assert.ok(stats[0]!.stats.success.count >= 64);
  } finally {
    await repo.close();
    rmSync(root, { recursive: true, force: true });
  }
});
