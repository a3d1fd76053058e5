// Random forests as scikit-learn grows them (bootstrap rows per tree, a random subset of
// max_features candidate features per node, gini / entropy / squared-error impurity, max_depth,
// min_samples_split, min_samples_leaf), on binned data. The forest IR matches what Treelite
// makes of a scikit-learn forest: classifiers average per-leaf class-probability vectors
// (kMultiClf, identity_multiclass, even for two classes); regressors average leaf means.
//
// Trees are independent: each uses its own random stream (seed, tree index) and grows on one
// thread, so the forest is identical for any thread count.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "forest/forest_ir.h"
#include "train/train_data.h"

namespace larch::train {

enum class Criterion { kGini, kEntropy, kSquaredError };

struct ForestOptions {
  bool classification = true;
  int32_t num_class = 0;            // 0: max label + 1 (at least 2)
  int32_t num_trees = 100;
  Criterion criterion = Criterion::kGini;
  int32_t max_depth = 0;            // 0: unlimited
  int32_t min_samples_split = 2;
  int32_t min_samples_leaf = 1;
  // Candidate features per node: a fraction of all (max_features_fraction > 0), else an
  // absolute count (max_features_count > 0), else sqrt / log2 / all by name.
  std::string max_features = "sqrt";  // "sqrt" | "log2" | "all"
  double max_features_fraction = 0.0;
  int32_t max_features_count = 0;
  bool bootstrap = true;
  double max_samples = 1.0;         // bootstrap draws as a fraction of the rows
  int32_t max_bins = 256;
  uint64_t seed = 0;
  int32_t num_threads = 0;
  forest::ValueType value_type = forest::ValueType::kFloat64;
};

StatusOr<forest::Forest> TrainForest(const TrainData& train, const ForestOptions& options,
                                     const ProgressFn& progress);

}  // namespace larch::train
