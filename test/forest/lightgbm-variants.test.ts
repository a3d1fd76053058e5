// LightGBM text models beyond the fixtures: every objective's transform and parameters (the
// fixture models with their objective line rewritten: the trees stay, so the value must be the
// transform of the unchanged raw score), format versions, constant trees, and objectives larch
// refuses by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LarchError, loadModel, type Model } from '../../lib/index.js';
import { FIXTURES, readArray } from './fixtures.js';

const text = (file: string) => readFileSync(path.join(FIXTURES, 'lightgbm', file), 'utf8');
const load = (t: string) => loadModel(Buffer.from(t), { format: 'lightgbm' });
const sigmoid = (a: number) => (x: number) => 1 / (1 + Math.exp(-a * x));

function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string) {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    assert.ok(Math.abs(g - w) <= 1e-12 + 1e-9 * Math.abs(w), `${what}: element ${i} is ${g}, expected ${w}`);
  }
}

async function valueOf(model: Model, x: Float32Array) {
  return [await model.predict(x, { output: 'margin' }), await model.predict(x, { output: 'value' })] as const;
}

const regression = text('regression.txt');
const regressionX = readArray('lightgbm/regression.input.f32') as Float32Array;
const TRANSFORMS: [string, (x: number) => number][] = [
  ['regression', (x) => x], ['regression_l1', (x) => x], ['huber', (x) => x], ['fair', (x) => x],
  ['quantile', (x) => x], ['mape', (x) => x], ['lambdarank', (x) => x], ['rank_xendcg', (x) => x],
  ['regression sqrt', (x) => Math.sign(x) * x * x],
  ['poisson', Math.exp], ['gamma', Math.exp], ['tweedie', Math.exp],
  ['cross_entropy', sigmoid(1)], ['cross_entropy_lambda', (x) => Math.log1p(Math.exp(x))],
  ['binary sigmoid:1', sigmoid(1)], ['binary sigmoid:0.5', sigmoid(0.5)],
];

for (const [objective, f] of TRANSFORMS) {
  test(`lightgbm objective=${objective}: value is the transform of the raw score`, async () => {
    const model = await load(regression.replace('objective=regression', `objective=${objective}`));
    const [margin, value] = await valueOf(model, regressionX);
    close(value, Array.from(margin, f), objective);
  });
}

test('lightgbm objective=multiclassova sigmoid:1.5: a sigmoid per class', async () => {
  const t = text('multiclass3.txt');
  assert.match(t, /objective=multiclass num_class:3/);
  const model = await load(t.replace('objective=multiclass num_class:3', 'objective=multiclassova num_class:3 sigmoid:1.5'));
  const x = readArray('lightgbm/multiclass3.input.f32') as Float32Array;
  const [margin, value] = await valueOf(model, x);
  close(margin, readArray('lightgbm/multiclass3.expected_margin.f64'), 'margin');
  close(value, Array.from(margin, sigmoid(1.5)), 'value');
});

test('lightgbm: an unknown objective is refused by name (UNSUPPORTED)', async () => {
  await assert.rejects(load(regression.replace('objective=regression', 'objective=my_custom_loss')),
    (e: unknown) => LarchError.is(e) && e.code === 'UNSUPPORTED' && /my_custom_loss/.test(e.message) && /line 7/.test(e.message));
});

test('lightgbm: version=v3 and v2 files load; an unknown version is UNSUPPORTED', async () => {
  const base = text('binary_nan.txt');
  const x = readArray('lightgbm/binary_nan.input.f32') as Float32Array;
  const want = readArray('lightgbm/binary_nan.expected_probability.f64');
  for (const v of ['v3', 'v2']) {
    const model = await load(base.replace('version=v4', `version=${v}`));
    close(await model.predict(x), want, v);
  }
  await assert.rejects(load(base.replace('version=v4', 'version=v9')),
    (e: unknown) => LarchError.is(e) && e.code === 'UNSUPPORTED' && /v9/.test(e.message));
});

test('lightgbm: num_leaves=1 constant trees and a two-leaf tree, worked out by hand', async () => {
  const model = await load([
    'tree', 'version=v4', 'num_class=1', 'num_tree_per_iteration=1', 'label_index=0', 'max_feature_idx=1',
    'objective=regression', 'feature_names=a b', 'feature_infos=none none', 'tree_sizes=1 1', '',
    'Tree=0', 'num_leaves=1', 'num_cat=0', 'split_feature=', 'split_gain=', 'threshold=', 'decision_type=',
    'left_child=', 'right_child=', 'leaf_value=0.25', 'leaf_weight=0', 'leaf_count=0', 'internal_value=',
    'internal_weight=', 'internal_count=', 'is_linear=0', 'shrinkage=1', '', '',
    // x1 <= 1.5 goes left (leaf 0: -1), else right (leaf 1: +1); NaN: missing type NaN, default left.
    'Tree=1', 'num_leaves=2', 'num_cat=0', 'split_feature=1', 'split_gain=1', 'threshold=1.5',
    'decision_type=10', 'left_child=-1', 'right_child=-2', 'leaf_value=-1 1', 'leaf_weight=1 1',
    'leaf_count=1 1', 'internal_value=0', 'internal_weight=2', 'internal_count=2', 'is_linear=0', 'shrinkage=1', '', '',
    'end of trees', '', 'feature_importances:', 'b=1', '',
  ].join('\n'));
  assert.equal(model.numFeature, 2);
  const out = await model.predict(new Float64Array([0, 1.5, 0, 1.6, 0, NaN]));
  assert.deepEqual(Array.from(out), [-0.75, 1.25, -0.75]);
});
