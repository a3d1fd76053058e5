// Bad input never crashes the process: truncated, garbled and mislabelled model files, invalid
// forests, and wrong prediction arguments all give a LarchError with a code and a message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LarchError, loadModel } from '../../lib/index.js';
import { FIXTURES } from './fixtures.js';
import { buildCheckpoint, type TestForest } from './tl-builder.js';

const tlFile = path.join(FIXTURES, 'treelite', 'xgb_categorical_binary.tl');
const tl = new Uint8Array(readFileSync(tlFile));

async function rejects(p: Promise<unknown>, code: string, pattern: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(LarchError.is(err), `expected a LarchError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

test('a truncated checkpoint is rejected with the byte offset, at every cut', async () => {
  const cuts = new Set<number>();
  for (let i = 0; i < 200; i++) cuts.add(i);
  for (let i = 1; i < 64; i++) cuts.add(Math.floor((tl.length * i) / 64));
  cuts.add(tl.length - 1);
  for (const n of cuts) {
    await rejects(loadModel(tl.subarray(0, n), { format: 'treelite_checkpoint' }), 'INVALID_ARGUMENT', /byte offset \d+/);
  }
});

test('garbled checkpoints load or fail cleanly, and whatever loads predicts', async () => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let failed = 0;
  for (let trial = 0; trial < 300; trial++) {
    const bad = tl.slice();
    const flips = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < flips; k++) {
      // Half the damage lands in the header and first tree, where the lengths live.
      const at = Math.floor(rand() < 0.5 ? rand() * 600 : rand() * bad.length);
      bad[at] = Math.floor(rand() * 256);
    }
    try {
      const model = await loadModel(bad, { format: 'treelite_checkpoint' });
      const x = new Float32Array(model.numFeature * 4).fill(1);
      await model.predict(x);
    } catch (err) {
      assert.ok(LarchError.is(err), `trial ${trial}: ${String(err)}`);
      failed++;
    }
  }
  assert.ok(failed > 0, 'some garbled files must be rejected');
});

test('a huge claimed length is refused before anything is allocated', async () => {
  const bad = tl.slice();
  new DataView(bad.buffer).setBigUint64(16 + 4 + 1 + 1 + 4, 2n ** 60n, true);  // num_class length
  await rejects(loadModel(bad, { format: 'treelite_checkpoint' }), 'INVALID_ARGUMENT', /claims \d+ elements/);
});

test('mislabelled files: wrong format option, wrong extension, unknown content', async () => {
  const json = new TextEncoder().encode('{"learner": {}}');
  await rejects(loadModel(json, { format: 'treelite_checkpoint' }), 'UNSUPPORTED', /version/);
  await rejects(loadModel(new TextEncoder().encode('hello world')), 'INVALID_ARGUMENT', /cannot tell the model format/);
  await assert.rejects(loadModel(tl, { format: 'lightgbm' }), (e: unknown) => LarchError.is(e));
  await assert.rejects(loadModel(tl, { format: 'xgboost_json' }), (e: unknown) => LarchError.is(e));
  await rejects(loadModel(tl, { format: 'pmml' as never }), 'INVALID_ARGUMENT', /unknown model format 'pmml'/);
  await rejects(loadModel(path.join(FIXTURES, 'no-such-model.tl')), 'NOT_FOUND', /does not exist/);
  const dir = mkdtempSync(path.join(tmpdir(), 'larch-forest-'));
  try {
    writeFileSync(path.join(dir, 'model.json'), tl);
    await rejects(loadModel(path.join(dir, 'model.json')), 'INVALID_ARGUMENT', /extension of xgboost_json but its content looks like treelite_checkpoint/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await rejects(loadModel(42 as never), 'INVALID_ARGUMENT', /path or a Uint8Array/);
});

test('inconsistent forests are refused when compiled', async () => {
  const base: TestForest = { numFeature: 2, trees: [{ nodes: [{ feature: 0, op: '<', threshold: 0, left: 1, right: 2 }, { leaf: 1 }, { leaf: 2 }] }] };
  const variants: [string, TestForest, RegExp][] = [
    ['child out of range', { ...base, trees: [{ nodes: [{ feature: 0, op: '<', threshold: 0, left: 1, right: 7 }, { leaf: 1 }, { leaf: 2 }] }] }, /child index 7/],
    ['cycle', { ...base, trees: [{ nodes: [{ feature: 0, op: '<', threshold: 0, left: 1, right: 0 }, { leaf: 1 }] }] }, /reached twice/],
    ['feature', { ...base, trees: [{ nodes: [{ feature: 5, op: '<', threshold: 0, left: 1, right: 2 }, { leaf: 1 }, { leaf: 2 }] }] }, /split feature 5/],
    ['class id', { ...base, trees: [{ classId: 3, nodes: [{ leaf: 1 }] }] }, /class_id 3/],
    ['base scores', { ...base, baseScores: [1, 2] }, /base_scores/],
  ];
  for (const [name, f, pattern] of variants) {
    await rejects(loadModel(buildCheckpoint(f)), 'INVALID_ARGUMENT', pattern).catch((e) => { throw new Error(`${name}: ${e}`); });
  }
  await rejects(loadModel(buildCheckpoint({ ...base, postprocessor: 'cube_root' })), 'UNSUPPORTED', /postprocessor 'cube_root'/);
});

test('prediction arguments are checked before the native call', async () => {
  const model = await loadModel(tlFile);
  const nf = model.numFeature;
  assert.throws(() => model.predictSync(new Float32Array(nf * 2 + 1)), /not a multiple of numFeature/);
  assert.throws(() => model.predictSync(new Float32Array(nf * 2), { rows: 3 }), /expects 10 features per row/);
  assert.throws(() => model.predictSync(new Int32Array(nf) as never), /Float32Array or Float64Array/);
  assert.throws(() => model.predictSync([1, 2, 3] as never), /got Array/);
  assert.throws(() => model.predictSync(new Float32Array(nf), { output: 'proba' as never }), /output must be/);
  assert.throws(() => model.predictSync(new Float32Array(nf), { rows: -1 }), /non-negative integer/);
  await rejects(model.predict(new Float64Array(nf + 1)), 'INVALID_ARGUMENT', /not a multiple/);
  const regressor = await loadModel(path.join(FIXTURES, 'treelite', 'sklearn_gbr.tl'));
  assert.throws(() => regressor.predictSync(new Float32Array(regressor.numFeature), { output: 'class' }), /needs a classifier/);
  assert.throws(() => model.predictSync(new Float32Array(3)),
    (err: unknown) => LarchError.is(err) && err.code === 'INVALID_ARGUMENT');
  // Zero rows is a valid, empty batch.
  assert.equal((await model.predict(new Float32Array(0))).length, 0);
});
