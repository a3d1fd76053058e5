// The single-row kernel over the complete layout (complete_layout.h). Included only by
// predictor.cc (through evaluate_cpu.h).
//
// One row, kCompleteGroup trees in lockstep: each tree's walk is a chain of dependent loads
// (node -> feature value -> compare -> next node), so the core runs 16 such chains side by side
// for the group's fixed depth, with no branch at all inside the walk. Leaves are then added to
// the row's accumulators in tree order, the same order as every other kernel, so results are
// bit-identical to the packed-layout path.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "forest/compile.h"

namespace larch::forest {

// xr[f] = x[f] with NaN -> -inf, xr[nf + f] = x[f] with NaN -> +inf (see complete_layout.h).
template <typename T>
inline void ExpandRow(const T* __restrict x, size_t num_feature, T* __restrict xr) {
  constexpr T kInf = std::numeric_limits<T>::infinity();
  for (size_t f = 0; f < num_feature; ++f) {
    const T v = x[f];
    const bool missing = v != v;
    xr[f] = missing ? -kInf : v;
    xr[num_feature + f] = missing ? kInf : v;
  }
}

// Walks trees [t0, t0 + kN) of one group for the expanded row xr and adds their leaves to acc.
template <typename T, uint32_t kN>
inline void WalkGroup(const CompleteTrees<T>& c, size_t t0, uint32_t depth, const T* __restrict xr,
                      T* __restrict acc) {
  const CompleteNode<T>* base[kN];
  uint32_t idx[kN];
  for (uint32_t k = 0; k < kN; ++k) {
    base[k] = c.nodes.data() + c.node_begin[t0 + k];
    idx[k] = 0;
  }
  for (uint32_t d = 0; d < depth; ++d) {
    for (uint32_t k = 0; k < kN; ++k) {
      const CompleteNode<T> n = base[k][idx[k]];
      idx[k] = 2 * idx[k] + 1 + static_cast<uint32_t>(xr[n.feature] >= n.threshold);
    }
  }
  const uint32_t first_leaf = (1u << depth) - 1;
  for (uint32_t k = 0; k < kN; ++k) {
    acc[c.slot[t0 + k]] += c.leaves[c.leaf_begin[t0 + k] + idx[k] - first_leaf];
  }
}

// Adds every tree's leaf for one expanded row to acc (num_slots accumulators, already zeroed).
template <typename T>
void EvaluateRowComplete(const CompleteTrees<T>& c, const T* __restrict xr, T* __restrict acc) {
  const size_t num_tree = c.slot.size();
  const size_t full = num_tree - num_tree % kCompleteGroup;
  for (size_t t0 = 0; t0 < full; t0 += kCompleteGroup) {
    WalkGroup<T, kCompleteGroup>(c, t0, c.group_depth[t0 / kCompleteGroup], xr, acc);
  }
  // The last, partial group: one tree at a time, still in tree order.
  for (size_t t = full; t < num_tree; ++t) {
    WalkGroup<T, 1>(c, t, c.group_depth[t / kCompleteGroup], xr, acc);
  }
}

}  // namespace larch::forest
