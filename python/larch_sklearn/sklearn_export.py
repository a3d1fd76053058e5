"""Turns fitted scikit-learn tree ensembles into larch/Treelite models (see checkpoint.py).

Supported: RandomForest{Classifier,Regressor}, ExtraTrees{Classifier,Regressor},
GradientBoosting{Classifier,Regressor} and single DecisionTree{Classifier,Regressor}, each with
one output. The resulting model predicts what the estimator's predict_proba (classifiers) or
predict (regressors) returns: forests average per-tree class fractions, gradient boosting adds
learning-rate-scaled leaves to the init estimator's raw score and applies the loss's link.
"""
from __future__ import annotations

import numpy as np

from . import checkpoint as ck

_EPS32 = np.finfo(np.float32).eps


class ExportError(ValueError):
    """The estimator cannot be exported; the message says why and what is supported."""


def _tree_arrays(tree, leaf_fn, leaf_width, root_weight):
    """Struct-of-arrays for one sklearn `tree_`, with leaves produced by leaf_fn(node)."""
    n = tree.node_count
    left = tree.children_left.astype(np.int32)
    right = tree.children_right.astype(np.int32)
    is_leaf = left == -1
    node_type = np.where(is_leaf, ck.NODE_LEAF, ck.NODE_NUMERICAL).astype(np.int8)
    feature = np.where(is_leaf, -1, tree.feature).astype(np.int32)
    threshold = np.where(is_leaf, 0.0, tree.threshold).astype(np.float64)
    leaf_value = np.zeros(n)
    vec_begin = np.zeros(n, dtype=np.uint64)
    vec_end = np.zeros(n, dtype=np.uint64)
    vectors = []
    offset = 0
    for node in range(n):
        vec_begin[node] = offset
        if is_leaf[node]:
            out = leaf_fn(node)
            if leaf_width > 1:
                vectors.append(out)
                offset += leaf_width
            else:
                leaf_value[node] = out
        vec_end[node] = offset
    w = tree.weighted_n_node_samples
    imp = tree.impurity
    safe_left = np.where(is_leaf, 0, left)
    safe_right = np.where(is_leaf, 0, right)
    # Impurity decrease of each split, weighted and normalised by the root's weight (how
    # scikit-learn's feature_importances_ accumulates it).
    gain = (w * imp - w[safe_left] * imp[safe_left] - w[safe_right] * imp[safe_right]) / root_weight
    gain = np.where(is_leaf, 0.0, gain)
    return ck.Tree(
        node_type=node_type, left=left, right=right, feature=feature, threshold=threshold,
        leaf_value=leaf_value,
        leaf_vector=np.concatenate(vectors) if vectors else np.zeros(0),
        leaf_vector_begin=vec_begin, leaf_vector_end=vec_end,
        data_count=tree.n_node_samples.astype(np.uint64), sum_hess=w.astype(np.float64),
        gain=gain, gain_present=(~is_leaf).astype(np.uint8))


def _check_single_output(est):
    if getattr(est, 'n_outputs_', 1) != 1:
        raise ExportError(f'{type(est).__name__} with n_outputs_={est.n_outputs_}: only single-output models can be exported')


def _forest(est, trees, classifier):
    _check_single_output(est)
    nf = int(est.n_features_in_)
    if classifier:
        k = int(len(est.classes_))

        def leaf_fn_for(t):
            def leaf(node):
                v = t.value[node, 0, :].astype(np.float64)
                s = v.sum()
                return v / s if s > 0 else v
            return leaf
        out = [_tree_arrays(t, leaf_fn_for(t), k, t.weighted_n_node_samples[0]) for t in trees]
        return ck.Model(task_type=ck.TASK_MULTICLASS, average_tree_output=True, num_feature=nf,
                        num_class=k, leaf_vector_shape=(1, k), target_id=[-1] * len(out),
                        class_id=[-1] * len(out), postprocessor='identity_multiclass',
                        base_scores=[0.0] * k, trees=out)
    out = [_tree_arrays(t, (lambda t: lambda node: float(t.value[node, 0, 0]))(t), 1,
                        t.weighted_n_node_samples[0]) for t in trees]
    return ck.Model(task_type=ck.TASK_REGRESSOR, average_tree_output=True, num_feature=nf,
                    num_class=1, leaf_vector_shape=(1, 1), target_id=[0] * len(out),
                    class_id=[0] * len(out), postprocessor='identity', base_scores=[0.0], trees=out)


def _gb_init_raw(est, n_classes):
    """The raw score scikit-learn starts boosting from (its loss's get_init_raw_predictions)."""
    init = est.init_
    if isinstance(init, str) and init == 'zero':
        return np.zeros(n_classes)
    if type(init).__name__ not in ('DummyClassifier', 'DummyRegressor'):
        raise ExportError(f'GradientBoosting init={type(init).__name__}: only the default (Dummy) or "zero" init can be exported')
    x = np.zeros((1, int(est.n_features_in_)))
    if n_classes == 0:
        return np.asarray(init.predict(x), dtype=np.float64).reshape(1)
    p = np.clip(init.predict_proba(x)[0].astype(np.float64), _EPS32, 1 - _EPS32)
    if n_classes == 1:
        raw = np.log(p[1] / (1 - p[1]))
        if _loss_name(est) == 'exponential':
            raw = 0.5 * raw
        return np.array([raw])
    return np.log(p)


def _loss_name(est):
    return {'deviance': 'log_loss'}.get(est.loss, est.loss)


def _gradient_boosting(est, classifier):
    nf = int(est.n_features_in_)
    lr = float(est.learning_rate)
    stages = est.estimators_  # shape (n_stages, K)
    k = stages.shape[1]

    def scaled(t):
        return lambda node: float(t.value[node, 0, 0]) * lr
    trees, class_id = [], []
    for stage in stages:
        for c, reg in enumerate(stage):
            t = reg.tree_
            trees.append(_tree_arrays(t, scaled(t), 1, t.weighted_n_node_samples[0]))
            class_id.append(c)
    if not classifier:
        base = _gb_init_raw(est, 0)
        return ck.Model(task_type=ck.TASK_REGRESSOR, average_tree_output=False, num_feature=nf,
                        num_class=1, leaf_vector_shape=(1, 1), target_id=[0] * len(trees),
                        class_id=class_id, postprocessor='identity', base_scores=list(base), trees=trees)
    loss = _loss_name(est)
    if k == 1:
        if loss not in ('log_loss', 'exponential'):
            raise ExportError(f'GradientBoostingClassifier loss={est.loss!r} is not supported')
        # exponential loss: predict_proba = expit(2 * raw) -> sigmoid with alpha 2.
        alpha = 2.0 if loss == 'exponential' else 1.0
        return ck.Model(task_type=ck.TASK_BINARY, average_tree_output=False, num_feature=nf,
                        num_class=1, leaf_vector_shape=(1, 1), target_id=[0] * len(trees),
                        class_id=class_id, postprocessor='sigmoid',
                        base_scores=list(_gb_init_raw(est, 1)), trees=trees, sigmoid_alpha=alpha)
    return ck.Model(task_type=ck.TASK_MULTICLASS, average_tree_output=False, num_feature=nf,
                    num_class=k, leaf_vector_shape=(1, 1), target_id=[0] * len(trees),
                    class_id=class_id, postprocessor='softmax',
                    base_scores=list(_gb_init_raw(est, k)), trees=trees)


def to_model(est) -> ck.Model:
    """The checkpoint model for a fitted estimator; ExportError if it cannot be represented."""
    name = type(est).__name__
    if not hasattr(est, 'n_features_in_'):
        raise ExportError(f'{name} is not fitted (or not a scikit-learn estimator)')
    if name in ('RandomForestClassifier', 'ExtraTreesClassifier'):
        return _forest(est, [e.tree_ for e in est.estimators_], classifier=True)
    if name in ('RandomForestRegressor', 'ExtraTreesRegressor'):
        return _forest(est, [e.tree_ for e in est.estimators_], classifier=False)
    if name == 'DecisionTreeClassifier':
        return _forest(est, [est.tree_], classifier=True)
    if name == 'DecisionTreeRegressor':
        return _forest(est, [est.tree_], classifier=False)
    if name == 'GradientBoostingClassifier':
        return _gradient_boosting(est, classifier=True)
    if name == 'GradientBoostingRegressor':
        return _gradient_boosting(est, classifier=False)
    raise ExportError(
        f'{name} is not supported; export RandomForest, ExtraTrees or GradientBoosting '
        'classifiers/regressors, or a DecisionTree')


def export(est, path: str) -> int:
    """Writes the estimator as a Treelite checkpoint to `path`; returns the byte count."""
    data = ck.serialize(to_model(est))
    with open(path + '.tmp', 'wb') as f:
        f.write(data)
    import os
    os.replace(path + '.tmp', path)
    return len(data)


def predict_reference(model: ck.Model, X: np.ndarray) -> np.ndarray:
    """A plain numpy walk of the exported model, used to check an export against the estimator."""
    X = np.asarray(X, dtype=np.float64)
    width = model.leaf_vector_shape[1]
    k = model.num_class
    acc = np.zeros((X.shape[0], k))
    for t, cls in zip(model.trees, model.class_id):
        node = np.zeros(X.shape[0], dtype=np.int64)
        while True:
            leaf = model_is_leaf = t.node_type[node] == ck.NODE_LEAF
            if model_is_leaf.all():
                break
            f = np.where(leaf, 0, t.feature[node])
            go_left = X[np.arange(X.shape[0]), f] <= t.threshold[node]
            node = np.where(leaf, node, np.where(go_left, t.left[node], t.right[node]))
        if width > 1:
            begins = t.leaf_vector_begin[node].astype(np.int64)
            acc += t.leaf_vector[begins[:, None] + np.arange(width)]
        else:
            acc[:, max(cls, 0)] += t.leaf_value[node]
    if model.average_tree_output:
        acc /= len(model.trees) if width > 1 else max(1, len(model.trees) // k)
    acc += np.asarray(model.base_scores)
    if model.postprocessor == 'sigmoid':
        p = 1.0 / (1.0 + np.exp(-model.sigmoid_alpha * acc[:, 0]))
        return np.stack([1 - p, p], axis=1)
    if model.postprocessor == 'softmax':
        e = np.exp(acc - acc.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return acc
