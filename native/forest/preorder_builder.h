// Copies a source tree (any node numbering) into an IR Tree in depth-first pre-order, checking
// on the way that the source really is a tree: every child index in range and every node
// reached at most once from the root, so no cycle or shared subtree reaches the evaluator.
// Unreachable source nodes (XGBoost's deleted nodes) are dropped.
//
// Source ids are int64 in [0, num_source_nodes). The callbacks:
//   bool is_leaf(int64 id)
//   int64 left(int64 id), right(int64 id)            only called for non-leaves
//   Status fill(int64 id, int32 node, Tree* tree)     writes the node's fields (not children)
// `new_id` (optional) receives, per source id, its IR index or -1 if unreachable.
// Errors are INVALID_ARGUMENT messages meant to follow "tree N " (or fill's own status).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "forest/forest_ir.h"

namespace larch::forest {

template <typename IsLeaf, typename Left, typename Right, typename Fill>
Status BuildTreePreorder(int64_t num_source_nodes, IsLeaf is_leaf, Left left, Right right,
                         Fill fill, Tree* tree, std::vector<int32_t>* new_id) {
  if (num_source_nodes <= 0) {
    return Status::Invalid("has no nodes");
  }
  if (num_source_nodes > INT32_MAX) {
    return Status::Invalid("has too many nodes");
  }
  std::vector<int32_t> local;
  std::vector<int32_t>& ids = new_id ? *new_id : local;
  ids.assign(static_cast<size_t>(num_source_nodes), -1);
  struct Pending {
    int64_t source;
    int32_t parent;  // IR index of the parent, -1 for the root
    bool is_left;
  };
  std::vector<Pending> stack;
  stack.push_back({0, -1, false});
  while (!stack.empty()) {
    const Pending p = stack.back();
    stack.pop_back();
    if (p.source < 0 || p.source >= num_source_nodes) {
      return Status::Invalid("has a child index " + std::to_string(p.source) + " outside [0, " +
                             std::to_string(num_source_nodes) + ")");
    }
    if (ids[static_cast<size_t>(p.source)] != -1) {
      return Status::Invalid("is not a tree: node " + std::to_string(p.source) +
                             " is reached twice");
    }
    const int32_t node = tree->AddNode();
    ids[static_cast<size_t>(p.source)] = node;
    if (p.parent >= 0) {
      (p.is_left ? tree->left_child : tree->right_child)[static_cast<size_t>(p.parent)] = node;
    }
    RETURN_IF_ERROR(fill(p.source, node, tree));
    if (!is_leaf(p.source)) {
      // Right pushed first so the left subtree is laid out right after its parent.
      stack.push_back({right(p.source), node, false});
      stack.push_back({left(p.source), node, true});
    }
  }
  return Status::Ok();
}

}  // namespace larch::forest
