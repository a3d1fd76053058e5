// The library's one loadModel: .onnx files (or { format: 'onnx' }) become ONNX models, the rest
// forests, and both answer infer(inputs: Tensor[]) (forests under the FIL backend's names).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LarchError, loadModel, OnnxModel } from '../../lib/index.js';
import { Model } from '../../lib/forest/index.js';
import { onnxAvailability } from '../../lib/onnx/runtime.js';
import { inferForest } from '../../lib/forest/tensor-infer.js';
import { addon } from '../../lib/native.js';
import { assertOutputsMatch, fixturesDir, onnxCases } from './onnx-fixtures.js';

const f32 = (file: string) => {
  const b = readFileSync(path.join(fixturesDir, file));
  const c = new Uint8Array(b.byteLength);
  c.set(b);
  return new Float32Array(c.buffer);
};

// The forest loaders land separately; until they do, this build answers UNSUPPORTED.
const forestBuilt = typeof (addon as Record<string, unknown>).forestLoad === 'function' &&
  await loadModel(path.join(fixturesDir, 'xgboost/base_score_binary.json')).then(() => true, (e: unknown) => !(LarchError.is(e) && e.code === 'UNSUPPORTED'));

test('forest infer maps input__0 to predict and its result to output__0', async () => {
  const calls: Array<[Float32Array | Float64Array, number]> = [];
  const fake = {
    numFeature: 2, numOutput: 3,
    predict: async (X: Float32Array | Float64Array, o: { rows: number }) => {
      calls.push([X, o.rows]);
      return new Float64Array(o.rows * 3).fill(0.5);
    },
  } as unknown as Model;
  const X = new Float64Array([1, 2, 3, 4]);
  const [out] = await inferForest(fake, [{ name: 'input__0', datatype: 'FP64', shape: [2, 2], data: X }]);
  assert.deepEqual(calls, [[X, 2]]);
  assert.deepEqual(out, { name: 'output__0', datatype: 'FP64', shape: [2, 3], data: new Float64Array(6).fill(0.5) });
  await assert.rejects(inferForest(fake, []), /one input, 'input__0' \[rows, 2\]; got none/);
});

test('a forest model answers infer with input__0 -> output__0, equal to predict and to XGBoost', { skip: !forestBuilt && 'forest engine not in this build' }, async () => {
  const model = await loadModel(path.join(fixturesDir, 'xgboost/base_score_binary.json'));
  assert.ok(model instanceof Model);
  const X = f32('xgboost/base_score_binary.input.f32');
  const expected = f32('xgboost/base_score_binary.expected_probability.f32');
  const [out] = await model.infer([{ name: 'input__0', datatype: 'FP32', shape: [500, 10], data: X }]);
  assert.equal(out!.name, 'output__0');
  assert.equal(out!.datatype, 'FP32');
  assert.deepEqual(out!.shape, [500, 1]);
  const got = out!.data as Float32Array;
  assert.deepEqual(Array.from(got), Array.from(await model.predict(X)));
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(got[i]! - expected[i]!) <= 1e-5 + 1e-5 * Math.abs(expected[i]!), `row ${i}`);
  const bad = async (inputs: unknown, pattern: RegExp) =>
    assert.rejects(model.infer(inputs as never), (e: unknown) => LarchError.is(e) && e.code === 'INVALID_ARGUMENT' && pattern.test(e.message));
  await bad([{ name: 'x', datatype: 'FP32', shape: [500, 10], data: X }], /one input, 'input__0' \[rows, 10\]; got 'x'/);
  await bad([{ name: 'input__0', datatype: 'FP32', shape: [500, 9], data: X }], /\[500,9\].*\[rows, 10\]/);
  await bad([{ name: 'input__0', datatype: 'FP64', shape: [500, 10], data: X }], /FP64 \(a Float64Array\), got FP64 in a Float32Array/);
  await bad([{ name: 'input__0', datatype: 'FP32', shape: [400, 10], data: X }], /holds 5000/);
});

if (onnxAvailability().available) {
  test('loadModel reads .onnx files and bytes with { format: "onnx" } as ONNX models', async () => {
    for (const c of onnxCases()) {
      const byPath = await loadModel(c.modelFile as `${string}.onnx`);
      assert.ok(byPath instanceof OnnxModel);
      assertOutputsMatch(c, await byPath.infer(c.inputs));
      await byPath.unload();
      const byBytes = await loadModel(readFileSync(c.modelFile), { format: 'onnx', name: 'bytes' });
      assert.equal(byBytes.name, 'bytes');
      assertOutputsMatch(c, await byBytes.infer(c.inputs));
      await byBytes.unload();
    }
  });
}
