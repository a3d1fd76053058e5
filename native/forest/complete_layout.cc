// Builds the complete layout (complete_layout.h) from the packed one, which the compiler has
// already validated and normalised to "x < threshold goes near".
#include "forest/complete_layout.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "forest/compile.h"

namespace larch::forest {
namespace {

// Why a forest keeps only the packed layout (see the header); checked before anything is built.
template <typename T>
bool Qualifies(const CompiledTrees<T>& c) {
  // LARCH_FOREST_LAYOUT=packed turns the complete layout off (diagnostics, and the tests that
  // check both layouts give the same bits).
  const char* layout = std::getenv("LARCH_FOREST_LAYOUT");
  if (layout != nullptr && std::strcmp(layout, "packed") == 0) return false;
  if (c.has_categorical || c.has_special || c.has_leaf_vectors || c.root.empty()) return false;
  for (uint32_t d : c.depth) {
    if (d > kCompleteMaxDepth) return false;
  }
  constexpr T kNegInf = -std::numeric_limits<T>::infinity();
  for (const PackedNode<T>& n : c.nodes) {
    const bool internal = (n.meta & kMetaLeaf) == 0;
    if (internal && n.value == kNegInf && (n.meta & kMetaDefaultDistant) == 0) return false;
  }
  return true;
}

// Writes the subtree of packed node `p` at heap index `i`, level `level`, into lane `lane` of a
// group padded to depth `depth`. A packed leaf above the last level repeats into every leaf slot
// below it.
template <typename T>
void Fill(const PackedNode<T>* p, uint32_t i, uint32_t level, uint32_t depth, uint32_t lane,
          uint32_t num_feature, CompleteNode<T>* nodes, T* leaves) {
  constexpr uint32_t kG = kCompleteGroup;
  if (level == depth) {
    leaves[(i - ((1u << depth) - 1)) * kG + lane] = p->value;  // tree depth <= group depth
    return;
  }
  if (p->meta & kMetaLeaf) {
    nodes[i * kG + lane] = CompleteNode<T>{T(0), 0};
    Fill(p, 2 * i + 1, level + 1, depth, lane, num_feature, nodes, leaves);
    Fill(p, 2 * i + 2, level + 1, depth, lane, num_feature, nodes, leaves);
    return;
  }
  const uint32_t feature = p->meta & kMetaFeatureMask;
  const bool default_distant = (p->meta & kMetaDefaultDistant) != 0;
  nodes[i * kG + lane] = CompleteNode<T>{p->value, default_distant ? num_feature + feature : feature};
  Fill(p + 1, 2 * i + 1, level + 1, depth, lane, num_feature, nodes, leaves);
  Fill(p + p->aux, 2 * i + 2, level + 1, depth, lane, num_feature, nodes, leaves);
}

}  // namespace

template <typename T>
void BuildCompleteTrees(const CompiledTrees<T>& c, int32_t num_feature, CompleteTrees<T>* out) {
  *out = CompleteTrees<T>{};
  if (!Qualifies(c)) return;
  const size_t num_tree = c.root.size();
  const size_t num_group = (num_tree + kCompleteGroup - 1) / kCompleteGroup;
  std::vector<uint32_t> group_depth(num_group, 0);
  for (size_t t = 0; t < num_tree; ++t) {
    uint32_t& d = group_depth[t / kCompleteGroup];
    d = std::max(d, c.depth[t]);
  }
  size_t total_nodes = 0, total_leaves = 0;
  for (uint32_t d : group_depth) {
    total_nodes += ((size_t{1} << d) - 1) * kCompleteGroup;
    total_leaves += (size_t{1} << d) * kCompleteGroup;
  }
  // Bounded padding: a few chain-like deep trees must not blow the copy up to 2^12 per tree.
  if (total_nodes + total_leaves > 16 * c.nodes.size() + 8192 || total_nodes >= (1ull << 31) ||
      total_leaves >= (1ull << 31)) {  // vector gathers take signed 32-bit indices
    return;
  }
  // Empty lanes of a partial last group keep these zero records: feature 0, threshold 0.
  out->nodes.assign(total_nodes, CompleteNode<T>{T(0), 0});
  out->leaves.assign(total_leaves, T(0));
  size_t node_at = 0, leaf_at = 0;
  for (size_t g = 0; g < num_group; ++g) {
    const uint32_t d = group_depth[g];
    out->group_nodes.push_back(static_cast<uint32_t>(node_at));
    out->group_leaves.push_back(static_cast<uint32_t>(leaf_at));
    const size_t t_end = std::min(num_tree, (g + 1) * kCompleteGroup);
    uint32_t group_slot = static_cast<uint32_t>(c.output[g * kCompleteGroup].slot);
    for (size_t t = g * kCompleteGroup; t < t_end; ++t) {
      if (static_cast<uint32_t>(c.output[t].slot) != group_slot) group_slot = kMixedSlots;
      Fill(c.nodes.data() + c.root[t], 0, 0, d, static_cast<uint32_t>(t % kCompleteGroup),
           static_cast<uint32_t>(num_feature), out->nodes.data() + node_at, out->leaves.data() + leaf_at);
      out->slot.push_back(static_cast<uint32_t>(c.output[t].slot));
    }
    out->group_slot.push_back(group_slot);
    node_at += ((size_t{1} << d) - 1) * kCompleteGroup;
    leaf_at += (size_t{1} << d) * kCompleteGroup;
  }
  out->group_depth = std::move(group_depth);
  out->expanded_size = 2 * num_feature;
  out->usable = true;
}

template void BuildCompleteTrees<float>(const CompiledTrees<float>&, int32_t, CompleteTrees<float>*);
template void BuildCompleteTrees<double>(const CompiledTrees<double>&, int32_t, CompleteTrees<double>*);

}  // namespace larch::forest
