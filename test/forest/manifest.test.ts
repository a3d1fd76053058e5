// Every forest case of test/fixtures/MANIFEST.json, read from the manifest: the prediction must
// match the source library's within the case's tolerance, through both predict and predictSync,
// from float32 and float64 input, and again after a round trip through toTreelite().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel, type Model } from '../../lib/index.js';
import { FIXTURES, firstMismatch, manifestCases, outputKindOf, readArray, type ManifestCase } from './fixtures.js';
import path from 'node:path';

// Libraries whose loaders are part of this build. ONNX cases belong to the ONNX backend's tests.
const FOREST_LIBRARIES = new Set(['treelite', 'xgboost', 'lightgbm']);

const cases = manifestCases().filter((c) => c.library !== 'onnx');
const models = new Map<string, Promise<Model>>();
const load = (file: string) => {
  if (!models.has(file)) models.set(file, loadModel(path.join(FIXTURES, file)));
  return models.get(file)!;
};

function check(c: ManifestCase, got: Float32Array | Float64Array, what: string) {
  const want = readArray(c.expected_file);
  assert.equal(got.length, want.length, `${c.id} (${what}): ${got.length} values, expected ${want.length}`);
  const bad = firstMismatch(got, want, c.tolerance);
  assert.equal(bad, null, `${c.id} (${what}): element ${bad?.index} is ${bad?.got}, expected ${bad?.want}`);
}

test('the manifest holds only forest libraries larch loads, plus onnx', () => {
  for (const c of cases) assert.ok(['treelite', 'xgboost', 'lightgbm'].includes(c.library), c.id);
});

for (const c of cases.filter((k) => FOREST_LIBRARIES.has(k.library))) {
  test(`fixture ${c.id}`, async () => {
    const model = await load(c.model_file);
    assert.equal(model.numFeature, c.num_features);
    const x32 = readArray(c.input_file);
    assert.ok(x32 instanceof Float32Array);
    const output = outputKindOf(c);
    const rows = c.input_shape[0]!;
    check(c, await model.predict(x32, { rows, output }), 'predict f32');
    check(c, model.predictSync(x32, { output }), 'predictSync f32');
    check(c, await model.predict(Float64Array.from(x32), { rows, output }), 'predict f64');

    const again = await loadModel(model.toTreelite(), { format: 'treelite_checkpoint' });
    const direct = await model.predict(x32, { output });
    const viaTreelite = await again.predict(x32, { output });
    assert.deepEqual(viaTreelite, direct, `${c.id}: prediction changed after toTreelite()`);
  });
}
