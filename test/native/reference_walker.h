// A deliberately plain reference predictor over the forest IR, for tests only: one row at a
// time, one node at a time, every rule of forest_ir.h spelled out. The loaders are checked
// against the libraries' expected outputs through it, independently of the compiled evaluator.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "forest/forest_ir.h"

namespace larch::forest::testing {

enum class Kind { kMargin, kValue, kClass };

template <typename T>
int32_t ReferenceLeaf(const Tree& tree, const double* row) {
  int32_t n = 0;
  while (!tree.IsLeaf(n)) {
    T x = static_cast<T>(row[tree.split_index[n]]);
    bool left;
    if (tree.node_type[n] == NodeType::kCategorical) {
      if (std::isnan(x)) {
        n = tree.DefaultChild(n);
        continue;
      }
      const double t = std::trunc(static_cast<double>(x));
      bool in_set = false;
      if (t >= 0 && t <= 4294967295.0) {
        for (uint32_t c : tree.CategoryList(n)) in_set |= (c == static_cast<uint32_t>(t));
      }
      const bool right = tree.category_list_right_child[n] ? in_set : !in_set;
      n = right ? tree.RightChild(n) : tree.LeftChild(n);
      continue;
    }
    const MissingType mt = tree.Missing(n);
    if (mt == MissingType::kNone && std::isnan(x)) x = 0;
    if (std::isnan(x) || (mt == MissingType::kZero && std::fabs(x) <= 1e-35)) {
      n = tree.DefaultChild(n);
      continue;
    }
    const T thr = static_cast<T>(tree.threshold[n]);
    switch (tree.cmp[n]) {
      case Operator::kLT: left = x < thr; break;
      case Operator::kLE: left = x <= thr; break;
      case Operator::kGT: left = x > thr; break;
      case Operator::kGE: left = x >= thr; break;
      case Operator::kEQ: left = x == thr; break;
      default: left = false; break;
    }
    n = left ? tree.LeftChild(n) : tree.RightChild(n);
  }
  return n;
}

template <typename T>
T LeafOutput(const Tree& tree, int32_t n, const double* row) {
  if (!tree.HasLinearLeaves()) return static_cast<T>(tree.leaf_value[n]);
  double out = tree.linear_const[n];
  for (uint64_t i = tree.linear_begin[n]; i < tree.linear_end[n]; ++i) {
    const double x = row[tree.linear_feature[i]];
    if (std::isnan(x)) return static_cast<T>(tree.leaf_value[n]);
    out += tree.linear_coeff[i] * x;
  }
  return static_cast<T>(out);
}

// Writes NumOutput() values for `row` (1 for kClass).
template <typename T>
std::vector<double> ReferencePredict(const Forest& f, const double* row, Kind kind) {
  const int32_t classes = f.MaxNumClass();
  const size_t n_out = static_cast<size_t>(f.NumOutput());
  std::vector<T> acc(n_out, T(0));
  std::vector<int64_t> count(n_out, 0);
  const bool base_first = !f.average_tree_output;  // XGBoost: base, then trees in order
  if (base_first) {
    for (size_t o = 0; o < n_out; ++o) acc[o] = static_cast<T>(f.base_scores[o]);
  }
  for (int32_t t = 0; t < f.NumTrees(); ++t) {
    const Tree& tree = f.trees[t];
    const int32_t leaf = ReferenceLeaf<T>(tree, row);
    const int32_t target = f.target_id[t], cls = f.class_id[t];
    if (tree.HasLeafVector(leaf)) {
      auto v = tree.LeafVector(leaf);
      for (size_t j = 0; j < v.size(); ++j) {
        const size_t o = target >= 0 ? static_cast<size_t>(target * classes) + j
                                     : (cls >= 0 ? j * classes + cls : j);
        acc[o] += static_cast<T>(v[j]);
        ++count[o];
      }
    } else {
      const size_t o = static_cast<size_t>(std::max(target, 0) * classes + std::max(cls, 0));
      acc[o] += LeafOutput<T>(tree, leaf, row);
      ++count[o];
    }
  }
  const bool average = f.average_tree_output && !(kind == Kind::kMargin && f.margin_before_averaging);
  std::vector<double> out(n_out);
  for (size_t o = 0; o < n_out; ++o) {
    T v = acc[o];
    if (average && count[o] > 0) v /= static_cast<T>(count[o]);
    if (!base_first) v += static_cast<T>(f.base_scores[o]);
    out[o] = static_cast<double>(v);
  }
  if (kind == Kind::kMargin) return out;
  const std::string& p = f.postprocessor;
  const double a = f.sigmoid_alpha;
  if (p == "sigmoid" || p == "multiclass_ova") {
    for (double& v : out) v = 1.0 / (1.0 + std::exp(-a * v));
  } else if (p == "softmax") {
    const double m = *std::max_element(out.begin(), out.end());
    double sum = 0;
    for (double& v : out) sum += (v = std::exp(v - m));
    for (double& v : out) v /= sum;
  } else if (p == "exponential") {
    for (double& v : out) v = std::exp(v);
  } else if (p == "signed_square") {
    for (double& v : out) v = (v < 0 ? -1 : 1) * v * v;
  } else if (p == "hinge") {
    for (double& v : out) v = v > 0 ? 1 : 0;
  } else if (p == "logarithm_one_plus_exp") {
    for (double& v : out) v = std::log1p(std::exp(v));
  }
  if (kind == Kind::kClass || (kind == Kind::kValue && f.default_output_is_class)) {
    if (out.size() == 1) return {out[0] > (p == "identity" ? 0.0 : 0.5) ? 1.0 : 0.0};
    return {static_cast<double>(std::max_element(out.begin(), out.end()) - out.begin())};
  }
  return out;
}

}  // namespace larch::forest::testing
