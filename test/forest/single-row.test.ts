// The complete-layout kernels (native/forest/evaluate_complete*.h: pointer-free perfect trees,
// NaN folded into an expanded row, AVX-512 or portable) against a plain tree walk and against
// the packed-layout kernels: every row predicted on its own must equal, bit for bit, the same row
// predicted inside a batch, on every fixture model (with NaN injected) and on hand-built forests
// whose expected margins are worked out here. Also: which forests the complete layout accepts.
// The whole file runs again in child processes with LARCH_FOREST_LAYOUT=packed (the packed
// lockstep kernels) and, where the CPU has AVX-512, LARCH_FOREST_SIMD=off (the portable
// complete-layout kernel): each must pass the same checks and give the same bits on every
// fixture model as this process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel, type Model, type OutputKind } from '../../lib/index.js';
import { forestNative } from '../../lib/forest/native-forest.js';
import { nativeHandleOf } from '../../lib/forest/model.js';
import { FIXTURES, manifestCases, readArray } from './fixtures.js';
import { buildCheckpoint, type TestForest, type TestNode } from './tl-builder.js';

// A multiple of 8, so with LARCH_FOREST_LAYOUT=packed the batch takes the packed kernel's row
// lanes while single rows take its tree lanes.
const BATCH = 64;

const layoutOf = (m: Model) => forestNative.forestInfo(nativeHandleOf(m)).singleRowLayout;
const simdOf = (m: Model) => forestNative.forestInfo(nativeHandleOf(m)).singleRowSimd;
const SIMD_OFF = process.env.LARCH_FOREST_SIMD === 'off';
const PACKED = process.env.LARCH_FOREST_LAYOUT === 'packed';
// Every batch prediction of the fixture test, as base64 bytes: compared across the processes.
const outputs: Record<string, string> = {};
const bytesOf = (a: Float32Array | Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function stump(threshold: number, defaultLeft: boolean): TestNode[] {
  return [{ feature: 0, op: '<', threshold, left: 1, right: 2, defaultLeft }, { leaf: 1 }, { leaf: 2 }];
}

// Rows predicted one at a time must equal the same rows predicted as one batch.
function assertRowsMatchBatch(model: Model, X: Float32Array | Float64Array, output: OutputKind, what: string) {
  const nf = model.numFeature;
  const rows = X.length / nf;
  const batch = model.predictSync(X, { output });
  outputs[what] = bytesOf(batch);
  const per = batch.length / rows;
  for (let r = 0; r < rows; r++) {
    const one = model.predictSync(X.subarray(r * nf, (r + 1) * nf), { output });
    for (let k = 0; k < per; k++) {
      const a = one[k]!, b = batch[r * per + k]!;
      if (!(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)))) {
        assert.fail(`${what}: row ${r} output ${k}: alone ${a}, in the batch ${b}`);
      }
    }
  }
}

// BATCH rows cycled from the fixture input, with NaN in a different feature of every third row
// and one row entirely missing.
function rowsWithNaN(input: Float32Array, nf: number): Float32Array {
  const have = input.length / nf;
  const X = new Float32Array(BATCH * nf);
  for (let r = 0; r < BATCH; r++) X.set(input.subarray((r % have) * nf, (r % have + 1) * nf), r * nf);
  for (let r = 0; r < BATCH; r += 3) X[r * nf + ((r * 7) % nf)] = NaN;
  X.fill(NaN, 5 * nf, 6 * nf);
  return X;
}

test('every fixture model: each row alone equals the row inside a batch (NaN, float32/float64 input)', async () => {
  const seen = new Set<string>();
  const layouts = { complete: 0, packed: 0 };
  let simd = 0;
  for (const c of manifestCases().filter((k) => k.library !== 'onnx')) {
    if (seen.has(c.model_file)) continue;
    seen.add(c.model_file);
    const model = await loadModel(path.join(FIXTURES, c.model_file));
    layouts[layoutOf(model)]++;
    if (simdOf(model)) simd++;
    if (simdOf(model)) assert.equal(model.dtype, 'float32', `${c.model_file}: AVX-512 kernel on a float64 model`);
    const X = rowsWithNaN(readArray(c.input_file) as Float32Array, model.numFeature);
    const outputs: OutputKind[] = ['margin', 'value'];
    if (model.task === 'binary' || model.task === 'multiclass') outputs.push('class');
    for (const output of outputs) {
      assertRowsMatchBatch(model, X, output, `${c.model_file} ${output} f32`);
      assertRowsMatchBatch(model, Float64Array.from(X), output, `${c.model_file} ${output} f64`);
    }
  }
  // The fixtures hold both kinds: shallow numerical forests and categorical / deep / vector ones.
  if (!PACKED) assert.ok(layouts.complete >= 5, `complete layout used by ${layouts.complete} fixture models`);
  assert.ok(layouts.packed >= 1, `packed layout used by ${layouts.packed} fixture models`);
  if (SIMD_OFF || PACKED) assert.equal(simd, 0, 'LARCH_FOREST_SIMD=off must select the portable kernel');
  if (PACKED) assert.equal(layouts.complete, 0, 'LARCH_FOREST_LAYOUT=packed must turn the complete layout off');
  if (process.env.LARCH_TEST_DUMP) writeFileSync(process.env.LARCH_TEST_DUMP, JSON.stringify(outputs));
});

// Runs this file in a child process with `env` added; returns its fixture outputs.
function runChild(env: Record<string, string>): Record<string, string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'larch-single-row-'));
  try {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, LARCH_TEST_DUMP: path.join(dir, 'outputs.json') };
    // Without NODE_TEST_CONTEXT, which would make the child report to this runner and exit 0.
    delete childEnv.NODE_TEST_CONTEXT;
    const r = spawnSync(process.execPath, ['--test', fileURLToPath(import.meta.url)], { encoding: 'utf8', env: childEnv });
    assert.equal(r.status, 0, `run with ${JSON.stringify(env)} failed:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`);
    return JSON.parse(readFileSync(path.join(dir, 'outputs.json'), 'utf8')) as Record<string, string>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertSameOutputs(theirs: Record<string, string>, what: string) {
  assert.deepEqual(Object.keys(theirs).sort(), Object.keys(outputs).sort());
  for (const [key, bytes] of Object.entries(outputs)) assert.equal(theirs[key], bytes, `${what}: ${key} differs`);
}

test('the packed kernels pass the same checks and give the same bits (LARCH_FOREST_LAYOUT=packed)', (t) => {
  if (SIMD_OFF || PACKED) {
    t.skip('this is a child run');
    return;
  }
  assertSameOutputs(runChild({ LARCH_FOREST_LAYOUT: 'packed' }), 'packed layout');
});

test('the portable complete-layout kernel passes the same checks and gives the same bits (LARCH_FOREST_SIMD=off)', async (t) => {
  const model = await loadModel(buildCheckpoint({ numFeature: 1, trees: [{ nodes: stump(0, true) }] }));
  if (SIMD_OFF || PACKED || !simdOf(model)) {
    t.skip(SIMD_OFF || PACKED ? 'this is a child run' : 'no AVX-512 here: every other test already ran the portable kernel');
    return;
  }
  assertSameOutputs(runChild({ LARCH_FOREST_SIMD: 'off' }), 'portable kernel');
});

// A deterministic pseudo-random generator, so a failure reproduces.
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

// A random tree of '<' splits: depth at most maxDepth, leaves at random depths.
function randomTree(next: () => number, nf: number, maxDepth: number): TestNode[] {
  const nodes: TestNode[] = [];
  const grow = (depth: number): number => {
    const id = nodes.length;
    if (depth === maxDepth || (depth > 0 && next() < 0.2)) {
      nodes.push({ leaf: Math.round((next() - 0.5) * 1000) / 64 });
      return id;
    }
    const node = { feature: Math.floor(next() * nf), op: '<' as const, threshold: Math.round((next() - 0.5) * 8) / 4,
      left: -1, right: -1, defaultLeft: next() < 0.5 };
    nodes.push(node);
    node.left = grow(depth + 1);
    node.right = grow(depth + 1);
    return id;
  };
  grow(0);
  return nodes;
}

// The expected margins: each tree walked plainly, leaves summed in tree order in the model's type
// into the tree's class.
function walkSums(f: TestForest, row: number[]): number[] {
  const round = f.float64 ? (v: number) => v : Math.fround;
  const acc = new Array<number>(f.numClass?.[0] ?? 1).fill(0);
  for (const { nodes, classId } of f.trees) {
    let n = nodes[0]!;
    while (!('leaf' in n)) {
      if (!('threshold' in n) || n.op !== '<') throw new Error('walkSums handles only < splits');
      const x = round(row[n.feature]!);
      const left = Number.isNaN(x) ? n.defaultLeft === true : x < round(n.threshold);
      n = nodes[left ? n.left : n.right]!;
    }
    const k = classId ?? 0;
    acc[k] = round(acc[k]! + round(n.leaf as number));
  }
  return acc;
}

// A tree of the given depth, split until then (a leaf only at the last level, 5% earlier), so
// the model is big enough that a batch walks it in more than one 2 MiB tile of groups.
function deepTree(next: () => number, nf: number, depth: number): TestNode[] {
  const nodes: TestNode[] = [];
  const grow = (d: number): number => {
    const id = nodes.length;
    if (d === depth || (d > 2 && next() < 0.05)) {
      nodes.push({ leaf: Math.round((next() - 0.5) * 1000) / 64 });
      return id;
    }
    const node = { feature: Math.floor(next() * nf), op: '<' as const, threshold: Math.round((next() - 0.5) * 8) / 4,
      left: -1, right: -1, defaultLeft: next() < 0.5 };
    nodes.push(node);
    node.left = grow(d + 1);
    node.right = grow(d + 1);
    return id;
  };
  grow(0);
  return nodes;
}

function randomRows(next: () => number, nf: number, rows: number): number[][] {
  const specials = [NaN, Infinity, -Infinity, 0, -0];
  return Array.from({ length: rows }, () => Array.from({ length: nf }, () =>
    next() < 0.15 ? specials[Math.floor(next() * specials.length)]! : Math.round((next() - 0.5) * 8) / 4));
}

// nf 5: the AVX-512 kernel reads the expanded row from registers; nf 40 (80 expanded values):
// with a gather. 300 trees = 19 lockstep groups, all of depth 7 but group 12 (depth 3), so the
// AVX-512 kernel walks runs of 8, 4, 1, 4 and 2 groups, the last one partial (12 trees). Depths
// 3 to 7 (0 to 3 in group 12) and single-leaf trees are mixed inside every group. classes 3: trees take turns over
// three outputs, so a group's leaves go to mixed slots.
const SHAPES = [[false, 5, 1], [true, 5, 1], [false, 40, 1], [true, 40, 1], [false, 5, 3], [true, 40, 3]] as const;
for (const [float64, nf, classes] of SHAPES) {
  test(`random forest of mixed depths (${float64 ? 'float64' : 'float32'}, ${nf} features, ${classes} outputs)`, async () => {
    const next = rng((float64 ? 7 : 11) + nf + classes);
    const trees = Array.from({ length: 300 }, (_, t) => ({
      classId: t % classes,
      nodes: t % 11 === 4 ? [{ leaf: 0.5 + t }] : randomTree(next, nf, Math.floor(t / 16) === 12 ? t % 4 : 3 + (t % 5)),
    }));
    const f: TestForest = classes === 1 ? { float64, numFeature: nf, trees }
      : { float64, numFeature: nf, trees, task: 'multiclass', numClass: [classes], postprocessor: 'softmax' };
    const model = await loadModel(buildCheckpoint(f));
    assert.equal(layoutOf(model), PACKED ? 'packed' : 'complete');
    assert.equal(simdOf(model) && float64, false);
    const rows = randomRows(next, nf, BATCH);
    const X = float64 ? new Float64Array(rows.flat()) : new Float32Array(rows.flat());
    assertRowsMatchBatch(model, X, 'margin', `random forest f64=${float64} nf=${nf} classes=${classes}`);
    for (let r = 0; r < BATCH; r++) {
      const got = Array.from(model.predictSync(X.subarray(r * nf, (r + 1) * nf), { output: 'margin' }));
      assert.deepEqual(got, walkSums(f, Array.from(X.subarray(r * nf, (r + 1) * nf))), `row ${r}: ${rows[r]!.join(', ')}`);
    }
  });
}

for (const float64 of [false, true]) {
  test(`a model larger than one tile: 112 trees 11 deep (${float64 ? 'float64' : 'float32'})`, async () => {
    const next = rng(float64 ? 3 : 5);
    const nf = 6;
    const f: TestForest = { float64, numFeature: nf, trees: Array.from({ length: 112 }, () => ({ nodes: deepTree(next, nf, 11) })) };
    const model = await loadModel(buildCheckpoint(f));
    assert.equal(layoutOf(model), PACKED ? 'packed' : 'complete');
    const rows = randomRows(next, nf, BATCH);
    const X = float64 ? new Float64Array(rows.flat()) : new Float32Array(rows.flat());
    assertRowsMatchBatch(model, X, 'margin', `tiles f64=${float64}`);
    const batch = model.predictSync(X, { output: 'margin' });
    for (let r = 0; r < BATCH; r++) {
      assert.equal(batch[r], walkSums(f, Array.from(X.subarray(r * nf, (r + 1) * nf)))[0], `row ${r}`);
    }
  });
}

test('forests of constant trees (every group 0 deep)', async () => {
  for (const float64 of [false, true]) {
    const f: TestForest = { float64, numFeature: 2, trees: Array.from({ length: 20 }, (_, t) => ({ nodes: [{ leaf: t / 8 }] })) };
    const model = await loadModel(buildCheckpoint(f));
    assert.equal(layoutOf(model), PACKED ? 'packed' : 'complete');
    const X = new Float32Array([0, 1, NaN, NaN, -Infinity, 3]);
    assert.deepEqual(Array.from(model.predictSync(X, { output: 'margin' })), [1, 2, 3].map(() => walkSums(f, [0, 0])[0]));
    assertRowsMatchBatch(model, X, 'margin', `constant f64=${float64}`);
  }
});

test('infinite inputs and thresholds keep their exact meaning on the single-row path', async () => {
  const rows = [[Infinity], [-Infinity], [NaN], [0], [3e38]];
  const cases: [threshold: number, defaultLeft: boolean, layout: 'complete' | 'packed', want: number[]][] = [
    [0, true, 'complete', [2, 1, 1, 2, 2]],
    [0, false, 'complete', [2, 1, 2, 2, 2]],
    [Infinity, true, 'complete', [2, 1, 1, 1, 1]],
    [Infinity, false, 'complete', [2, 1, 2, 1, 1]],
    // NaN must go left while every number goes right: not expressible with NaN -> -inf.
    [-Infinity, true, 'packed', [2, 2, 1, 2, 2]],
    [-Infinity, false, 'complete', [2, 2, 2, 2, 2]],
  ];
  for (const [threshold, defaultLeft, layout, want] of cases) {
    const model = await loadModel(buildCheckpoint({ numFeature: 1, trees: [{ nodes: stump(threshold, defaultLeft) }] }));
    assert.equal(layoutOf(model), PACKED ? 'packed' : layout, `threshold ${threshold} defaultLeft ${defaultLeft}`);
    const got = rows.map((r) => model.predictSync(new Float32Array(r), { output: 'margin' })[0]);
    assert.deepEqual(got, want, `threshold ${threshold} defaultLeft ${defaultLeft}`);
  }
});

test('deep and categorical forests keep the packed layout', async () => {
  // A chain 13 splits deep (deeper than the complete layout's limit of 12).
  const chain: TestNode[] = [];
  for (let d = 0; d < 13; d++) chain.push({ feature: 0, op: '<', threshold: d, left: 2 * d + 1, right: 2 * d + 2 }, { leaf: d });
  chain.push({ leaf: 99 });
  const deep = await loadModel(buildCheckpoint({ numFeature: 1, trees: [{ nodes: chain }] }));
  assert.equal(layoutOf(deep), 'packed');
  const categorical = await loadModel(buildCheckpoint({ numFeature: 1, trees: [{ nodes: [
    { feature: 0, categories: [1, 3], categoriesRight: true, left: 1, right: 2 }, { leaf: 1 }, { leaf: 2 }] }] }));
  assert.equal(layoutOf(categorical), 'packed');
});
