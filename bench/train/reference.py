#!/usr/bin/python3
"""Reference trainers for larch's trainer benchmarks and test thresholds.

Reads a dataset written by bench/train (row-major float32 x_train.f32 / x_test.f32, float32
y_train.f32 / y_test.f32, meta.json with the shapes and settings), trains XGBoost (hist) and/or
scikit-learn's RandomForestClassifier with the same settings, and prints one JSON object with
each library's version, test AUC and training seconds.

scikit-learn 1.2 forests do not accept NaN, so missing values are replaced by -999 for it
(larch and XGBoost see the NaNs). Run with Debian's /usr/bin/python3 (python3-xgboost,
python3-sklearn).
"""
import json
import os
import sys
import time

import numpy as np


def load(folder):
    meta = json.load(open(os.path.join(folder, 'meta.json')))
    nf = meta['numFeatures']
    def arr(name, shape):
        return np.fromfile(os.path.join(folder, name), dtype=np.float32).reshape(shape)
    xtr = arr('x_train.f32', (meta['trainRows'], nf))
    xte = arr('x_test.f32', (meta['testRows'], nf))
    ytr = arr('y_train.f32', (meta['trainRows'],))
    yte = arr('y_test.f32', (meta['testRows'],))
    return meta, xtr, ytr, xte, yte


def run_xgboost(meta, xtr, ytr, xte, yte):
    import xgboost as xgb
    from sklearn.metrics import roc_auc_score
    g = meta['gbdt']
    params = {
        'objective': 'binary:logistic', 'tree_method': 'hist', 'max_depth': g['maxDepth'],
        'eta': g['learningRate'], 'max_bin': g['maxBin'], 'nthread': g['nthread'],
        'min_child_weight': g.get('minChildWeight', 1), 'lambda': g.get('regLambda', 1),
        'alpha': g.get('regAlpha', 0), 'subsample': g.get('subsample', 1),
        'colsample_bytree': g.get('colsampleBytree', 1), 'seed': g.get('seed', 0),
    }
    # DMatrix construction includes quantisation, like larch's timed trainGbdt call.
    t, c = time.perf_counter(), time.process_time()
    dtr = xgb.DMatrix(xtr, label=ytr, nthread=g['nthread'])
    booster = xgb.train(params, dtr, g['numRounds'])
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    p = booster.predict(xgb.DMatrix(xte, nthread=g['nthread']))
    return {'library': 'xgboost', 'version': xgb.__version__, 'auc': float(roc_auc_score(yte, p)),
            'seconds': seconds, 'cpu_seconds': cpu, 'params': params, 'rounds': g['numRounds']}


def run_sklearn_rf(meta, xtr, ytr, xte, yte):
    import sklearn
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import roc_auc_score
    f = meta['forest']
    xtr = np.nan_to_num(xtr, nan=-999.0)
    xte = np.nan_to_num(xte, nan=-999.0)
    params = {'n_estimators': f['numTrees'], 'max_depth': f['maxDepth'] or None,
              'max_features': f.get('maxFeatures', 'sqrt'), 'n_jobs': f['nthread'],
              'min_samples_leaf': f.get('minSamplesLeaf', 1), 'random_state': f.get('seed', 0)}
    m = RandomForestClassifier(**params)
    t, c = time.perf_counter(), time.process_time()
    m.fit(xtr, ytr)
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    p = m.predict_proba(xte)[:, 1]
    return {'library': 'scikit-learn', 'version': sklearn.__version__, 'auc': float(roc_auc_score(yte, p)),
            'seconds': seconds, 'cpu_seconds': cpu, 'params': params}


def main():
    folder = sys.argv[1]
    which = sys.argv[2:] or ['xgboost', 'sklearn_rf']
    meta, xtr, ytr, xte, yte = load(folder)
    out = {}
    if 'xgboost' in which:
        out['xgboost'] = run_xgboost(meta, xtr, ytr, xte, yte)
    if 'sklearn_rf' in which:
        out['sklearn_rf'] = run_sklearn_rf(meta, xtr, ytr, xte, yte)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
