// The portable kernel over the complete layout (complete_layout.h): every row, single or in a
// batch, of a forest that has the layout goes through it, or through its AVX-512 twin
// (evaluate_complete_avx512.cc) on CPUs that have AVX-512F. Included only by predictor.cc
// (through evaluate_cpu.h).
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

// Walks the 16 lanes of group g for the expanded row xr and adds the first `count` lanes'
// leaves to acc, in tree order. Lane k's position is kept as the byte offset of its node,
// b = (16 * i + k) * sizeof(node) for heap index i, so the node is at nodes + b, and the step
// i -> 2i + 1 + distant is b -> 2b + (16 - k) * sizeof(node) + distant * 16 * sizeof(node): a
// single lea with a per-lane constant, so the compiler needs no per-lane base pointer.
template <typename T>
inline void WalkGroup(const CompleteTrees<T>& c, size_t g, uint32_t count, const T* __restrict xr,
                      T* __restrict acc) {
  constexpr size_t kG = kCompleteGroup;
  constexpr size_t kNode = sizeof(CompleteNode<T>);
  constexpr size_t kRow = kG * kNode;  // one heap index, all 16 lanes
  const char* nodes = reinterpret_cast<const char*>(c.nodes.data() + c.group_nodes[g]);
#if defined(__GNUC__)
  // One register for the group's base: otherwise GCC keeps data() and the group offset apart
  // and adds both on every step.
  asm("" : "+r"(nodes));
#endif
  const uint32_t depth = c.group_depth[g];
  size_t b[kG];
  for (size_t k = 0; k < kG; ++k) b[k] = k * kNode;
  for (uint32_t d = 0; d < depth; ++d) {
    for (size_t k = 0; k < kG; ++k) {
      const auto* n = reinterpret_cast<const CompleteNode<T>*>(nodes + b[k]);
      b[k] = 2 * b[k] + (kRow - k * kNode) + (xr[n->feature] >= n->threshold ? kRow : 0);
    }
  }
  // The walk ended at heap index 2^D - 1 + leaf, i.e. b / kNode = 16 * (2^D - 1 + leaf) + k.
  const T* __restrict leaves = c.leaves.data() + c.group_leaves[g];
  const size_t first = kG * ((size_t{1} << depth) - 1);
  const uint32_t* slot = c.slot.data() + g * kG;
  if (c.group_slot[g] != kMixedSlots) {
    // One slot for the whole group: sum in a register, so the 16 additions are not chained
    // through a store and a reload of acc (same additions, same order).
    T sum = acc[c.group_slot[g]];
    for (uint32_t k = 0; k < count; ++k) sum += leaves[b[k] / kNode - first];
    acc[c.group_slot[g]] = sum;
    return;
  }
  for (uint32_t k = 0; k < count; ++k) acc[slot[k]] += leaves[b[k] / kNode - first];
}

// Adds the leaves of groups [g_begin, g_end) for one expanded row to acc (num_slots
// accumulators), in tree order.
template <typename T>
void EvaluateRowComplete(const CompleteTrees<T>& c, size_t g_begin, size_t g_end, const T* __restrict xr,
                         T* __restrict acc) {
  const size_t num_tree = c.slot.size();
  for (size_t g = g_begin; g < g_end; ++g) {
    const uint32_t count = static_cast<uint32_t>(std::min<size_t>(kCompleteGroup, num_tree - g * kCompleteGroup));
    WalkGroup(c, g, count, xr, acc);
  }
}

// The end of the tile of groups that starts at g_begin: as many groups as fit in about 2 MiB
// (at least one), so a block of rows walks a tile while its nodes stay in L2, then the next.
template <typename T>
size_t CompleteTileEnd(const CompleteTrees<T>& c, size_t g_begin) {
  constexpr size_t kTileBytes = size_t{2} << 20;
  const size_t num_group = c.group_depth.size();
  size_t bytes = 0, g = g_begin;
  while (g < num_group) {
    const size_t leaves = kCompleteGroup << c.group_depth[g];
    bytes += (leaves - kCompleteGroup) * sizeof(CompleteNode<T>) + leaves * sizeof(T);
    if (bytes > kTileBytes && g > g_begin) break;
    ++g;
  }
  return g;
}

}  // namespace larch::forest
