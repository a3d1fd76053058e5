// Grown tree -> forest IR tree (see to_forest.h).
#include "train/to_forest.h"

#include <limits>

namespace larch::train {

forest::Tree ToForestTree(const GrownTree& t, const BinCuts& cuts, int32_t leaf_vector_size,
                          const std::vector<double>* leaf_vectors) {
  forest::Tree out;
  const int32_t n = static_cast<int32_t>(t.nodes.size());
  for (int32_t i = 0; i < n; ++i) out.AddNode();
  for (int32_t i = 0; i < n; ++i) {
    const GrownNode& g = t.nodes[i];
    out.data_count[i] = g.NumRows();
    out.data_count_present[i] = 1;
    out.sum_hess[i] = g.sum_hess;
    out.sum_hess_present[i] = 1;
    if (g.IsLeaf()) {
      if (leaf_vector_size > 0) {
        const uint64_t b = out.leaf_vector.size();
        for (int32_t k = 0; k < leaf_vector_size; ++k)
          out.leaf_vector.push_back((*leaf_vectors)[static_cast<size_t>(i) * leaf_vector_size + k]);
        out.leaf_vector_begin[i] = b;
        out.leaf_vector_end[i] = out.leaf_vector.size();
      } else {
        out.leaf_value[i] = g.value;
      }
      continue;
    }
    out.node_type[i] = forest::NodeType::kNumerical;
    out.left_child[i] = g.left;
    out.right_child[i] = g.right;
    out.split_index[i] = g.feature;
    out.default_left[i] = g.default_left ? 1 : 0;
    if (g.bin < cuts.NumCuts(g.feature)) {
      out.threshold[i] = static_cast<double>(cuts.Cuts(g.feature)[g.bin]);
      out.cmp[i] = forest::Operator::kLT;
    } else {  // every value left, only missing values right
      out.threshold[i] = std::numeric_limits<double>::infinity();
      out.cmp[i] = forest::Operator::kLE;
    }
    out.gain[i] = g.gain;
    out.gain_present[i] = 1;
  }
  // Leaf vectors were appended in node order, so begin/end of nodes without one stay empty
  // ranges at the right offsets only if they point inside the array: make them consistent.
  uint64_t cursor = 0;
  for (int32_t i = 0; i < n; ++i) {
    if (out.leaf_vector_end[i] > out.leaf_vector_begin[i]) cursor = out.leaf_vector_end[i];
    else out.leaf_vector_begin[i] = out.leaf_vector_end[i] = cursor;
  }
  return out;
}

}  // namespace larch::train
