"""python3 -m larch_sklearn MODEL.pkl OUT.tl [--check X.npy]

Loads a pickled (or joblib-dumped) fitted scikit-learn estimator and writes it as a Treelite
checkpoint that larch serves (backend "fil", model_type "treelite_checkpoint").
"""
import argparse
import pickle
import sys

import numpy as np

from .sklearn_export import ExportError, export, predict_reference, to_model


def _load(path):
    with open(path, 'rb') as f:
        head = f.read(2)
    try:
        with open(path, 'rb') as f:
            return pickle.load(f)
    except Exception as first:  # joblib files with compression are not plain pickles
        try:
            import joblib
        except ImportError:
            raise SystemExit(f'larch_sklearn: cannot read {path}: {first} (install joblib for joblib dumps)')
        return joblib.load(path)


def main(argv=None):
    p = argparse.ArgumentParser(prog='python3 -m larch_sklearn',
                                description='Export a fitted scikit-learn forest to a Treelite checkpoint for larch.')
    p.add_argument('model', help='pickle or joblib file holding the fitted estimator')
    p.add_argument('out', help='checkpoint to write (e.g. model-repository/NAME/1/checkpoint.tl)')
    p.add_argument('--check', metavar='X.npy',
                   help='rows (a .npy float array) on which to verify the export against the estimator')
    a = p.parse_args(argv)
    est = _load(a.model)
    try:
        n = export(est, a.out)
    except ExportError as e:
        print(f'larch_sklearn: {e}', file=sys.stderr)
        return 2
    print(f'wrote {a.out} ({n} bytes, {type(est).__name__}, {est.n_features_in_} features)')
    if a.check:
        X = np.load(a.check)
        ours = predict_reference(to_model(est), X)
        theirs = est.predict_proba(X) if hasattr(est, 'predict_proba') else est.predict(X).reshape(-1, 1)
        diff = float(np.max(np.abs(ours - theirs)))
        print(f'max |difference| vs scikit-learn on {len(X)} rows: {diff:.3g}')
        if diff > 1e-6:
            print('larch_sklearn: the export does NOT reproduce the estimator', file=sys.stderr)
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
