"""Generates test/fixtures-xgboost-legacy/: small XGBoost models saved in XGBoost's legacy binary
format (Booster.save_model('<name>.model')), the same boosters saved as JSON, their inputs and
XGBoost's own predictions (margin and predict()), plus MANIFEST.json describing every file.

Needs Debian 12's python3-xgboost (XGBoost 1.7.4); run it with the system interpreter:

    /usr/bin/python3 test/python/make_xgboost_legacy_fixtures.py

Everything is seeded, so a rerun with the same XGBoost rewrites identical files.
"""
import json
import os
import struct

import numpy as np
import xgboost as xgb

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures-xgboost-legacy')
N_TRAIN, N_TEST, F = 300, 64, 6
TOL = {'abs': 1e-5, 'rel': 1e-5}  # as test/fixtures/MANIFEST.json uses for XGBoost JSON models


def data(seed, n):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, F)).astype(np.float32)
    X[rng.random(size=X.shape) < 0.1] = np.nan
    return X


def targets(X):
    z = np.nan_to_num(X[:, 0]) + 0.5 * np.nan_to_num(X[:, 1]) - 0.3 * np.nan_to_num(X[:, 2])
    return {
        'z': z.astype(np.float32),
        'binary': (z > 0).astype(np.float32),
        'class3': np.digitize(z, [-0.5, 0.5]).astype(np.float32),
        'count': np.round(3 * np.exp(0.3 * z)).astype(np.float32),
    }


# name -> (params, target, rounds, notes)
CASES = {
    'binary_logistic': ({'objective': 'binary:logistic', 'max_depth': 3}, 'binary', 8,
                        'binary:logistic, default base_score 0.5'),
    'binary_logistic_base_score': ({'objective': 'binary:logistic', 'max_depth': 3, 'base_score': 0.3},
                                   'binary', 8, 'binary:logistic with base_score 0.3 (stored as a probability)'),
    'reg_squarederror': ({'objective': 'reg:squarederror', 'max_depth': 3, 'base_score': 1.5}, 'z', 8,
                         'reg:squarederror with base_score 1.5'),
    'multi_softprob3': ({'objective': 'multi:softprob', 'num_class': 3, 'max_depth': 3}, 'class3', 5,
                        'multi:softprob, 3 classes (tree_info cycles over the classes)'),
    'multi_softmax3': ({'objective': 'multi:softmax', 'num_class': 3, 'max_depth': 3}, 'class3', 5,
                       'multi:softmax, 3 classes; predict() is the argmax class'),
    'count_poisson': ({'objective': 'count:poisson', 'max_depth': 3, 'base_score': 2.0}, 'count', 8,
                      'count:poisson with base_score 2 (margin = log(2) + trees)'),
    'deep8_reg': ({'objective': 'reg:squarederror', 'max_depth': 8, 'min_child_weight': 10}, 'z', 50,
                  'reg:squarederror, max_depth 8, 50 trees'),
    'dart_binary': ({'objective': 'binary:logistic', 'booster': 'dart', 'max_depth': 3, 'rate_drop': 0.3,
                     'skip_drop': 0.0}, 'binary', 8, 'dart booster (weight_drop after the trees)'),
    'rf_binary': ({'objective': 'binary:logistic', 'max_depth': 3, 'num_parallel_tree': 4, 'subsample': 0.6,
                   'colsample_bynode': 0.6, 'eta': 1.0}, 'binary', 2, 'random forest: num_parallel_tree 4, 2 rounds'),
}


def max_depth(bst):
    def depth(node):
        return 1 + max((depth(c) for c in node.get('children', [])), default=-1)
    return max(depth(json.loads(t)) for t in bst.get_dump(dump_format='json'))


def write_f32(name, arr):
    np.ascontiguousarray(arr, dtype='<f4').tofile(os.path.join(OUT, name))


def check_binary(path):
    head = open(path, 'rb').read(4)
    assert head == b'binf', f'{path} does not start with the legacy binary header: {head!r}'


def main():
    os.makedirs(OUT, exist_ok=True)
    X_train = data(11, N_TRAIN)
    X_test = data(12, N_TEST)
    y_all = targets(X_train)
    write_f32('input.f32', X_test)
    cases = []
    for name, (params, target, rounds, notes) in CASES.items():
        params = dict({'eta': 0.3, 'seed': 7, 'nthread': 1}, **params)
        bst = xgb.train(params, xgb.DMatrix(X_train, label=y_all[target]), rounds)
        model_file, json_file = f'{name}.model', f'{name}.json'
        bst.save_model(os.path.join(OUT, model_file))
        bst.save_model(os.path.join(OUT, json_file))
        check_binary(os.path.join(OUT, model_file))
        dm = xgb.DMatrix(X_test)
        margin = np.asarray(bst.predict(dm, output_margin=True), dtype=np.float32)
        value = np.asarray(bst.predict(dm), dtype=np.float32)
        # The JSON copy and the binary file must be the same booster for XGBoost itself.
        for f in (model_file, json_file):
            again = xgb.Booster(model_file=os.path.join(OUT, f))
            assert np.array_equal(np.asarray(again.predict(dm, output_margin=True), dtype=np.float32), margin), f
        write_f32(f'{name}.expected_margin.f32', margin)
        write_f32(f'{name}.expected_value.f32', value)
        cases.append({
            'id': name, 'objective': params['objective'], 'booster': params.get('booster', 'gbtree'),
            'model_file': model_file, 'json_file': json_file, 'input_file': 'input.f32',
            'input_shape': [N_TEST, F], 'num_feature': F,
            'num_tree': len(bst.get_dump()), 'max_depth_reached': max_depth(bst),
            'expected_margin_file': f'{name}.expected_margin.f32', 'expected_margin_shape': list(margin.shape),
            'expected_value_file': f'{name}.expected_value.f32', 'expected_value_shape': list(value.shape),
            'tolerance': TOL, 'notes': notes,
        })

    # XGBoost 1.0 to 1.4 wrote the same layout without the 4-byte 'binf' header. XGBoost 1.7
    # still reads such files; check that it predicts the same from the stripped copy.
    src = open(os.path.join(OUT, 'binary_logistic.model'), 'rb').read()
    headerless = 'binary_logistic.noheader.model'
    open(os.path.join(OUT, headerless), 'wb').write(src[4:])
    again = xgb.Booster(model_file=os.path.join(OUT, headerless))
    want = np.fromfile(os.path.join(OUT, 'binary_logistic.expected_margin.f32'), dtype='<f4')
    assert np.array_equal(np.asarray(again.predict(xgb.DMatrix(X_test), output_margin=True), dtype=np.float32), want)

    # Categorical splits: XGBoost refuses to write them in the legacy format.
    Xc = X_train.copy()
    Xc[:, 0] = np.where(np.isnan(Xc[:, 0]), np.nan, np.random.default_rng(3).integers(0, 5, N_TRAIN))
    dc = xgb.DMatrix(Xc, label=y_all['binary'], feature_types=['c'] + ['q'] * (F - 1), enable_categorical=True)
    bc = xgb.train({'objective': 'binary:logistic', 'tree_method': 'hist', 'max_cat_to_onehot': 1, 'seed': 7}, dc, 2)
    categorical_note = None
    try:
        bc.save_model(os.path.join(OUT, 'categorical.model'))
        categorical_note = 'XGBoost wrote a categorical model in the legacy format (unexpected)'
    except xgb.core.XGBoostError as e:
        # XGBoost has opened (and partly written) the file before it fails.
        if os.path.exists(os.path.join(OUT, 'categorical.model')):
            os.remove(os.path.join(OUT, 'categorical.model'))
        line = [ln for ln in str(e).splitlines() if 'categorical' in ln]
        categorical_note = 'XGBoost 1.7.4 refuses to save categorical splits in the legacy format: ' + \
            (line[0].split(': ', 1)[-1].strip() if line else str(e).splitlines()[0])
    assert not os.path.exists(os.path.join(OUT, 'categorical.model')), categorical_note

    manifest = {
        'format_version': 1,
        'library': 'xgboost', 'library_version': xgb.__version__,
        'generator': 'test/python/make_xgboost_legacy_fixtures.py',
        'input': {'file': 'input.f32', 'shape': [N_TEST, F], 'dtype': 'float32', 'missing': 'NaN (about 10%)'},
        'cases': cases,
        'headerless': {'model_file': headerless, 'same_as': 'binary_logistic',
                       'notes': 'binary_logistic.model without its 4-byte "binf" header (the XGBoost 1.0-1.4 layout); '
                                'XGBoost 1.7.4 loads it and predicts identically'},
        'categorical': categorical_note,
    }
    with open(os.path.join(OUT, 'MANIFEST.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
