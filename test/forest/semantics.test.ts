// Exact evaluator semantics on tiny hand-built forests, with every expected number worked out
// here: missing values and default children, each comparison operator (float32 and float64),
// categorical splits, multiclass and leaf vectors, averaging, base scores, every postprocessor,
// LightGBM missing types and linear leaves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel, type OutputKind } from '../../lib/index.js';
import { buildCheckpoint, type Op, type TestForest, type TestNode } from './tl-builder.js';

async function predict(f: TestForest, rows: number[][], output: OutputKind = 'value'): Promise<number[]> {
  const model = await loadModel(buildCheckpoint(f));
  const X = new Float64Array(rows.flat());
  const a = Array.from(await model.predict(X, { output }));
  const flat = rows.flat();
  const b = Array.from(model.predictSync(X, { output }));
  assert.deepEqual(b, a, 'predictSync must agree with predict');
  if (flat.every((v) => Number.isNaN(v) || Math.fround(v) === v)) {
    const c = Array.from(await model.predict(new Float32Array(flat), { output }));
    assert.deepEqual(c, a, 'float32 input must give what the same float64 input gives');
  }
  return a;
}

const stump = (op: Op, threshold: number, left: number, right: number, defaultLeft = false,
  feature = 0): TestNode[] => [
  { feature, op, threshold, left: 1, right: 2, defaultLeft }, { leaf: left }, { leaf: right },
];

test('NaN takes the default child; other values follow the split', async () => {
  const f: TestForest = {
    numFeature: 1,
    trees: [{ nodes: stump('<', 0.5, 1, 2, true) }, { nodes: stump('<', 0.5, 10, 20, false) }],
  };
  assert.deepEqual(await predict(f, [[0.25], [0.75], [NaN], [0.5]]), [11, 22, 21, 22]);
});

for (const float64 of [false, true]) {
  test(`each operator is exact at and next to the threshold (${float64 ? 'float64' : 'float32'})`, async () => {
    const t = Math.fround(0.1);  // representable in both types
    const above = float64 ? t + 2 ** -56 : Math.fround(t + 2 ** -27);  // one ulp either side
    const below = float64 ? t - 2 ** -56 : Math.fround(t - 2 ** -27);
    assert.ok(above > t && below < t);
    const rows = [[below], [t], [above], [NaN]];
    const cases: [Op, number[]][] = [
      ['<', [1, 2, 2, 2]], ['<=', [1, 1, 2, 2]], ['>', [2, 2, 1, 2]], ['>=', [2, 1, 1, 2]], ['==', [2, 1, 2, 2]],
    ];
    for (const [op, want] of cases) {
      const got = await predict({ float64, numFeature: 1, trees: [{ nodes: stump(op, t, 1, 2) }] }, rows);
      assert.deepEqual(got, want, `operator ${op}`);
    }
  });
}

test('<= at +infinity sends every number left', async () => {
  const got = await predict({ float64: true, numFeature: 1, trees: [{ nodes: stump('<=', Infinity, 1, 2) }] },
    [[Infinity], [-Infinity], [1e308], [NaN]]);
  assert.deepEqual(got, [1, 1, 1, 2]);
});

test('categorical splits: matches go to the side category_list_right_child names', async () => {
  const node = (categoriesRight: boolean, defaultLeft: boolean): TestNode[] => [
    { feature: 0, categories: [1, 3, 40], categoriesRight, left: 1, right: 2, defaultLeft }, { leaf: 1 }, { leaf: 2 },
  ];
  const rows = [[1], [3], [40], [2], [0], [-1], [1.5], [41], [1e9], [NaN]];
  // XGBoost style: categories in the set go right, anything else (negative, unseen) left.
  assert.deepEqual(await predict({ numFeature: 1, trees: [{ nodes: node(true, true) }] }, rows),
    [2, 2, 2, 1, 1, 1, 2, 1, 1, 1]);
  // LightGBM style: categories in the set go left; NaN takes the default (right).
  assert.deepEqual(await predict({ float64: true, numFeature: 1, trees: [{ nodes: node(false, false) }] }, rows),
    [1, 1, 1, 2, 2, 2, 1, 2, 2, 2]);
});

test('multiclass: each tree adds to its class; softmax value, margin and argmax class', async () => {
  const f: TestForest = {
    float64: true, task: 'multiclass', numFeature: 1, numClass: [3], postprocessor: 'softmax',
    baseScores: [0.5, 0, -0.5],
    trees: [
      { classId: 0, nodes: stump('<', 0, 1, -1) }, { classId: 1, nodes: stump('<', 0, 0, 2) },
      { classId: 2, nodes: stump('<', 0, 0.25, 0.25) }, { classId: 0, nodes: stump('<', 0, 0.5, 0) },
    ],
  };
  const margins = [[2, 0, -0.25], [-0.5, 2, -0.25]];
  assert.deepEqual(await predict(f, [[-1], [1]], 'margin'), margins.flat());
  const softmax = (m: number[]) => {
    const mx = Math.max(...m);
    const e = m.map((v) => Math.exp(v - mx));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  const value = await predict(f, [[-1], [1]]);
  margins.flatMap(softmax).forEach((p, i) => assert.ok(Math.abs(value[i]! - p) < 1e-15, `prob ${i}`));
  assert.deepEqual(await predict(f, [[-1], [1]], 'class'), [0, 1]);
});

test('XGBoost multi:softmax style models return the argmax class as their value', async () => {
  const f: TestForest = {
    task: 'multiclass', numFeature: 1, numClass: [3], postprocessor: 'softmax', defaultOutputIsClass: true,
    trees: [{ classId: 0, nodes: stump('<', 0, 1, 0) }, { classId: 1, nodes: stump('<', 0, 0, 1) },
      { classId: 2, nodes: [{ leaf: 0.5 }] }],
  };
  assert.deepEqual(await predict(f, [[-1], [1]]), [0, 1]);
  assert.deepEqual(await predict(f, [[-1], [1]], 'margin'), [1, 0, 0.5, 0, 1, 0.5]);
});

test('leaf vectors (sklearn-style random forest) are averaged per class', async () => {
  const f: TestForest = {
    float64: true, task: 'multiclass', numFeature: 1, numClass: [2], leafVectorShape: [1, 2],
    averageTreeOutput: true, postprocessor: 'identity_multiclass',
    trees: [
      { classId: -1, nodes: [{ feature: 0, op: '<=', threshold: 0, left: 1, right: 2 }, { leaf: [1, 0] }, { leaf: [0.25, 0.75] }] },
      { classId: -1, nodes: [{ leaf: [0.5, 0.5] }] },
    ],
  };
  assert.deepEqual(await predict(f, [[0], [1]]), [0.75, 0.25, 0.375, 0.625]);
  assert.deepEqual(await predict(f, [[0], [1]], 'class'), [0, 1]);
});

test('multi-target leaf vectors add to every target', async () => {
  const f: TestForest = {
    float64: true, numFeature: 1, numTarget: 2, numClass: [1, 1], leafVectorShape: [2, 1], baseScores: [1, 2],
    trees: [{ targetId: -1, classId: 0, nodes: [{ leaf: [0.5, -0.5] }] }, { targetId: -1, classId: 0, nodes: [{ leaf: [1, 1] }] }],
  };
  assert.deepEqual(await predict(f, [[0]]), [2.5, 2.5]);
});

test('averaging divides by the trees per class before base scores are added', async () => {
  const f: TestForest = {
    float64: true, task: 'binary', numFeature: 1, averageTreeOutput: true, baseScores: [10], postprocessor: 'identity',
    trees: [{ nodes: [{ leaf: 1 }] }, { nodes: [{ leaf: 2 }] }, { nodes: [{ leaf: 6 }] }],
  };
  assert.deepEqual(await predict(f, [[0]]), [13]);
  // LightGBM rf: the raw score is the plain sum while the value averages.
  assert.deepEqual(await predict({ ...f, marginBeforeAveraging: true }, [[0]], 'margin'), [19]);
  assert.deepEqual(await predict({ ...f, marginBeforeAveraging: true }, [[0]], 'value'), [13]);
});

test('every postprocessor, in float64', async () => {
  const leaves = [-1.5, -0.25, 0, 0.75, 3];
  const one = (postprocessor: string, extra: Partial<TestForest> = {}) => Promise.all(leaves.map((leaf) =>
    predict({ float64: true, numFeature: 1, postprocessor, ...extra, trees: [{ nodes: [{ leaf }] }] }, [[0]])
      .then((v) => v[0]!)));
  const close = (got: number[], want: number[], name: string) =>
    want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) <= 1e-15 * Math.max(1, Math.abs(w)), `${name}(${leaves[i]}) = ${got[i]}, want ${w}`));
  close(await one('identity'), leaves, 'identity');
  close(await one('sigmoid', { sigmoidAlpha: 2 }), leaves.map((x) => 1 / (1 + Math.exp(-2 * x))), 'sigmoid');
  close(await one('exponential'), leaves.map(Math.exp), 'exponential');
  close(await one('exponential_standard_ratio', { ratioC: 3 }), leaves.map((x) => 2 ** (-x / 3)), 'exponential_standard_ratio');
  close(await one('logarithm_one_plus_exp'), leaves.map((x) => Math.log1p(Math.exp(x))), 'logarithm_one_plus_exp');
  close(await one('signed_square'), leaves.map((x) => Math.sign(x) * x * x), 'signed_square');
  close(await one('hinge'), leaves.map((x) => (x > 0 ? 1 : 0)), 'hinge');
});

test('multiclass_ova applies a sigmoid per class; float32 softmax matches GTIL', async () => {
  const trees = [{ classId: 0, nodes: [{ leaf: 0.5 }] as TestNode[] }, { classId: 1, nodes: [{ leaf: -2 }] as TestNode[] }];
  const ova = await predict({ float64: true, task: 'multiclass', numFeature: 1, numClass: [2], postprocessor: 'multiclass_ova', trees }, [[0]]);
  assert.deepEqual(ova, [1 / (1 + Math.exp(-0.5)), 1 / (1 + Math.exp(2))]);
  const sm = await predict({ task: 'multiclass', numFeature: 1, numClass: [2], postprocessor: 'softmax', trees }, [[0]]);
  const e0 = Math.fround(Math.exp(0)), e1 = Math.fround(Math.exp(-2.5));
  const norm = Math.fround(e0 + e1);
  assert.deepEqual(sm, [Math.fround(e0 / norm), Math.fround(e1 / norm)]);
});

test('binary class output thresholds the probability at 0.5', async () => {
  const f = (leaf: number): TestForest => ({ task: 'binary', numFeature: 1, postprocessor: 'sigmoid', trees: [{ nodes: [{ leaf }] }] });
  assert.deepEqual(await predict(f(0.1), [[0]], 'class'), [1]);
  assert.deepEqual(await predict(f(-0.1), [[0]], 'class'), [0]);
  assert.deepEqual(await predict(f(0), [[0]], 'class'), [0]);
});

test('LightGBM missing types: Zero sends zero and NaN to the default, None compares NaN as 0', async () => {
  const tree = (missing: 'zero' | 'none', defaultLeft: boolean): TestForest => ({
    float64: true, numFeature: 1,
    trees: [{ nodes: [{ feature: 0, op: '<=', threshold: -0.5, left: 1, right: 2, defaultLeft, missing }, { leaf: 1 }, { leaf: 2 }] }],
  });
  const rows = [[-1], [0], [1e-36], [-1e-36], [NaN], [1], [2e-35]];
  assert.deepEqual(await predict(tree('zero', true), rows), [1, 1, 1, 1, 1, 2, 2]);
  assert.deepEqual(await predict(tree('none', true), rows), [1, 2, 2, 2, 2, 2, 2]);
});

test('linear leaves: const + sum(coeff * x), the plain leaf value if a term is NaN', async () => {
  const f: TestForest = {
    float64: true, numFeature: 3,
    trees: [{ nodes: [
      { feature: 0, op: '<=', threshold: 0, left: 1, right: 2 },
      { leaf: 7, linear: { const: 0.5, terms: [[1, 2], [2, -1]] } },
      { leaf: 9, linear: { const: 1, terms: [] } }] }],
  };
  assert.deepEqual(await predict(f, [[-1, 3, 4], [-1, NaN, 4], [1, NaN, NaN]]), [0.5 + 6 - 4, 7, 1]);
});
