"""Fits the founding article's model for the FastAPI comparison and exports it for larch.

Usage: /usr/bin/python3 train_baseline.py X.f32 y.f32 ROWS FEATURES OUT_DIR CHECK_ROWS
Writes OUT_DIR/model.pkl (for FastAPI), OUT_DIR/checkpoint.tl (for larch, via larch_sklearn)
and OUT_DIR/expected.f64: scikit-learn's predict_proba on the first CHECK_ROWS rows.
"""
import os
import pickle
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'python'))
from larch_sklearn import export  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402

x_file, y_file, rows, features, out, check = sys.argv[1:7]
rows, features, check = int(rows), int(features), int(check)
X = np.fromfile(x_file, dtype='<f4').reshape(rows, features)
y = np.fromfile(y_file, dtype='<f4').astype(np.int64)
t0 = time.time()
model = RandomForestClassifier(n_estimators=100, max_depth=10, n_jobs=-1, random_state=0).fit(X, y)
print(f'fitted RandomForestClassifier(100 trees, depth 10) on {rows} rows in {time.time() - t0:.1f} s', flush=True)
with open(os.path.join(out, 'model.pkl'), 'wb') as f:
    pickle.dump(model, f)
export(model, os.path.join(out, 'checkpoint.tl'))
np.ascontiguousarray(model.predict_proba(X[:check]), dtype='<f8').tofile(os.path.join(out, 'expected.f64'))
