"""Oracle for the larch_sklearn exporter test: fits scikit-learn estimators on fixed synthetic
data, exports each with larch_sklearn, and writes the rows and scikit-learn's own predictions.

Usage: /usr/bin/python3 test/python/sklearn_oracle.py OUT_DIR
Writes OUT_DIR/<case>.tl, <case>.X.f32 (row-major float32), <case>.expected.f64 and cases.json.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'python'))
from larch_sklearn import export  # noqa: E402
from sklearn.datasets import make_classification, make_regression  # noqa: E402
from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor,  # noqa: E402
                              GradientBoostingClassifier, GradientBoostingRegressor,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
Xb, yb = make_classification(1500, 12, n_informative=6, weights=[0.9], random_state=1)
Xm, ym = make_classification(1500, 10, n_informative=6, n_classes=4, random_state=2)
Xr, yr = make_regression(1500, 8, noise=3.0, random_state=3)
Xb, Xm, Xr = (a.astype(np.float32) for a in (Xb, Xm, Xr))
cases = {
    'rf_binary': (RandomForestClassifier(40, max_depth=10, random_state=0), Xb, yb),
    'rf_multiclass': (RandomForestClassifier(25, min_samples_leaf=3, random_state=0), Xm, ym),
    'extratrees_binary': (ExtraTreesClassifier(30, max_depth=8, random_state=0), Xb, yb),
    'rf_regressor': (RandomForestRegressor(30, max_depth=9, random_state=0), Xr, yr),
    'extratrees_regressor': (ExtraTreesRegressor(20, random_state=0), Xr, yr),
    'gb_binary': (GradientBoostingClassifier(n_estimators=60, random_state=0), Xb, yb),
    'gb_binary_exponential': (GradientBoostingClassifier(n_estimators=40, loss='exponential', random_state=0), Xb, yb),
    'gb_multiclass': (GradientBoostingClassifier(n_estimators=30, random_state=0), Xm, ym),
    'gb_regressor': (GradientBoostingRegressor(n_estimators=80, max_depth=4, random_state=0), Xr, yr),
    'decision_tree': (DecisionTreeClassifier(max_depth=12, random_state=0), Xm, ym),
}
meta = {}
for name, (est, X, y) in cases.items():
    est.fit(X, y)
    export(est, os.path.join(out, name + '.tl'))
    rows = X[:400]
    expected = est.predict_proba(rows) if hasattr(est, 'predict_proba') else est.predict(rows).reshape(-1, 1)
    # larch (like Treelite) returns one probability for a binary gradient-boosted classifier.
    if name.startswith('gb_binary'):
        expected = expected[:, 1:]
    np.ascontiguousarray(rows, dtype='<f4').tofile(os.path.join(out, name + '.X.f32'))
    np.ascontiguousarray(expected, dtype='<f8').tofile(os.path.join(out, name + '.expected.f64'))
    meta[name] = {'rows': int(rows.shape[0]), 'features': int(rows.shape[1]), 'outputs': int(expected.shape[1])}
json.dump(meta, open(os.path.join(out, 'cases.json'), 'w'))
