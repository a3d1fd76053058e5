// Trainer accuracy against the reference libraries on the same synthetic data and settings.
//
// The reference AUCs were measured once with bench/train/reference.py on the exact dataset and
// split built below (written out with bench/train/dataset.ts), on 2026-11-25:
//   XGBoost 1.7.4 (Debian python3-xgboost), tree_method=hist, objective=binary:logistic,
//     max_depth=6, eta=0.1, max_bin=256, nthread=2, 100 rounds, other parameters default
//     -> test AUC 0.934265
//   scikit-learn 1.2.1 (Debian python3-sklearn) RandomForestClassifier, n_estimators=100,
//     max_depth=10, max_features='sqrt', n_jobs=2, random_state=0, NaN replaced by -999
//     (sklearn 1.2 forests reject NaN) -> test AUC 0.906334
// larch must come within 0.005 of each (being better is fine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auc, makeClassification, rowMajor, trainForest, trainGbdt, trainTestSplit } from '../../lib/index.js';

const XGBOOST_HIST_AUC = 0.934265;
const SKLEARN_RF_AUC = 0.906334;
const MARGIN = 0.005;

const ds = makeClassification({
  rows: 25000, informative: 8, redundant: 4, categorical: 2, noise: 8, positiveRate: 0.03, missingRate: 0.05, seed: 42,
});
const { train, test: holdout } = trainTestSplit(ds, { testSize: 0.2, seed: 7 });
const xTest = rowMajor(holdout);

test('GBDT AUC is within 0.005 of XGBoost hist with matched settings', async () => {
  const model = await trainGbdt(train, { numRounds: 100, maxDepth: 6, learningRate: 0.1, maxBin: 256, nthread: 2 });
  const p = await model.predict(xTest);
  const score = auc(holdout.y, p);
  assert.ok(score >= XGBOOST_HIST_AUC - MARGIN, `larch GBDT AUC ${score.toFixed(6)} vs XGBoost ${XGBOOST_HIST_AUC}`);
});

test('random forest AUC is within 0.005 of scikit-learn RandomForestClassifier', async () => {
  const model = await trainForest(train, { numTrees: 100, maxDepth: 10, maxFeatures: 'sqrt', nthread: 2 });
  assert.equal(model.task, 'multiclass');  // Treelite's shape for scikit-learn classifiers
  assert.equal(model.numOutput, 2);
  const p = await model.predict(xTest);
  const positive = new Float64Array(holdout.numRows);
  for (let i = 0; i < holdout.numRows; i++) {
    assert.ok(Math.abs(p[2 * i]! + p[2 * i + 1]! - 1) < 1e-9, 'class probabilities sum to 1');
    positive[i] = p[2 * i + 1]!;
  }
  const score = auc(holdout.y, positive);
  assert.ok(score >= SKLEARN_RF_AUC - MARGIN, `larch forest AUC ${score.toFixed(6)} vs scikit-learn ${SKLEARN_RF_AUC}`);
});
