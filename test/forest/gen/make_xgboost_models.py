"""Generates test/forest/models/xgboost/: one small model per XGBoost objective (trained with
Debian's python3-xgboost, run with /usr/bin/python3), each saved as JSON, as XGBoost's own
UBJSON, and as a UBJSON rewritten the way XGBoost 2.x/3.x write it (typed arrays, bracketed
base_score), plus expected.json holding the input rows and XGBoost's margin and predict()
outputs. The test (test/forest/xgboost-objectives.test.ts) needs only the generated files.

    /usr/bin/python3 test/forest/gen/make_xgboost_models.py
"""
import json
import os
import struct

import numpy as np
import xgboost as xgb

OUT = os.path.join(os.path.dirname(__file__), '..', 'models', 'xgboost')
N, F, ROUNDS = 300, 5, 4


def data(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, F)).astype(np.float32)
    X[rng.random(size=X.shape) < 0.1] = np.nan
    return rng, X


def cases():
    rng, X = data(1)
    z = np.nan_to_num(X[:, 0]) + 0.5 * np.nan_to_num(X[:, 1])
    pos = np.exp(0.3 * z) + 0.1
    binary = (z > 0).astype(np.float32)
    yield 'reg_squarederror', {'objective': 'reg:squarederror', 'base_score': 1.5}, X, z, None
    yield 'reg_squaredlogerror', {'objective': 'reg:squaredlogerror'}, X, pos, None
    yield 'reg_pseudohubererror', {'objective': 'reg:pseudohubererror'}, X, z, None
    yield 'reg_absoluteerror', {'objective': 'reg:absoluteerror'}, X, z, None
    yield 'reg_logistic', {'objective': 'reg:logistic', 'base_score': 0.3}, X, 1 / (1 + np.exp(-z)), None
    yield 'binary_logistic', {'objective': 'binary:logistic', 'base_score': 0.7}, X, binary, None
    yield 'binary_logitraw', {'objective': 'binary:logitraw', 'base_score': 0.3}, X, binary, None
    yield 'binary_hinge', {'objective': 'binary:hinge'}, X, binary, None
    yield 'count_poisson', {'objective': 'count:poisson', 'base_score': 2.0}, X, np.round(pos * 3), None
    yield 'reg_gamma', {'objective': 'reg:gamma', 'base_score': 1.5}, X, pos, None
    yield 'reg_tweedie', {'objective': 'reg:tweedie', 'base_score': 1.2}, X, pos, None
    cox = np.where(binary > 0, pos, -pos)
    yield 'survival_cox', {'objective': 'survival:cox', 'base_score': 2.0}, X, cox, None
    yield 'survival_aft', {'objective': 'survival:aft', 'base_score': 3.0}, X, None, ('aft', pos)
    yield 'multi_softprob3', {'objective': 'multi:softprob', 'num_class': 3}, X, np.digitize(z, [-0.5, 0.5]), None
    yield 'multi_softmax3', {'objective': 'multi:softmax', 'num_class': 3}, X, np.digitize(z, [-0.5, 0.5]), None
    for rank in ('rank:pairwise', 'rank:ndcg', 'rank:map'):
        rel = np.digitize(z, [0.0]) if rank == 'rank:map' else np.digitize(z, [-0.5, 0.5])
        yield rank.replace(':', '_'), {'objective': rank}, X, rel, ('group', [30] * (N // 30))
    yield 'multi_target3', {'objective': 'reg:squarederror', 'tree_method': 'hist'}, X, \
        np.stack([z, -z, pos], axis=1), None
    cat = X.copy()
    cat[:, 0] = np.where(np.isnan(X[:, 0]), np.nan, rng.integers(0, 6, size=N))
    yield 'categorical_multi3', {'objective': 'multi:softprob', 'num_class': 3, 'tree_method': 'hist',
                                 'max_cat_to_onehot': 1}, cat, np.digitize(z, [-0.5, 0.5]), ('cat', None)


# UBJSON the way XGBoost >= 2 writes it: typed, counted arrays.
def ubj(v):
    if isinstance(v, dict):
        out = b'{'
        for k, x in v.items():
            kb = k.encode()
            out += b'L' + struct.pack('>q', len(kb)) + kb + ubj(x)
        return out + b'}'
    if isinstance(v, list):
        if v and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
            if all(isinstance(x, int) for x in v):
                if all(0 <= x <= 255 for x in v):
                    return b'[$U#L' + struct.pack('>q', len(v)) + bytes(v)
                return b'[$l#L' + struct.pack('>q', len(v)) + struct.pack('>%di' % len(v), *v)
            return b'[$d#L' + struct.pack('>q', len(v)) + struct.pack('>%df' % len(v), *v)
        return b'[#L' + struct.pack('>q', len(v)) + b''.join(ubj(x) for x in v)
    if isinstance(v, bool):
        return b'T' if v else b'F'
    if isinstance(v, int):
        return b'L' + struct.pack('>q', v)
    if isinstance(v, float):
        return b'd' + struct.pack('>f', v)
    if isinstance(v, str):
        b = v.encode()
        return b'SL' + struct.pack('>q', len(b)) + b
    if v is None:
        return b'Z'
    raise TypeError(type(v))


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {}
    for name, params, X, y, extra in cases():
        params = dict(params, max_depth=3, eta=0.3, seed=7)
        kw = {}
        if extra and extra[0] == 'cat':
            kw = {'feature_types': ['c'] + ['q'] * (F - 1), 'enable_categorical': True}
            d = xgb.DMatrix(X, label=y, **kw)
        elif extra and extra[0] == 'aft':
            d = xgb.DMatrix(X)
            d.set_float_info('label_lower_bound', extra[1])
            d.set_float_info('label_upper_bound', np.where(np.arange(N) % 3 == 0, np.inf, extra[1] * 1.5))
        else:
            d = xgb.DMatrix(X, label=y)
            if extra and extra[0] == 'group':
                d.set_group(extra[1])
        bst = xgb.train(params, d, ROUNDS)
        path = os.path.join(OUT, name)
        bst.save_model(path + '.json')
        bst.save_model(path + '.ubj')
        model = json.load(open(path + '.json'))
        mp = model['learner']['learner_model_param']
        mp['base_score'] = '[' + mp['base_score'] + ']'
        open(path + '.v2.ubj', 'wb').write(ubj(model))
        rows = X[:40]
        dm = xgb.DMatrix(rows, **kw)
        margin = bst.predict(dm, output_margin=True)
        value = bst.predict(dm)
        expected[name] = {
            'objective': params['objective'],
            'num_feature': F,
            'rows': len(rows),
            'input': [None if np.isnan(v) else float(v) for v in rows.ravel()],
            'margin': [float(v) for v in np.asarray(margin, dtype=np.float32).ravel()],
            'value': [float(v) for v in np.asarray(value, dtype=np.float32).ravel()],
        }
    json.dump(expected, open(os.path.join(OUT, 'expected.json'), 'w'))


if __name__ == '__main__':
    main()
