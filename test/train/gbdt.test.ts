import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracy, auc, loadModel, makeClassification, rowMajor, trainForest, trainGbdt, trainingReport, trainTestSplit,
  type Dataset,
} from '../../lib/index.js';

const ds = makeClassification({ rows: 6000, informative: 6, redundant: 2, categorical: 1, noise: 4, missingRate: 0.05, positiveRate: 0.05, seed: 9 });
const { train, test: holdout } = trainTestSplit(ds, { testSize: 0.25, seed: 1 });
const xTest = rowMajor(holdout);
const bytesOf = (m: { toTreelite(): Uint8Array }) => Buffer.from(m.toTreelite());

test('same seed and options give identical Treelite bytes, on any thread count', async () => {
  const opts = { numRounds: 20, maxDepth: 5, learningRate: 0.2, subsample: 0.8, colsampleBytree: 0.7, seed: 3 };
  const a = bytesOf(await trainGbdt(train, { ...opts, nthread: 2 }));
  const b = bytesOf(await trainGbdt(train, { ...opts, nthread: 2 }));
  const c = bytesOf(await trainGbdt(train, { ...opts, nthread: 1 }));
  assert.ok(a.equals(b), 'same threads');
  assert.ok(a.equals(c), '1 vs 2 threads');
  const d = bytesOf(await trainGbdt(train, { ...opts, nthread: 2, seed: 4 }));
  assert.ok(!a.equals(d), 'another seed samples other rows and columns');
  const rfOpts = { numTrees: 8, maxDepth: 8, seed: 5 };
  const r1 = bytesOf(await trainForest(train, { ...rfOpts, nthread: 2 }));
  const r2 = bytesOf(await trainForest(train, { ...rfOpts, nthread: 1 }));
  assert.ok(r1.equals(r2), 'forest: 1 vs 2 threads');
});

test('large nodes (built in row chunks) give the same model on any thread count', async () => {
  const big = makeClassification({ rows: 140000, informative: 4, redundant: 1, noise: 3, missingRate: 0.02, seed: 2 });
  const opts = { numRounds: 3, maxDepth: 3, subsample: 0.9, seed: 1 };
  const a = bytesOf(await trainGbdt(big, { ...opts, nthread: 1 }));
  const b = bytesOf(await trainGbdt(big, { ...opts, nthread: 2 }));
  assert.ok(a.equals(b));
});

test('a trained model -> toTreelite -> loadModel predicts identically', async () => {
  for (const model of [
    await trainGbdt(train, { numRounds: 15, maxDepth: 4 }),
    await trainGbdt(train, { numRounds: 15, growPolicy: 'lossguide', maxLeaves: 12, maxDepth: 0, valueType: 'float64' }),
    await trainForest(train, { numTrees: 5, maxDepth: 6 }),
  ]) {
    const loaded = await loadModel(model.toTreelite());
    assert.equal(loaded.numTree, model.numTree);
    const p1 = await model.predict(xTest);
    const p2 = await loaded.predict(xTest);
    assert.deepEqual(Buffer.from(p2.buffer), Buffer.from(p1.buffer));
    assert.deepEqual(Buffer.from(loaded.predictSync(xTest, { output: 'margin' }).buffer),
      Buffer.from(model.predictSync(xTest, { output: 'margin' }).buffer));
  }
});

test('missing values learn their own direction', async () => {
  // The label is 1 exactly when feature 0 is missing; feature 1 is noise.
  const n = 2000;
  const x = new Float32Array(2 * n);
  const y = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    y[r] = r % 7 === 0 ? 1 : 0;
    x[r] = y[r] ? NaN : (r % 13) - 6;
    x[n + r] = (r * 37) % 11;
  }
  const data: Dataset = { featureNames: ['a', 'b'], numRows: n, numFeatures: 2, x, y };
  const gbdt = await trainGbdt(data, { numRounds: 10, maxDepth: 2, learningRate: 0.5 });
  const rf = await trainForest(data, { numTrees: 5, maxDepth: 3, maxFeatures: 'all' });
  const probe = new Float32Array([NaN, 3, 2, 3, -6, 3, 6, 3]);
  const pg = gbdt.predictSync(probe);
  assert.ok(pg[0]! > 0.9 && pg[1]! < 0.1 && pg[2]! < 0.1 && pg[3]! < 0.1, `gbdt ${Array.from(pg)}`);
  const pr = rf.predictSync(probe);
  assert.ok(pr[1]! > 0.99 && pr[3]! < 0.01 && pr[5]! < 0.01 && pr[7]! < 0.01, `forest ${Array.from(pr)}`);
});

test('early stopping keeps the best round and reports its score', async () => {
  const model = await trainGbdt(train, {
    numRounds: 300, maxDepth: 6, learningRate: 0.8, validation: holdout, earlyStoppingRounds: 5, evalMetric: 'auc',
  });
  const report = trainingReport(model)!;
  assert.ok(report.bestIteration !== undefined && report.bestIteration < 295, `stopped at ${report.bestIteration}`);
  assert.equal(report.rounds, report.bestIteration! + 1);
  assert.equal(model.numTree, report.rounds);
  assert.equal(report.validHistory!.length, report.bestIteration! + 1 + 5);
  assert.equal(report.metric, 'auc');
  const score = auc(holdout.y, await model.predict(xTest));
  assert.ok(Math.abs(score - report.bestScore!) < 1e-9, `${score} vs ${report.bestScore}`);
  assert.equal(Math.max(...report.validHistory!), report.bestScore);
  await assert.rejects(trainGbdt(train, { earlyStoppingRounds: 3 }), /needs a validation set/);
});

test('progress per round; returning false cancels', async () => {
  const seen: number[] = [];
  await trainGbdt(train, { numRounds: 4, maxDepth: 3, onProgress: (p) => { seen.push(p.iteration); } });
  assert.deepEqual(seen, [0, 1, 2, 3]);
  await assert.rejects(
    trainGbdt(train, { numRounds: 50, maxDepth: 3, onProgress: (p) => p.iteration < 2 }),
    (e: Error & { code?: string }) => e.code === 'CANCELLED',
  );
  let trees = 0;
  await trainForest(train, { numTrees: 6, maxDepth: 3, onProgress: () => { trees++; } });
  assert.equal(trees, 6);
});

test('multiclass softprob / softmax and regression', async () => {
  // Three classes by the sign pattern of two informative columns.
  const n = 3000;
  const x = new Float32Array(3 * n);
  const y = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const a = Math.sin(r * 1.7) * 3, b = Math.cos(r * 0.37) * 3;
    x[r] = a; x[n + r] = b; x[2 * n + r] = (r * 7919) % 101;
    y[r] = a > 1 ? 2 : b > 0 ? 1 : 0;
  }
  const data = { numRows: n, numFeatures: 3, x, y };
  const soft = await trainGbdt(data, { objective: 'multi:softprob', numClass: 3, numRounds: 20, maxDepth: 3 });
  assert.equal(soft.numOutput, 3);
  const rows = rowMajor(data);
  const p = soft.predictSync(rows);
  let correct = 0;
  for (let r = 0; r < n; r++) {
    const row = Array.from(p.subarray(3 * r, 3 * r + 3));
    assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-5);
    correct += row.indexOf(Math.max(...row)) === y[r] ? 1 : 0;
  }
  assert.ok(correct / n > 0.97, `softprob accuracy ${correct / n}`);
  const hard = await trainGbdt(data, { objective: 'multi:softmax', numClass: 3, numRounds: 20, maxDepth: 3 });
  const cls = hard.predictSync(rows);
  assert.equal(cls.length, n);
  assert.ok(accuracy(y.map((v) => (v === 2 ? 1 : 0)), cls.map((v) => (v === 2 ? 1 : 0))) > 0.97);

  const target = new Float32Array(n).map((_, r) => 2 * x[r]! - x[n + r]! + 0.5);
  const reg = { ...data, y: target };
  const rmse = (pred: ArrayLike<number>) => Math.sqrt(Array.from(target).reduce((s, t, r) => s + (pred[r]! - t) ** 2, 0) / n);
  const g = await trainGbdt(reg, { objective: 'reg:squarederror', numRounds: 60, maxDepth: 4, learningRate: 0.3 });
  const f = await trainForest(reg, { task: 'regression', numTrees: 20, maxDepth: 10 });
  assert.equal(f.task, 'regression');
  const sd = rmse(new Float32Array(n).fill(target.reduce((s, v) => s + v, 0) / n));
  assert.ok(rmse(g.predictSync(rows)) < 0.1 * sd, `gbdt rmse ${rmse(g.predictSync(rows))} vs sd ${sd}`);
  assert.ok(rmse(f.predictSync(rows)) < 0.2 * sd, `forest rmse ${rmse(f.predictSync(rows))} vs sd ${sd}`);
});

test('loss-guided growth, L1/L2, gamma and min_child_weight train sensible models', async () => {
  const base = auc(holdout.y, await (await trainGbdt(train, { numRounds: 30, maxDepth: 4, learningRate: 0.2 })).predict(xTest));
  for (const o of [
    { growPolicy: 'lossguide' as const, maxLeaves: 16, maxDepth: 0 },
    { regAlpha: 1, regLambda: 5 },
    { gamma: 0.5, minChildWeight: 5 },
    { maxBin: 16 },
  ]) {
    const m = await trainGbdt(train, { numRounds: 30, maxDepth: 4, learningRate: 0.2, ...o });
    const s = auc(holdout.y, await m.predict(xTest));
    assert.ok(s > base - 0.03, `${JSON.stringify(o)}: AUC ${s} vs ${base}`);
  }
  // A huge gamma forbids every split: each tree is a single leaf.
  const stumps = await trainGbdt(train, { numRounds: 3, gamma: 1e9 });
  const p = stumps.predictSync(xTest);
  assert.ok(p.every((v) => v === p[0]));
});

test('bad options and labels are INVALID_ARGUMENT with the rule broken', async () => {
  const bad = async (p: Promise<unknown>, re: RegExp) =>
    assert.rejects(p, (e: Error & { code?: string }) => e.code === 'INVALID_ARGUMENT' && re.test(e.message));
  await bad(trainGbdt(train, { objective: 'rank:pairwise' as never }), /objective must be one of/);
  await bad(trainGbdt(train, { objective: 'multi:softprob' }), /numClass must be in \[2, 256\]/);
  await bad(trainGbdt(train, { maxBin: 300 }), /maxBin/);
  await bad(trainGbdt(train, { subsample: 0 }), /subsample/);
  await bad(trainGbdt(train, { growPolicy: 'lossguide', maxDepth: 0 }), /maxLeaves/);
  await bad(trainGbdt(train, { evalMetric: 'rmse', validation: holdout }), /does not fit/);
  await bad(trainGbdt({ ...train, y: train.y.map((v) => v * 2) }), /training label at row \d+ is 2/);
  await bad(trainGbdt({ ...train, x: new Float32Array(3) }), /numRows \* numFeatures/);
  await bad(trainForest(train, { maxFeatures: 1.5 }), /maxFeatures/);
  await bad(trainForest(train, { criterion: 'squared_error' }), /regression forests|is for regression/);
  await bad(trainForest({ ...train, y: train.y.map((v) => v - 0.5) }), /integer classes/);
});
