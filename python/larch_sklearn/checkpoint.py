"""Writer for Treelite checkpoint v4 files (what `treelite.Model.serialize()` produces).

Layout (little-endian, no padding): a header, then one record per tree. Arrays are a uint64
element count followed by the elements; strings are a uint64 byte length followed by UTF-8.
Only numpy and the standard library are used, so that the exporter runs anywhere scikit-learn
does.
"""
from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from typing import List

import numpy as np

TASK_BINARY, TASK_REGRESSOR, TASK_MULTICLASS = 0, 1, 2
NODE_LEAF, NODE_NUMERICAL = 0, 1
CMP_NONE, CMP_LE = 0, 3
TYPE_FLOAT64 = 3


@dataclass
class Tree:
    """One tree as struct-of-arrays; every per-node array has num_nodes entries."""
    node_type: np.ndarray          # int8
    left: np.ndarray               # int32, -1 for leaves
    right: np.ndarray              # int32
    feature: np.ndarray            # int32, -1 for leaves
    threshold: np.ndarray          # float64
    leaf_value: np.ndarray         # float64 (0 where the leaf has a vector)
    leaf_vector: np.ndarray        # float64, flat; per-node [begin, end)
    leaf_vector_begin: np.ndarray  # uint64
    leaf_vector_end: np.ndarray    # uint64
    data_count: np.ndarray         # uint64
    sum_hess: np.ndarray           # float64
    gain: np.ndarray               # float64
    gain_present: np.ndarray       # uint8


@dataclass
class Model:
    task_type: int
    average_tree_output: bool
    num_feature: int
    num_class: int
    leaf_vector_shape: tuple
    target_id: List[int]
    class_id: List[int]
    postprocessor: str
    base_scores: List[float]
    trees: List[Tree] = field(default_factory=list)
    sigmoid_alpha: float = 1.0
    ratio_c: float = 1.0


def _array(out: io.BytesIO, values: np.ndarray, dtype: str) -> None:
    a = np.ascontiguousarray(values, dtype=np.dtype(dtype).newbyteorder('<'))
    out.write(struct.pack('<Q', a.size))
    out.write(a.tobytes())


def _string(out: io.BytesIO, s: str) -> None:
    b = s.encode('utf-8')
    out.write(struct.pack('<Q', len(b)))
    out.write(b)


def serialize(model: Model) -> bytes:
    """Returns the checkpoint bytes (version 4.2.0, float64 thresholds and leaves)."""
    out = io.BytesIO()
    out.write(struct.pack('<iii', 4, 2, 0))
    out.write(struct.pack('<BB', TYPE_FLOAT64, TYPE_FLOAT64))
    out.write(struct.pack('<Q', len(model.trees)))
    out.write(struct.pack('<i', model.num_feature))
    out.write(struct.pack('<B', model.task_type))
    out.write(struct.pack('<B', 1 if model.average_tree_output else 0))
    out.write(struct.pack('<i', 1))  # num_target
    _array(out, [model.num_class], 'i4')
    _array(out, list(model.leaf_vector_shape), 'i4')
    _array(out, model.target_id, 'i4')
    _array(out, model.class_id, 'i4')
    _string(out, model.postprocessor)
    out.write(struct.pack('<ff', model.sigmoid_alpha, model.ratio_c))
    _array(out, model.base_scores, 'f8')
    _string(out, '{}')
    out.write(struct.pack('<i', 0))  # no per-model optional fields
    for t in model.trees:
        n = len(t.node_type)
        out.write(struct.pack('<iB', n, 0))  # num_nodes, has_categorical_split
        _array(out, t.node_type, 'i1')
        _array(out, t.left, 'i4')
        _array(out, t.right, 'i4')
        _array(out, t.feature, 'i4')
        _array(out, np.where(t.node_type == NODE_LEAF, 0, 1), 'u1')  # default_left
        _array(out, t.leaf_value, 'f8')
        _array(out, t.threshold, 'f8')
        _array(out, np.where(t.node_type == NODE_LEAF, CMP_NONE, CMP_LE), 'i1')
        _array(out, np.zeros(n), 'u1')           # category_list_right_child
        _array(out, t.leaf_vector, 'f8')
        _array(out, t.leaf_vector_begin, 'u8')
        _array(out, t.leaf_vector_end, 'u8')
        _array(out, np.zeros(0), 'u4')           # category_list
        _array(out, np.zeros(n), 'u8')           # category_list_begin
        _array(out, np.zeros(n), 'u8')           # category_list_end
        _array(out, t.data_count, 'u8')
        _array(out, np.ones(n), 'u1')
        _array(out, t.sum_hess, 'f8')
        _array(out, np.ones(n), 'u1')
        _array(out, t.gain, 'f8')
        _array(out, t.gain_present, 'u1')
        out.write(struct.pack('<ii', 0, 0))  # no per-tree / per-node optional fields
    return out.getvalue()
