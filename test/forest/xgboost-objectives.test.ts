// One small model per XGBoost objective (test/forest/models/xgboost, made by
// gen/make_xgboost_models.py with python3-xgboost 1.7.4): the loaders must reproduce XGBoost's
// margin and predict() output, each base_score transform included, from the JSON file, from
// XGBoost's own UBJSON and from the XGBoost 2.x/3.x-style UBJSON (typed arrays, base_score
// written as "[x]"), the three must predict identically, and each survives toTreelite().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadModel, type Model, type OutputKind } from '../../lib/index.js';
import { root } from '../../lib/native.js';
import { firstMismatch } from './fixtures.js';

const dir = path.join(root, 'test', 'forest', 'models', 'xgboost');
interface Expected {
  objective: string;
  num_feature: number;
  rows: number;
  input: (number | null)[];
  margin: number[];
  value: number[];
}
const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Record<string, Expected>;
const TOL = { abs: 1e-5, rel: 1e-5 };

const OBJECTIVES = [
  'reg:squarederror', 'reg:squaredlogerror', 'reg:pseudohubererror', 'reg:absoluteerror',
  'reg:logistic', 'binary:logistic', 'binary:logitraw', 'binary:hinge', 'count:poisson',
  'reg:gamma', 'reg:tweedie', 'survival:cox', 'survival:aft', 'multi:softprob', 'multi:softmax',
  'rank:pairwise', 'rank:ndcg', 'rank:map',
];

test('every XGBoost objective of XGBoost 1.7 has a model', () => {
  const have = new Set(Object.values(expected).map((e) => e.objective));
  for (const o of OBJECTIVES) assert.ok(have.has(o), `no model for ${o}`);
});

async function predictAll(model: Model, x: Float32Array, rows: number, output: OutputKind) {
  return model.predict(x, { rows, output });
}

for (const [name, e] of Object.entries(expected)) {
  test(`xgboost ${name} (${e.objective}): margin and value match XGBoost in JSON, UBJSON and 2.x UBJSON`, async () => {
    const x = Float32Array.from(e.input, (v) => (v === null ? NaN : v));
    const results: (Float32Array | Float64Array)[] = [];
    for (const [file, format] of [[`${name}.json`, 'xgboost_json'], [`${name}.ubj`, 'xgboost_ubj'],
      [`${name}.v2.ubj`, 'xgboost_ubj']] as const) {
      const model = await loadModel(path.join(dir, file), { format });
      assert.equal(model.numFeature, e.num_feature);
      const margin = await predictAll(model, x, e.rows, 'margin');
      const value = await predictAll(model, x, e.rows, 'value');
      for (const [got, want, kind] of [[margin, e.margin, 'margin'], [value, e.value, 'value']] as const) {
        assert.equal(got.length, want.length, `${file} ${kind}: ${got.length} values, expected ${want.length}`);
        const bad = firstMismatch(got, want, TOL);
        assert.equal(bad, null, `${file} ${kind}: element ${bad?.index} is ${bad?.got}, expected ${bad?.want}`);
      }
      results.push(margin, value);
      if (format === 'xgboost_json') {
        const again = await loadModel(model.toTreelite(), { format: 'treelite_checkpoint' });
        assert.deepEqual(await again.predict(x, { output: 'margin' }), margin, `${file}: margin changed after toTreelite()`);
        assert.deepEqual(await again.predict(x, { output: 'value' }), value, `${file}: value changed after toTreelite()`);
      }
    }
    assert.deepEqual(results[2], results[0], 'UBJSON margin differs from JSON');
    assert.deepEqual(results[4], results[0], '2.x UBJSON margin differs from JSON');
  });
}
