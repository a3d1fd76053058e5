// The CPU evaluator: tree traversal over the packed layout (compile.h) and the block loop that
// accumulates a block of rows across every tree. Included only by predictor.cc.
//
// EvaluateBlock walks trees in order and, for each tree, all rows of the block, so each tree's
// nodes stay in L1 while the block's rows (at most kBlockRows) stay in L1/L2, and every row's
// accumulator receives its trees' leaves in tree order (bit-for-bit the libraries' sum order).
// The traversal trusts the packed form: the compiler checked every index.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "forest/compile.h"
#include "forest/evaluate_complete.h"
#include "forest/evaluate_complete_avx512.h"

namespace larch::forest {

template <typename T>
inline bool SpecialGoesDistant(const PackedNode<T>* n, T x) {
  const uint32_t meta = n->meta;
  const auto missing = static_cast<MissingType>((meta >> kMetaMissingShift) & 3u);
  const bool default_distant = (meta & kMetaDefaultDistant) != 0;
  if (std::isnan(x)) {
    if (missing != MissingType::kNone) return default_distant;
    x = T(0);  // LightGBM missing type None: NaN is compared as 0.0
  } else if (missing == MissingType::kZero) {
    // LightGBM's zero threshold is the float 1e-35 compared in double.
    const double kZero = static_cast<double>(1e-35f);
    const double d = static_cast<double>(x);
    if (d >= -kZero && d <= kZero) return default_distant;
  }
  bool cond = false;
  switch (static_cast<Operator>((meta >> kMetaOpShift) & 7u)) {
    case Operator::kLT: cond = x < n->value; break;
    case Operator::kLE: cond = x <= n->value; break;
    case Operator::kEQ: cond = x == n->value; break;
    case Operator::kGT: cond = x > n->value; break;
    case Operator::kGE: cond = x >= n->value; break;
    case Operator::kNone: break;
  }
  return !cond;  // special nodes keep left as the near child
}

template <typename T>
inline bool CategoryMatches(const uint32_t* cat_words, uint32_t index, T x) {
  const uint32_t* bits = cat_words + index;
  // x < nbits (<= 2^24) also rejects values that are not exactly representable integers.
  if (!(x >= T(0)) || !(x < static_cast<T>(bits[0]))) return false;
  const uint32_t c = static_cast<uint32_t>(x);
  return (bits[1 + c / 32] >> (c % 32)) & 1u;
}

template <typename T, bool kCategorical, bool kGeneral>
inline const PackedNode<T>* FindLeaf(const PackedNode<T>* __restrict n, const T* __restrict row,
                                     const uint32_t* __restrict cat_words) {
  uint32_t meta = n->meta;
  while (!(meta & kMetaLeaf)) {
    const T x = row[meta & kMetaFeatureMask];
    bool distant;
    if (kGeneral && (meta & kMetaSpecial)) {
      distant = SpecialGoesDistant(n, x);
    } else if (kCategorical && (meta & kMetaCategorical)) {
      distant = std::isnan(x) ? (meta & kMetaDefaultDistant) != 0
                              : !CategoryMatches(cat_words, n->index, x);
    } else {
      // NaN fails >=, and only then does the default-distant bit matter.
      distant = (x >= n->value) | ((x != x) & ((meta & kMetaDefaultDistant) != 0));
    }
    n += distant ? n->aux : 1u;
    meta = n->meta;
  }
  return n;
}

// Adds a reached leaf to a row's accumulator (general instantiation: leaf vectors, linear leaves).
template <typename T>
inline void AddLeafGeneral(const CompiledTrees<T>& c, const TreeOutput& o,
                           const PackedNode<T>* leaf, const T* row, T* acc) {
  if (leaf->meta & kMetaLeafVector) {
    const T* vec = c.leaf_values.data() + leaf->aux;
    for (uint32_t k = o.vec_begin; k < o.vec_end; ++k) {
      acc[c.vec_map[k].first] += vec[c.vec_map[k].second];
    }
    return;
  }
  if (leaf->meta & kMetaLinearLeaf) {
    const LinearLeaf& lin = c.linear_leaves[leaf->aux];
    double v = lin.constant;
    for (uint32_t k = lin.begin; k < lin.end; ++k) {
      const double x = static_cast<double>(row[c.linear_feature[k]]);
      if (std::isnan(x)) {
        v = lin.fallback;
        break;
      }
      v += c.linear_coeff[k] * x;
    }
    acc[o.slot] += static_cast<T>(v);
    return;
  }
  acc[o.slot] += leaf->value;
}

// One branch-free step of an ordinary numerical node (the fast instantiation has no other kind).
// A leaf stays where it is: its near step is 0 (meta bit 31) and its aux is 0.
template <typename T>
inline const PackedNode<T>* Step(const PackedNode<T>* n, const T* row) {
  const uint32_t meta = n->meta;
  const T x = row[meta & kMetaFeatureMask];
  const uint32_t distant = static_cast<uint32_t>(x >= n->value) |
                           (static_cast<uint32_t>(x != x) & (meta >> 30));
  const uint32_t near = (meta >> 31) ^ 1u;
  // Select with a mask, not a conditional, so the compiler cannot turn it into a branch.
  const uint32_t mask = 0u - distant;
  return n + ((n->aux & mask) | (near & ~mask));
}

// Complete layout (complete_layout.h), for every row of the block: expand the rows, then walk
// one tile of tree groups for all rows before the next tile (large models stay in L2 per tile),
// each row's leaves still arriving in tree order. Measured on the bench model (500 trees, depth
// 8, one row at a time): 1.9 us per row with AVX-512, 3.2 us portable, against 5.3 us for the
// packed lockstep kernel below.
template <typename T>
void EvaluateBlockComplete(const CompleteTrees<T>& c, const T* __restrict rows, size_t n_rows,
                           size_t num_feature, T* __restrict acc, size_t num_slots,
                           T* __restrict expanded) {
  const size_t nx = 2 * num_feature;
  for (size_t r = 0; r < n_rows; ++r) ExpandRow(rows + r * num_feature, num_feature, expanded + r * nx);
  bool avx512 = false;
  if constexpr (std::is_same_v<T, float>) avx512 = CpuHasAvx512();
  const size_t num_group = c.group_depth.size();
  for (size_t g = 0; g < num_group;) {
    const size_t g_end = CompleteTileEnd(c, g);
    for (size_t r = 0; r < n_rows; ++r) {
      if constexpr (std::is_same_v<T, float>) {
        if (avx512) {
          EvaluateRowCompleteAvx512(c, g, g_end, expanded + r * nx, acc + r * num_slots);
          continue;
        }
      }
      EvaluateRowComplete(c, g, g_end, expanded + r * nx, acc + r * num_slots);
    }
    g = g_end;
  }
}

// Fast instantiation without the complete layout: kLanes independent traversals advance in lockstep for a fixed number of
// steps (the deepest tree's depth), so the core overlaps their loads instead of waiting on one
// chain of dependent loads and mispredicted branches. Lanes are rows of one tree when the block
// has enough rows, else trees of one row. Leaves are added in tree order either way.
inline constexpr size_t kLanes = 8;

template <typename T>
void EvaluateBlockFast(const CompiledTrees<T>& c, const T* __restrict rows, size_t n_rows,
                       size_t num_feature, T* __restrict acc, size_t num_slots,
                       T* __restrict expanded) {
  if (c.complete.usable) {
    EvaluateBlockComplete(c.complete, rows, n_rows, num_feature, acc, num_slots, expanded);
    return;
  }
  const PackedNode<T>* nodes = c.nodes.data();
  const size_t num_tree = c.root.size();
  const size_t lane_rows = n_rows - n_rows % kLanes;
  if (lane_rows > 0) {
    for (size_t t = 0; t < num_tree; ++t) {
      const PackedNode<T>* root = nodes + c.root[t];
      const uint32_t depth = c.depth[t];
      T* a = acc + c.output[t].slot;
      for (size_t r = 0; r < lane_rows; r += kLanes) {
        const T* x = rows + r * num_feature;
        const PackedNode<T>* p[kLanes];
        for (size_t k = 0; k < kLanes; ++k) p[k] = root;
        for (uint32_t d = 0; d < depth; ++d) {
          for (size_t k = 0; k < kLanes; ++k) p[k] = Step(p[k], x + k * num_feature);
        }
        for (size_t k = 0; k < kLanes; ++k) a[(r + k) * num_slots] += p[k]->value;
      }
    }
  }
  // Remaining rows (all of them for small batches): lanes are consecutive trees.
  const size_t lane_trees = num_tree - num_tree % kLanes;
  for (size_t r = lane_rows; r < n_rows; ++r) {
    const T* x = rows + r * num_feature;
    T* a = acc + r * num_slots;
    for (size_t t = 0; t < lane_trees; t += kLanes) {
      const PackedNode<T>* p[kLanes];
      uint32_t depth = 0;
      for (size_t k = 0; k < kLanes; ++k) {
        p[k] = nodes + c.root[t + k];
        depth = std::max(depth, c.depth[t + k]);
      }
      for (uint32_t d = 0; d < depth; ++d) {
        for (size_t k = 0; k < kLanes; ++k) p[k] = Step(p[k], x);
      }
      for (size_t k = 0; k < kLanes; ++k) a[c.output[t + k].slot] += p[k]->value;
    }
    for (size_t t = lane_trees; t < num_tree; ++t) {
      a[c.output[t].slot] += FindLeaf<T, false, false>(nodes + c.root[t], x, nullptr)->value;
    }
  }
}

// Categorical and general instantiations: one traversal at a time, with the node kinds checked.
// acc: n_rows * num_slots accumulators, already zeroed. rows: n_rows * num_feature values.
// expanded: scratch for n_rows expanded rows (2 * num_feature values each; complete layout only).
template <typename T, bool kCategorical, bool kGeneral>
void EvaluateBlock(const CompiledTrees<T>& c, const T* __restrict rows, size_t n_rows,
                   size_t num_feature, T* __restrict acc, size_t num_slots, T* __restrict expanded) {
  if constexpr (!kCategorical && !kGeneral) {
    EvaluateBlockFast(c, rows, n_rows, num_feature, acc, num_slots, expanded);
    return;
  }
  const PackedNode<T>* nodes = c.nodes.data();
  const uint32_t* cats = c.cat_words.data();
  const size_t num_tree = c.root.size();
  for (size_t t = 0; t < num_tree; ++t) {
    const PackedNode<T>* root = nodes + c.root[t];
    const TreeOutput& o = c.output[t];
    if constexpr (!kGeneral) {
      T* a = acc + o.slot;
      for (size_t r = 0; r < n_rows; ++r) {
        a[r * num_slots] += FindLeaf<T, kCategorical, false>(root, rows + r * num_feature, cats)->value;
      }
    } else {
      for (size_t r = 0; r < n_rows; ++r) {
        const T* row = rows + r * num_feature;
        AddLeafGeneral(c, o, FindLeaf<T, kCategorical, true>(root, row, cats), row, acc + r * num_slots);
      }
    }
  }
}

}  // namespace larch::forest
