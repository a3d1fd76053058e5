// The complete ("implicit") layout: a second, pointer-free copy of shallow numerical forests,
// built from the packed layout (compile.h); the rows of such forests, single or in batches, are
// walked over it (evaluate_complete.h, evaluate_complete_avx512.cc).
//
// Trees are cut into lockstep groups of kCompleteGroup (16) consecutive trees; every tree of a
// group is padded to the group's depth D into a perfect binary tree in heap order (node i's
// children are 2i+1, near, and 2i+2, distant), and the group's 16 trees are interleaved node by
// node:
//
//   nodes:  (2^D - 1) * 16 CompleteNode records, heap node i of lane k at i * 16 + k
//   leaves: 2^D * 16 values, leaf j of lane k at j * 16 + k (the walk ends at i = 2^D - 1 + j)
//
// so a walk is exactly D steps of `i = 2i + 1 + (xr[feature] >= threshold)`: no child offsets,
// no leaf test, no loop-exit branch, and the lane's address is base + i * 16 + k with k a
// constant, so no per-tree base pointer is needed. A leaf of the original tree above depth D is
// repeated over all 2^(D-d) leaf slots below it; the padding nodes on the way read feature 0 and
// may go either way. A last group of fewer than 16 trees is padded with empty lanes whose
// leaves are never added.
//
// Missing values cost nothing at evaluation time: the row is first expanded to 2 * num_feature
// values, xr[f] = x[f] with NaN -> -inf and xr[nf + f] = x[f] with NaN -> +inf, and a node whose
// default child is the distant one reads xr[nf + f] (feature field = nf + f). Then NaN satisfies
// `>= threshold` exactly when the default is distant: +inf >= any threshold, and -inf >= t is
// false for every t > -inf. A node with threshold -inf whose default is near would break this,
// so such forests (and deep, categorical, special or leaf-vector ones) keep the packed layout.
#pragma once

#include <cstdint>
#include <vector>

namespace larch::forest {

template <typename T>
struct CompiledTrees;  // compile.h, which includes this header

// Trees walked in lockstep: enough independent load chains to hide L1/L2 latency, few enough to
// keep every index in a register (and one AVX-512 vector of int32 lanes).
inline constexpr uint32_t kCompleteGroup = 16;
// Deeper groups would pad too much (2^D nodes per tree); they keep the packed layout.
inline constexpr uint32_t kCompleteMaxDepth = 12;

inline constexpr uint32_t kMixedSlots = ~0u;

template <typename T>
struct CompleteNode {
  T threshold;
  uint32_t feature;  // index into the expanded row: f, or num_feature + f if NaN goes distant
};

template <typename T>
struct CompleteTrees {
  bool usable = false;
  int32_t expanded_size = 0;          // 2 * num_feature: values in an expanded row
  std::vector<CompleteNode<T>> nodes;
  std::vector<T> leaves;
  std::vector<uint32_t> slot;         // per tree: the accumulator slot its leaves go to
  std::vector<uint32_t> group_depth;  // per group: D
  std::vector<uint32_t> group_nodes;  // per group: its first node in `nodes`
  std::vector<uint32_t> group_leaves; // per group: its first leaf in `leaves`
  std::vector<uint32_t> group_slot;   // per group: the one slot of all its trees, or kMixedSlots
};

// Fills c->complete when the forest qualifies (see above); leaves it unusable otherwise.
// Padding is bounded: the layout may hold at most 16x the packed node count (plus a small floor).
template <typename T>
void BuildCompleteTrees(const CompiledTrees<T>& packed, int32_t num_feature, CompleteTrees<T>* out);

extern template void BuildCompleteTrees<float>(const CompiledTrees<float>&, int32_t, CompleteTrees<float>*);
extern template void BuildCompleteTrees<double>(const CompiledTrees<double>&, int32_t, CompleteTrees<double>*);

}  // namespace larch::forest
