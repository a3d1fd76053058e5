// Conversion of grown trees to the forest IR: a split after bin b of feature f becomes the
// numerical node `x[f] < cut_b` (see quantize.h for why this is exact on float32 input). A split
// after the last value bin (every value left, only missing values right) becomes `x[f] <= +inf`.
#pragma once

#include <cstdint>
#include <vector>

#include "forest/forest_ir.h"
#include "train/grown_tree.h"
#include "train/quantize.h"

namespace larch::train {

// Leaves take node.value, or, when leaf_vector_size > 0, the vector
// leaf_vectors[node * leaf_vector_size, +leaf_vector_size). Statistics (data_count, sum_hess,
// gain on splits) are filled in for every node.
forest::Tree ToForestTree(const GrownTree& t, const BinCuts& cuts, int32_t leaf_vector_size = 0,
                          const std::vector<double>* leaf_vectors = nullptr);

}  // namespace larch::train
