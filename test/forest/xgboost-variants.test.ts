// XGBoost constructs that XGBoost 1.7 cannot write, built by hand with outputs worked out in
// the test: vector-leaf trees (multi_strategy=multi_output_tree, XGBoost >= 2.0) with a
// per-target base_score vector, in both the 2.x layout (leaf vectors in base_weights) and the
// newest one (leaf_weights indexed through right_children).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LarchError, loadModel } from '../../lib/index.js';

function multiOutputModel(tree: Record<string, unknown>, objective = 'reg:squarederror') {
  return {
    version: [2, 1, 0],
    learner: {
      attributes: {}, feature_names: [], feature_types: [],
      learner_model_param: { base_score: '[5E-1,-1E0]', boost_from_average: '1', num_class: '0', num_feature: '2', num_target: '2' },
      objective: { name: objective },
      gradient_booster: {
        name: 'gbtree',
        model: { gbtree_model_param: { num_parallel_tree: '1', num_trees: '1' }, iteration_indptr: [0, 1], tree_info: [0], trees: [tree] },
      },
    },
  };
}

// Root: x0 < 0.5 goes left to [1, 2], else right to [3, 4]; NaN goes left.
const common = {
  id: 0, left_children: [1, -1, -1], parents: [2147483647, 0, 0], split_indices: [0, 0, 0],
  split_conditions: [0.5, NaN, NaN], default_left: [1, 0, 0], split_type: [0, 0, 0],
  loss_changes: [1, 0, 0], sum_hessian: [2, 1, 1], categories: [], categories_nodes: [],
  categories_segments: [], categories_sizes: [],
  tree_param: { num_deleted: '0', num_feature: '2', num_nodes: '3', size_leaf_vector: '2' },
};
const layouts = {
  'base_weights (2.x)': { ...common, right_children: [2, -1, -1], base_weights: [0, 0, 1, 2, 3, 4] },
  'leaf_weights (newest)': { ...common, right_children: [2, 0, 1], base_weights: [0, 0, 1, 2, 3, 4], leaf_weights: [1, 2, 3, 4] },
};

const json = (o: unknown) => Buffer.from(JSON.stringify(o).replaceAll('null', 'NaN'));

for (const [name, tree] of Object.entries(layouts)) {
  test(`xgboost vector-leaf tree, ${name}: per-target leaves plus per-target base_score`, async () => {
    const model = await loadModel(json(multiOutputModel(tree)), { format: 'xgboost_json' });
    assert.equal(model.numOutput, 2);
    const out = await model.predict(new Float32Array([0, 0, 1, 0, NaN, 0]), { output: 'margin' });
    assert.deepEqual(Array.from(out), [1.5, 1, 3.5, 3, 1.5, 1]);
  });
}

test('xgboost vector-leaf tree with reg:logistic: sigmoid per target, base_score through logit', async () => {
  const m = multiOutputModel(layouts['base_weights (2.x)'], 'reg:logistic');
  m.learner.learner_model_param.base_score = '[5E-1,5E-1]';
  const model = await loadModel(json(m), { format: 'xgboost_json' });
  const out = await model.predict(new Float32Array([1, 0]));
  assert.ok(Math.abs(out[0]! - 1 / (1 + Math.exp(-3))) < 1e-6 && Math.abs(out[1]! - 1 / (1 + Math.exp(-4))) < 1e-6);
});

test('xgboost: gblinear and unknown objectives are refused by name (UNSUPPORTED)', async () => {
  const lin = multiOutputModel(layouts['base_weights (2.x)']);
  (lin.learner.gradient_booster as { name: string }).name = 'gblinear';
  await assert.rejects(loadModel(json(lin), { format: 'xgboost_json' }),
    (e: unknown) => LarchError.is(e) && e.code === 'UNSUPPORTED' && /gblinear/.test(e.message));
  await assert.rejects(loadModel(json(multiOutputModel(layouts['base_weights (2.x)'], 'reg:mystery')), { format: 'xgboost_json' }),
    (e: unknown) => LarchError.is(e) && e.code === 'UNSUPPORTED' && /reg:mystery/.test(e.message));
});

test('xgboost: a tree whose children form a cycle is INVALID_ARGUMENT, not a hang', async () => {
  const cyclic = { ...common, left_children: [1, 0, -1], right_children: [2, 2, -1], base_weights: [0, 0, 1, 2, 3, 4] };
  await assert.rejects(loadModel(json(multiOutputModel(cyclic)), { format: 'xgboost_json' }),
    (e: unknown) => LarchError.is(e) && e.code === 'INVALID_ARGUMENT' && /tree 0/.test(e.message));
});
